// `laser train`, `laser compare`, `laser eval`: the LASeR loop, baselines side by side, and
// evaluation of a model directory on a dataset.
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/data/loaders.h"
#include "laser/gen/sampling.h"
#include "laser/loop/compare.h"
#include "laser/loop/config.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/rerank.h"
#include "laser/loop/run.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/text/tokenizer.h"

namespace laser::cli {

namespace {

void add_train(CLI::App& app) {
  struct Opts {
    std::string config;
    std::vector<std::string> set;
    bool resume = false, list_keys = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("train", "run LASeR (or a baseline strategy) from a TOML config: iterative DPO+NLL with a bandit choosing the RM");
  c->add_option("--config", o->config, "TOML config file (see README's configuration reference)");
  c->add_option("--set", o->set, "override a config key: --set train.lr=1e-5 (repeatable)");
  c->add_flag("--resume", o->resume, "continue the run from its latest checkpoint");
  c->add_flag("--list-keys", o->list_keys, "print every config key with its default and meaning");
  c->callback([o] {
    if (o->list_keys) {
      std::cout << loop::config_reference_markdown();
      return;
    }
    LASER_CHECK(!o->config.empty(), "laser train", "no --config given", "laser train --config configs/world.toml");
    auto cfg = loop::Config::load(o->config, o->set);
    loop::install_stop_handlers();
    loop::RunOptions ro;
    ro.resume = o->resume;
    loop::run_training(cfg, ro);
  });
}

void add_compare(CLI::App& app) {
  struct Opts {
    std::string config, strategies = "sft,laser,random,sequential,score-ensemble", out;
    std::vector<std::string> set;
    bool resume = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("compare", "run one config under several strategies and print the paper-style table");
  c->add_option("--config", o->config, "TOML config file")->required();
  c->add_option("--strategies", o->strategies, "comma-separated: sft, laser, fixed:NAME, random, sequential, score-ensemble, agreement-ensemble, online-ensemble")
      ->capture_default_str();
  c->add_option("--set", o->set, "override a config key (repeatable)");
  c->add_option("--out", o->out, "compare directory name under run.out_dir (default <run.name>-compare)");
  c->add_flag("--resume", o->resume, "reuse finished runs and resume unfinished ones");
  c->callback([o] {
    auto cfg = loop::Config::load(o->config, o->set);
    loop::install_stop_handlers();
    loop::CompareOptions co;
    for (auto& s : split(o->strategies, ','))
      if (!trim(s).empty()) co.strategies.push_back(trim(s));
    co.resume = o->resume;
    co.out_name = o->out;
    auto res = loop::run_compare(cfg, {}, co);
    std::cout << "\n" << loop::compare_markdown(res) << "\n";
    for (auto& r : res["rows"]) std::cout << "report " << r["strategy"].get<std::string>() << ": " << r["report"].get<std::string>() << "\n";
    std::cout << "table: " << res["dir"].get<std::string>() << "/compare.md\n";
  });
}

void add_eval(CLI::App& app) {
  struct Opts {
    std::string model, format = "gsm8k", path, tmpl, verifier = "auto", device = "cpu", dtype = "f32";
    size_t limit = 0;
    int max_new_tokens = 150, threads = 0;
    double temperature = 0.0;
    uint64_t seed = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("eval", "evaluate a model directory on a dataset: accuracy (reasoning) or token F1 (QA), per category");
  c->add_option("--model", o->model, "model directory")->required();
  c->add_option("--format", o->format, "dataset format: " + join(data::dataset_formats(), ", "))->capture_default_str();
  c->add_option("--data", o->path, "dataset file or folder (world: a spec such as n=300,seed=1)");
  c->add_option("--template", o->tmpl, "prompt template preset or text (default: the format's)");
  c->add_option("--verifier", o->verifier, "auto, gsm8k, mmlu, yesno, exact, f1")->capture_default_str();
  c->add_option("--limit", o->limit, "evaluate the first N examples (0 = all)")->capture_default_str();
  c->add_option("--max-new-tokens", o->max_new_tokens, "response length limit")->capture_default_str();
  c->add_option("--temperature", o->temperature, "0 = greedy")->capture_default_str();
  c->add_option("--seed", o->seed, "sampling seed")->capture_default_str();
  c->add_option("--device", o->device, "cpu or cuda")->capture_default_str();
  c->add_option("--dtype", o->dtype, "f32, bf16, f16")->capture_default_str();
  c->add_option("--threads", o->threads, "0 = all cores")->capture_default_str();
  c->callback([o] {
    model::set_threads(o->threads);
    data::LoadOptions lo;
    lo.template_spec = o->tmpl;
    lo.limit = o->limit;
    auto d = data::load_dataset(o->format, o->path, lo);
    auto tok = text::load_tokenizer(o->model);
    auto m = model::load_model(o->model, parse_device(o->device, "--device"), parse_dtype(o->dtype, "--dtype"));
    gen::SamplingParams sp;
    sp.max_new_tokens = o->max_new_tokens;
    sp.temperature = o->temperature;
    sp.seed = o->seed;
    std::string v = loop::resolve_verifier(o->verifier, o->format);
    auto r = loop::evaluate(m, *tok, d, v, sp);
    std::printf("%-16s %8s %6s\n", "category", "score", "n");
    for (auto& [cat, a] : r.per_category) std::printf("%-16s %7.2f%% %6d\n", cat.c_str(), 100 * a, r.count[cat]);
    std::printf("%-16s %7.2f%% %6d\n", "overall", 100 * r.accuracy, r.n);
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
