// `laser train`, `laser compare`, `laser eval`: the LASeR loop, baselines side by side, and
// evaluation of a model directory on a dataset.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/strings.h"
#include "laser/data/loaders.h"
#include "laser/gen/sampling.h"
#include "laser/loop/compare.h"
#include "laser/loop/config.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/rerank.h"
#include "laser/loop/run.h"
#include "laser/loop/win_rate.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/reward/reward_factory.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"
#include "laser/train/distributed.h"

namespace laser::cli {

namespace {

void add_train(CLI::App& app) {
  struct Opts {
    std::string config, preset = "laser";
    std::vector<std::string> set;
    bool resume = false, list_keys = false;
    int nproc = 1;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("train", "run LASeR (or a baseline strategy) from a TOML config: iterative DPO+NLL with a bandit choosing the RM");
  c->add_option("--config", o->config, "TOML config file (see README's configuration reference)");
  c->add_option("--preset", o->preset, "laser (the defaults) or paper (the authors' settings, METHOD.md), applied over the file, under --set")
      ->capture_default_str();
  c->add_option("--set", o->set, "override a config key: --set train.lr=1e-5 (repeatable)");
  c->add_flag("--resume", o->resume, "continue the run from its latest checkpoint");
  c->add_flag("--list-keys", o->list_keys, "print every config key with its default and meaning");
  c->add_option("--nproc", o->nproc, "data parallelism on this machine: N local ranks (c10d Gloo on 127.0.0.1); torchrun launches it the same way")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  c->callback([o] {
    if (o->list_keys) {
      std::cout << loop::config_reference_markdown();
      return;
    }
    if (o->nproc > 1 && !std::getenv("RANK")) {
      int rc = train::launch_local_workers(o->nproc, train::own_argv_without_nproc());
      if (rc != 0) throw Error("a rank exited with status " + std::to_string(rc), "--nproc " + std::to_string(o->nproc), "see the ranks' messages above");
      return;
    }
    LASER_CHECK(!o->config.empty(), "laser train", "no --config given",
                "e.g. the built-in world: laser world --setup-only (builds its models once), then laser train --config configs/world.toml");
    auto sets = loop::preset_overrides(o->preset);
    sets.insert(sets.end(), o->set.begin(), o->set.end());
    auto cfg = loop::Config::load(o->config, sets);
    loop::install_stop_handlers();
    loop::RunOptions ro;
    ro.resume = o->resume;
    // Under torchrun or --nproc (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): one rank of the run.
    ro.dist = train::Distributed::from_env(cfg.typed().run.dist_timeout);
    if (!ro.dist->is_main()) log::set_level(std::max(log::level(), log::Level::Warn));  // rank 0 reports
    loop::run_training(cfg, ro);
  });
}

void add_compare(CLI::App& app) {
  struct Opts {
    std::string config, strategies = "sft,laser,random,sequential,score-ensemble", out, preset = "laser";
    std::vector<std::string> set;
    bool resume = false;
    int seeds = 1;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("compare", "run one config under several strategies and print the paper-style table");
  c->add_option("--config", o->config, "TOML config file")->required();
  c->add_option("--strategies", o->strategies, "comma-separated: sft, laser, fixed:NAME, random, sequential, score-ensemble, agreement-ensemble, online-ensemble")
      ->capture_default_str();
  c->add_option("--preset", o->preset, "laser (the defaults) or paper (the authors' settings), applied over the file, under --set")
      ->capture_default_str();
  c->add_option("--set", o->set, "override a config key (repeatable)");
  c->add_option("--out", o->out, "compare directory name under run.out_dir (default <run.name>-compare)");
  c->add_flag("--resume", o->resume, "reuse finished runs and resume unfinished ones");
  c->add_option("--seeds", o->seeds, "run every strategy on N seeds (run.seed, run.seed+1, ...): mean ± 95% interval, LASeR's paired differences")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  c->callback([o] {
    auto sets = loop::preset_overrides(o->preset);
    sets.insert(sets.end(), o->set.begin(), o->set.end());
    auto cfg = loop::Config::load(o->config, sets);
    loop::install_stop_handlers();
    loop::CompareOptions co;
    for (auto& s : split(o->strategies, ','))
      if (!trim(s).empty()) co.strategies.push_back(trim(s));
    co.resume = o->resume;
    co.out_name = o->out;
    co.seeds = o->seeds;
    auto res = loop::run_compare(cfg, {}, co);
    std::cout << "\n" << loop::compare_markdown(res) << "\n";
    for (auto& r : res["rows"]) std::cout << "report " << r["strategy"].get<std::string>() << ": " << r["report"].get<std::string>() << "\n";
    std::cout << "table: " << res["dir"].get<std::string>() << "/compare.md, page: " << res["html"].get<std::string>() << "\n";
  });
}

// A score per category, then overall, as percentages (`extra` follows the overall line).
void print_category_table(const char* score_name, const std::map<std::string, double>& per_category, const std::map<std::string, int>& count,
                          double overall, int n, const std::string& extra = "") {
  std::printf("%-16s %8s %6s\n", "category", score_name, "n");
  for (auto& [cat, a] : per_category) std::printf("%-16s %7.2f%% %6d\n", cat.c_str(), 100 * a, count.at(cat));
  std::printf("%-16s %7.2f%% %6d%s\n", "overall", 100 * overall, n, extra.c_str());
}

void add_eval(CLI::App& app) {
  struct Opts {
    std::string model, format = "gsm8k", path, tmpl, verifier = "auto", device = "cpu", dtype = "f32";
    std::string chat_template, system, baseline, baseline_chat_template = "same", judge, judge_name, out;
    size_t limit = 0;
    int max_new_tokens = 150, threads = 0;
    double temperature = 0.0, tie_margin = 0.0;
    uint64_t seed = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("eval",
                               "evaluate a model directory on a dataset: accuracy (reasoning), token F1 (QA), or win rate against a baseline "
                               "model judged by a reward model (instruction following)");
  c->add_option("--model", o->model, "model directory")->required();
  c->add_option("--format", o->format, "dataset format: " + join(data::dataset_formats(), ", "))->capture_default_str();
  c->add_option("--data", o->path, "dataset file or folder (world: a spec such as n=300,seed=1)");
  c->add_option("--template", o->tmpl, "prompt template preset or text (default: the format's)");
  c->add_option("--verifier", o->verifier, "auto, gsm8k, mmlu, yesno, exact, f1, none")->capture_default_str();
  c->add_option("--chat-template", o->chat_template, "render prompts as a user turn: auto (from tokenizer_config.json) or " +
                                                         join(text::ChatTemplate::names(), ", ") + "; empty = raw prompt");
  c->add_option("--system", o->system, "system message for the chat template");
  c->add_option("--baseline", o->baseline, "baseline model directory: also report the win rate against it (needs --judge)");
  c->add_option("--baseline-chat-template", o->baseline_chat_template, "the baseline's chat template (same = --chat-template)")->capture_default_str();
  c->add_option("--judge", o->judge, "reward model TOML that judges model against baseline: a top-level kind, an [rm] table, or a train config's [[rm]] tables");
  c->add_option("--judge-name", o->judge_name, "which [[rm]] of the --judge file (needed when it has several)");
  c->add_option("--tie-margin", o->tie_margin, "judge score differences up to this count as ties (half a win)")->capture_default_str();
  c->add_option("--out", o->out, "write every prompt, response, score and judge score to this JSON file");
  c->add_option("--limit", o->limit, "evaluate the first N examples (0 = all)")->capture_default_str();
  c->add_option("--max-new-tokens", o->max_new_tokens, "response length limit")->capture_default_str();
  c->add_option("--temperature", o->temperature, "0 = greedy")->capture_default_str();
  c->add_option("--seed", o->seed, "sampling seed")->capture_default_str();
  c->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  c->add_option("--dtype", o->dtype, "f32, bf16, f16")->capture_default_str();
  c->add_option("--threads", o->threads, "0 = all cores")->capture_default_str();
  c->callback([o] {
    model::set_threads(o->threads);
    std::string v = loop::resolve_verifier(o->verifier, o->format);
    LASER_CHECK(o->baseline.empty() == o->judge.empty(), o->baseline.empty() ? "--judge" : "--baseline",
                "a win rate needs both a baseline model and a judge", "pass --baseline DIR --judge RM.toml together");
    LASER_CHECK(v != "none" || !o->baseline.empty(), "laser eval --format " + o->format, "this data has no answer checker (verifier none)",
                "judge against a baseline instead: --baseline DIR --judge RM.toml");
    data::LoadOptions lo;
    lo.template_spec = o->tmpl;
    lo.limit = o->limit;
    auto d = data::load_dataset(o->format, o->path, lo);
    LASER_CHECK(!d.examples.empty(), o->path, "the dataset has no examples", "check --data and --limit");
    // Judge first, so a bad judge file fails before any generation.
    std::unique_ptr<reward::RewardModel> judge;
    if (!o->judge.empty()) judge = reward::load_reward_model(o->judge, o->judge_name);
    auto device = parse_device(o->device, "--device");
    auto dtype = parse_dtype(o->dtype, "--dtype");
    gen::SamplingParams sp;
    sp.max_new_tokens = o->max_new_tokens;
    sp.temperature = o->temperature;
    sp.seed = o->seed;
    sp.validate("laser eval");
    auto tok = text::load_tokenizer(o->model);
    auto pe = text::PromptEncoder::from_spec(o->chat_template, o->model, "--chat-template", o->system);
    auto m = model::load_model(o->model, device, dtype);
    // Prompts longer than the context are cut in the middle (one warning at the end says how many).
    pe.set_token_budget(text::prompt_token_budget(m->config().max_position_embeddings, sp.max_new_tokens, "--max-new-tokens"));
    io::json out = {{"model", o->model}, {"format", o->format}, {"data", o->path}, {"n", d.size()}, {"chat_template", pe.describe()}};
    std::vector<std::string> responses;
    if (v != "none") {
      auto r = loop::evaluate(m, *tok, d, v, sp, pe);
      responses = r.responses;
      print_category_table("score", r.per_category, r.count, r.accuracy, r.n);
      out["verifier"] = v;
      out["accuracy"] = r.accuracy;
      out["per_category"] = r.per_category;
      out["scores"] = r.scores;
    } else {
      responses = loop::respond(m, *tok, d, sp, pe);
    }
    if (judge) {
      m = nullptr;  // free the model before loading the baseline
      auto btok = text::load_tokenizer(o->baseline);
      const bool same = o->baseline_chat_template == "same";
      auto bpe = text::PromptEncoder::from_spec(same ? o->chat_template : o->baseline_chat_template, o->baseline,
                                                same ? "--chat-template" : "--baseline-chat-template", o->system);
      auto bm = model::load_model(o->baseline, device, dtype);
      bpe.set_token_budget(text::prompt_token_budget(bm->config().max_position_embeddings, sp.max_new_tokens, "--max-new-tokens"));
      auto base = loop::respond(bm, *btok, d, sp, bpe);
      bm = nullptr;
      auto w = loop::judge_win_rate(*judge, d, responses, base, o->tie_margin);
      std::printf("\nwin rate against %s, judged by %s (%s)\n", o->baseline.c_str(), judge->name().c_str(), judge->kind().c_str());
      print_category_table("win rate", w.per_category, w.count, w.win_rate, w.n,
                           fmt::format("   wins {}, ties {}, losses {}", w.wins, w.ties, w.losses));
      out["baseline"] = o->baseline;
      out["judge"] = {{"name", judge->name()}, {"kind", judge->kind()}, {"file", o->judge}, {"tie_margin", o->tie_margin}};
      out["win_rate"] = w.win_rate;
      out["wins"] = w.wins;
      out["ties"] = w.ties;
      out["losses"] = w.losses;
      out["win_rate_per_category"] = w.per_category;
      out["baseline_responses"] = base;
      out["judge_scores"] = w.score;
      out["baseline_judge_scores"] = w.baseline_score;
    }
    if (!o->out.empty()) {
      out["responses"] = responses;
      io::json ids = io::json::array();
      for (auto& e : d.examples) ids.push_back(e.id);
      out["ids"] = ids;
      // Responses of small or random models can hold invalid UTF-8: written as U+FFFD.
      io::write_file_atomic(o->out, out.dump(2, ' ', false, io::json::error_handler_t::replace) + "\n");
      std::printf("wrote %s\n", o->out.c_str());
    }
  });
}

void add_rerank(CLI::App& app) {
  auto o = std::make_shared<loop::RerankOptions>();
  o->format = "gsm8k";
  auto* c = app.add_subcommand("rerank", "best-of-n at inference: a trained LASeR bandit picks the RM that ranks n sampled candidates");
  c->add_option("--run", o->run_dir, "run directory of a `laser train` run with strategy laser")->required();
  c->add_option("--checkpoint", o->checkpoint, "checkpoint name under checkpoints/ (default: latest)");
  c->add_option("--model", o->model, "policy directory (default: the checkpoint's policy)");
  c->add_option("--format", o->format, "dataset format")->capture_default_str();
  c->add_option("--data", o->path, "dataset file or folder (world: a spec)");
  c->add_option("--template", o->template_spec, "prompt template (default: the run's)");
  c->add_option("--limit", o->limit, "first N examples (0 = all)")->capture_default_str();
  c->add_option("-n", o->n, "candidates per prompt")->capture_default_str();
  c->add_option("--temperature", o->temperature, "sampling temperature")->capture_default_str();
  c->add_option("--max-new-tokens", o->max_new_tokens, "0 = the run's generation.max_new_tokens")->capture_default_str();
  c->add_option("--seed", o->seed, "sampling seed")->capture_default_str();
  c->callback([o] {
    auto r = loop::run_rerank(*o);
    std::printf("%-12s %10s %12s %6s  %s\n", "category", "reranked", "first sample", "n", "RM share");
    for (auto it = r["per_category"].begin(); it != r["per_category"].end(); ++it) {
      std::string share;
      for (auto a = r["arm_share"][it.key()].begin(); a != r["arm_share"][it.key()].end(); ++a)
        share += a.key() + " " + std::to_string(static_cast<int>(100 * a->get<double>() + 0.5)) + "% ";
      std::printf("%-12s %9.1f%% %11.1f%% %6d  %s\n", it.key().c_str(), 100 * (*it)["accuracy"].get<double>(), 100 * (*it)["first"].get<double>(),
                  (*it)["n"].get<int>(), share.c_str());
    }
    std::printf("%-12s %9.1f%% %11.1f%% %6d  RM items %lld\n", "overall", 100 * r["accuracy"].get<double>(), 100 * r["first_sample_accuracy"].get<double>(),
                r["n"].get<int>(), static_cast<long long>(r["rm_items"].get<int64_t>()));
  });
}

}  // namespace

void add_loop_commands(CLI::App& app) {
  add_rerank(app);
  add_train(app);
  add_compare(app);
  add_eval(app);
}

}  // namespace laser::cli
