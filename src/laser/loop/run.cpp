#include "laser/loop/run.h"

#include <csignal>
#include <atomic>
#include <cmath>
#include <map>
#include <set>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/progress.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"
#include "laser/core/timer.h"
#include "laser/data/loaders.h"
#include "laser/data/split.h"
#include "laser/gen/generate.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/contexts.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/report.h"
#include "laser/loop/strategy.h"
#include "laser/loop/win_rate.h"
#include "laser/model/torch_util.h"
#include "laser/reward/ensemble.h"
#include "laser/reward/reward_factory.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"
#include "laser/train/pairs.h"
#include "laser/train/trainer.h"

namespace laser::loop {

using json = nlohmann::json;

namespace {
std::atomic<int> g_stop{0};
void on_signal(int sig) {
  g_stop = sig;
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

// Keeps the first `lines` lines of a JSONL file (atomically), dropping what a crashed or stopped
// run wrote after its last checkpoint.
void truncate_lines(const std::string& path, int64_t lines) {
  if (!io::file_exists(path)) return;
  std::string data = io::read_file(path), out;
  int64_t n = 0;
  size_t start = 0;
  while (n < lines && start < data.size()) {
    size_t e = data.find('\n', start);
    if (e == std::string::npos) break;  // a torn last line is dropped
    out.append(data, start, e - start + 1);
    start = e + 1;
    ++n;
  }
  io::write_file_atomic(path, out);
}

int64_t count_lines(const std::string& path) {
  if (!io::file_exists(path)) return 0;
  std::string d = io::read_file(path);
  return static_cast<int64_t>(std::count(d.begin(), d.end(), '\n'));
}

json cost_json(const reward::RewardCost& c) {
  return {{"calls", c.calls}, {"items", c.items}, {"tokens", c.tokens}, {"seconds", c.seconds}};
}

gen::SamplingParams sampling_from(const Config& cfg) {
  gen::SamplingParams sp;
  sp.n = static_cast<int>(cfg.get_int("generation.n"));
  sp.temperature = cfg.get_float("generation.temperature");
  sp.top_p = cfg.get_float("generation.top_p");
  sp.top_k = static_cast<int>(cfg.get_int("generation.top_k"));
  sp.max_new_tokens = static_cast<int>(cfg.get_int("generation.max_new_tokens"));
  sp.stop_strings = cfg.get_strings("generation.stop");
  sp.validate("[generation]");
  return sp;
}

train::TrainerConfig trainer_config(const Config& cfg, int64_t total_steps) {
  train::TrainerConfig t;
  t.lr = cfg.get_float("train.lr");
  t.weight_decay = cfg.get_float("train.weight_decay");
  t.schedule = cfg.get_string("train.schedule");
  t.warmup_steps = cfg.get_int("train.warmup_steps");
  t.total_steps = total_steps;
  t.max_grad_norm = cfg.get_float("train.max_grad_norm");
  t.micro_batch = cfg.get_int("train.micro_batch");
  t.lora = cfg.get_bool("train.lora");
  t.lora_r = cfg.get_int("train.lora_r");
  t.lora_alpha = cfg.get_float("train.lora_alpha");
  t.lora_dropout = cfg.get_float("train.lora_dropout");
  t.lora_targets = cfg.get_strings("train.lora_targets");
  t.loss.beta = cfg.get_float("train.beta");
  t.loss.type = cfg.get_string("train.loss");
  t.loss.dpo_weight = cfg.get_float("train.dpo_weight");
  t.loss.nll_weight = cfg.get_float("train.nll_weight");
  t.seed = mix_seed(static_cast<uint64_t>(cfg.get_int("run.seed")), 3);
  t.validate("[train]");
  return t;
}

StrategyOptions strategy_options(const Config& cfg) {
  StrategyOptions o;
  o.name = cfg.get_string("strategy.name");
  std::string mode = cfg.get_string("strategy.mode");
  LASER_CHECK(mode == "per-query" || mode == "per-batch", "strategy.mode", "unknown mode '" + mode + "'", "use per-query or per-batch");
  o.per_batch = mode == "per-batch";
  o.normalizer = cfg.get_string("strategy.normalizer");
  o.context_dim = static_cast<int>(cfg.get_int("strategy.context_dim"));
  o.context_l2 = cfg.get_bool("strategy.context_l2");
  o.online_lr = cfg.get_float("strategy.online_lr");
  o.bandit.algorithm = cfg.get_string("bandit.algorithm");
  o.bandit.alpha = cfg.get_float("bandit.alpha");
  o.bandit.ridge = cfg.get_float("bandit.ridge");
  o.bandit.epsilon = cfg.get_float("bandit.epsilon");
  o.bandit.epsilon_decay = cfg.get_float("bandit.epsilon_decay");
  o.bandit.exp3_gamma = cfg.get_float("bandit.exp3_gamma");
  o.bandit.temperature = cfg.get_float("bandit.temperature");
  o.bandit.ts_scale = cfg.get_float("bandit.ts_scale");
  return o;
}

// The datasets of a run: train/dev/test, prompts rendered.
data::Splits load_splits(const Config& cfg) {
  std::string fmt = cfg.get_string("data.format");
  std::string path = cfg.get_string("data.path");
  uint64_t seed = static_cast<uint64_t>(cfg.get_int("run.seed"));
  data::LoadOptions lo;
  lo.template_spec = cfg.get_string("data.template");
  if (fmt == "world") {
    if (lo.template_spec == "reasoning") lo.template_spec = "world";
    if (path.empty()) {
      path = "n=" + std::to_string(cfg.get_int("data.world_size")) + ",seed=" + std::to_string(seed) +
             ",skills=" + join(cfg.get_strings("data.world_skills"), "+") +
             ",max=" + std::to_string(cfg.get_int("data.world_max"));
    }
  } else {
    LASER_CHECK(!path.empty(), "data.path", "no dataset path for format '" + fmt + "'", "set data.path to the dataset file or folder");
  }
  auto d = data::load_dataset(fmt, path, lo);
  int64_t dev = cfg.get_int("data.dev_size"), test = cfg.get_int("data.test_size"), tr = cfg.get_int("data.train_size");
  LASER_CHECK(dev >= 0 && test >= 0 && tr >= 0, "data", "sizes must be >= 0", "fix data.train_size/dev_size/test_size");
  LASER_CHECK(static_cast<size_t>(dev + test) < d.size(), "data", "dataset has " + std::to_string(d.size()) + " examples, fewer than dev + test + 1",
              "lower data.dev_size / data.test_size");
  size_t rest = d.size() - static_cast<size_t>(dev + test);
  size_t ntrain = tr == 0 ? rest : std::min<size_t>(rest, static_cast<size_t>(tr));
  return data::split_dataset(d, data::split_counts(ntrain, static_cast<size_t>(dev), static_cast<size_t>(test), true), mix_seed(seed, 5));
}

json eval_json(const EvalResult& r, int64_t iteration, const std::string& split) {
  return {{"iteration", iteration}, {"split", split}, {"metric", r.metric}, {"accuracy", r.accuracy}, {"per_category", r.per_category}, {"n", r.n}};
}

// The judge of a win-rate evaluation: a fresh instance of the [[rm]] named by eval.judge (required
// when there are several: a silent default would favour that arm), so judging neither loads the
// arms' weights twice at once nor adds to their RM cost.
std::unique_ptr<reward::RewardModel> make_judge(const Config& cfg) {
  auto* arr = cfg.reward_models();
  LASER_CHECK(arr && !arr->empty(), "eval.judge", "a win-rate evaluation needs a judge but no [[rm]] is configured", "add [[rm]] tables");
  return reward::pick_reward_model(*arr, cfg.get_string("eval.judge"), cfg.source().empty() ? std::string("config") : cfg.source(), "eval.judge");
}

}  // namespace

void install_stop_handlers() {
  g_stop = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}
bool stop_requested() { return g_stop != 0; }

std::string run_dir_of(const Config& cfg) { return io::join_path(cfg.get_string("run.out_dir"), cfg.get_string("run.name")); }

json run_training(const Config& cfg, const RunOptions& opts) {
  Timer wall;
  const std::string dir = run_dir_of(cfg);
  const std::string ck_root = io::join_path(dir, "checkpoints");
  const std::string latest_file = io::join_path(ck_root, "latest");
  const std::string metrics_path = io::join_path(dir, "metrics.jsonl"), decisions_path = io::join_path(dir, "decisions.jsonl"),
                    eval_path = io::join_path(dir, "eval.jsonl");
  if (!opts.resume && io::file_exists(metrics_path) && count_lines(metrics_path) > 0)
    throw Error("run directory already holds a run", dir, "pass --resume to continue it, or choose another run.name");
  if (opts.resume)
    LASER_CHECK(io::file_exists(latest_file), dir, "no checkpoint to resume from", "start the run without --resume");
  io::make_dirs(ck_root);
  io::write_file_atomic(io::join_path(dir, "config.toml"), cfg.to_toml());

  const uint64_t seed = static_cast<uint64_t>(cfg.get_int("run.seed"));
  model::set_threads(static_cast<int>(cfg.get_int("run.threads")));
  torch::manual_seed(seed);
  auto device = parse_device(cfg.get_string("run.device"), "run.device");
  auto dtype = parse_dtype(cfg.get_string("run.dtype"), "run.dtype");
  std::string policy_dir = cfg.get_string("policy.model");
  LASER_CHECK(!policy_dir.empty(), "policy.model", "no policy model given", "set policy.model to an HF model directory");

  // Data, models, strategy.
  auto splits = load_splits(cfg);
  auto tok = text::load_tokenizer(policy_dir);
  const auto pe = text::PromptEncoder::from_spec(cfg.get_string("policy.chat_template"), policy_dir, "policy.chat_template",
                                                 cfg.get_string("policy.system_prompt"));
  auto policy = model::load_model(policy_dir, device, dtype);
  std::vector<std::unique_ptr<reward::RewardModel>> rms;
  std::vector<std::string> rm_names;
  if (auto* arr = cfg.reward_models()) {
    int i = 0;
    for (auto& node : *arr) {
      std::string where = (cfg.source().empty() ? std::string("config") : cfg.source()) + " [[rm]] #" + std::to_string(++i);
      rms.push_back(reward::make_reward_model(*node.as_table(), where));
      std::string n = rms.back()->name();
      LASER_CHECK(std::find(rm_names.begin(), rm_names.end(), n) == rm_names.end(), where, "duplicate reward model name '" + n + "'",
                  "give each [[rm]] a distinct name");
      rm_names.push_back(n);
    }
  }
  const int64_t M = cfg.get_int("run.iterations");
  const int64_t B = cfg.get_int("data.batch_size");
  LASER_CHECK(B > 0, "data.batch_size", "batch size must be positive", "use 16");
  LASER_CHECK(M == 0 || !rms.empty(), "[[rm]]", "no reward models configured", "add [[rm]] tables (or set run.iterations = 0 to only evaluate)");
  const int64_t batches = (static_cast<int64_t>(splits.train.size()) + B - 1) / B;
  int64_t total_steps = M * batches;
  if (cfg.get_int("run.max_steps") > 0) total_steps = std::min(total_steps, cfg.get_int("run.max_steps"));
  train::Trainer trainer(policy, trainer_config(cfg, std::max<int64_t>(1, total_steps)));
  policy = trainer.policy();
  std::unique_ptr<Strategy> strategy;
  if (!rms.empty()) strategy = std::make_unique<Strategy>(strategy_options(cfg), rm_names, static_cast<int>(policy->config().hidden_size), seed);
  auto pooling = model::parse_pooling(cfg.get_string("strategy.pooling"), "strategy.pooling");
  auto sp = sampling_from(cfg);
  for (int32_t id : pe.stop_ids(*tok)) sp.stop_ids.push_back(id);
  train::PairConfig pc;
  pc.mode = cfg.get_string("pairs.mode");
  pc.num_pairs = static_cast<int>(cfg.get_int("pairs.num_pairs"));
  pc.margin = cfg.get_float("pairs.margin");
  pc.validate("[pairs]");
  const std::string fmt = cfg.get_string("data.format");
  const std::string verifier = resolve_verifier(cfg.get_string("eval.verifier"), fmt);
  const std::string signal = cfg.get_string("strategy.reward_signal");
  LASER_CHECK(signal == "neg-loss" || signal == "verifier", "strategy.reward_signal", "unknown reward signal '" + signal + "'",
              "use neg-loss or verifier");
  LASER_CHECK(signal != "verifier" || verifier != "none", "strategy.reward_signal",
              "the verifier signal needs reference answers and an answer checker", "use neg-loss for instruction data");
  gen::SamplingParams esp = sp;
  esp.temperature = cfg.get_float("eval.temperature");
  if (cfg.get_int("eval.max_new_tokens") > 0) esp.max_new_tokens = static_cast<int>(cfg.get_int("eval.max_new_tokens"));
  esp.seed = mix_seed(seed, 7);
  // Instruction data (no answer checker): win rate of the policy against the starting policy's
  // responses, judged by one RM; those responses are kept in the run directory for resumes.
  std::unique_ptr<reward::RewardModel> judge;
  const std::string baseline_path = io::join_path(dir, "baseline_responses.json");
  json baseline_responses;
  if (verifier == "none") judge = make_judge(cfg);
  const double tie_margin = cfg.get_float("eval.tie_margin");
  auto eval_split = [&](const data::Dataset& ds, const std::string& split) {
    if (!judge) return evaluate(policy, *tok, ds, verifier, esp, pe);
    auto responses = respond(policy, *tok, ds, esp, pe);
    std::vector<std::string> base = baseline_responses.at(split).get<std::vector<std::string>>();
    auto w = judge_win_rate(*judge, ds, responses, base, tie_margin);
    judge->unload();  // an extra model beside the arms: held only while judging
    EvalResult r;
    r.metric = "win_rate";
    r.accuracy = w.win_rate;
    r.per_category = w.per_category;
    r.count = w.count;
    r.n = w.n;
    r.responses = std::move(responses);
    return r;
  };

  // Resume state.
  int64_t start_iter = 1, start_batch = 0, step = 0;
  double elapsed_before = 0;
  std::vector<reward::RewardCost> cost_before(rms.size());
  if (opts.resume) {
    std::string ck = io::join_path(ck_root, trim(io::read_file(latest_file)));
    json extra = trainer.load_checkpoint(ck);
    policy = trainer.policy();
    start_iter = extra.at("iteration").get<int64_t>();
    start_batch = extra.at("batch").get<int64_t>();
    step = extra.at("step").get<int64_t>();
    elapsed_before = extra.value("elapsed", 0.0);
    if (strategy && extra.contains("strategy")) strategy->load(extra["strategy"], ck);
    if (extra.contains("rm_cost"))
      for (size_t k = 0; k < rms.size(); ++k)
        if (extra["rm_cost"].contains(rm_names[k])) {
          auto& c = extra["rm_cost"][rm_names[k]];
          cost_before[k] = {c.value("calls", int64_t{0}), c.value("items", int64_t{0}), c.value("tokens", int64_t{0}), c.value("seconds", 0.0)};
        }
    if (extra.contains("rm_state"))
      for (size_t k = 0; k < rms.size(); ++k)
        if (extra["rm_state"].contains(rm_names[k])) rms[k]->load_state(extra["rm_state"][rm_names[k]].get<std::string>(), ck + " rm_state." + rm_names[k]);
    truncate_lines(metrics_path, extra.value("metrics_lines", int64_t{0}));
    truncate_lines(decisions_path, extra.value("decisions_lines", int64_t{0}));
    truncate_lines(eval_path, extra.value("eval_lines", int64_t{0}));
    if (judge) {
      LASER_CHECK(io::file_exists(baseline_path), baseline_path, "the starting policy's responses are missing, so the win rate cannot go on",
                  "start the run again without --resume");
      baseline_responses = io::read_json(baseline_path);
    }
    log::info("resuming {} from {} (iteration {}, batch {}, step {})", dir, ck, start_iter, start_batch, step);
  } else {
    for (auto* p : {&metrics_path, &decisions_path, &eval_path}) io::write_file_atomic(*p, "");
    if (judge) {
      baseline_responses = {{"dev", respond(policy, *tok, splits.dev, esp, pe)}, {"test", respond(policy, *tok, splits.test, esp, pe)}};
      // Invalid UTF-8 in a response is written as U+FFFD (the judge then sees that text after a resume).
      io::write_file_atomic(baseline_path, baseline_responses.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
    }
  }
  io::JsonlWriter metrics_out(metrics_path), decisions_out(decisions_path), eval_out(eval_path);

  auto rm_cost = [&](size_t k) {
    auto c = rms[k]->cost();
    c += cost_before[k];
    return c;
  };
  auto cost_table = [&] {
    json j = json::object();
    for (size_t k = 0; k < rms.size(); ++k) j[rm_names[k]] = cost_json(rm_cost(k));
    return j;
  };
  auto checkpoint = [&](const std::string& name, int64_t iteration, int64_t batch) {
    json extra = {{"format_version", 1}, {"iteration", iteration}, {"batch", batch}, {"step", step},
                  {"elapsed", elapsed_before + wall.seconds()}, {"rm_cost", cost_table()},
                  {"metrics_lines", count_lines(metrics_path)}, {"decisions_lines", count_lines(decisions_path)},
                  {"eval_lines", count_lines(eval_path)}};
    if (strategy) extra["strategy"] = strategy->save();
    json rm_state = json::object();  // RNG of noisy RMs, so resumed scores equal uninterrupted ones
    for (size_t k = 0; k < rms.size(); ++k)
      if (auto st = rms[k]->save_state(); !st.empty()) rm_state[rm_names[k]] = st;
    if (!rm_state.empty()) extra["rm_state"] = rm_state;
    std::string ckdir = io::join_path(ck_root, name);
    trainer.save_checkpoint(ckdir, extra);
    for (const char* f : {"laser_tokenizer.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                          "added_tokens.json", "tokenizer.model", "special_tokens_map.json"}) {
      std::string src = io::join_path(policy_dir, f);
      if (io::file_exists(src)) io::write_file_atomic(io::join_path(ckdir, f), io::read_file(src));
    }
    io::write_file_atomic(latest_file, name + "\n");
  };

  if (!opts.resume && M > 0) {
    auto r0 = eval_split(splits.dev, "dev");
    eval_out.write(eval_json(r0, 0, "dev"));
    log::info("iteration 0 (before training): dev {} {:.3f}", r0.metric, r0.accuracy);
  }

  const double early = cfg.get_float("run.early_stop_loss");
  const int64_t ck_every = cfg.get_int("run.checkpoint_every_steps");
  const int64_t max_steps = cfg.get_int("run.max_steps");
  bool stopped_early = false;
  const int K = static_cast<int>(rms.size());
  for (int64_t it = start_iter; it <= M && !stopped_early; ++it) {
    auto order = data::permutation(splits.train.size(), mix_seed(seed, 1000 + static_cast<uint64_t>(it)));
    Progress bar("iteration " + std::to_string(it) + "/" + std::to_string(M), batches, !opts.quiet);
    if (start_batch > 0) bar.tick(start_batch);
    double loss_sum = 0;
    int loss_n = 0;
    for (int64_t bi = (it == start_iter ? start_batch : 0); bi < batches; ++bi) {
      if (max_steps > 0 && step >= max_steps) { stopped_early = true; break; }
      if (stop_requested()) {
        checkpoint("step-" + std::to_string(step), it, bi);
        throw Error("stopped by signal " + std::to_string(g_stop.load()) + " after step " + std::to_string(step) + "; checkpoint written", dir,
                    "resume with the same command and --resume");
      }
      Timer t_step;
      std::vector<const data::Example*> ex;
      for (int64_t k = bi * B; k < std::min<int64_t>((bi + 1) * B, static_cast<int64_t>(order.size())); ++k)
        ex.push_back(&splits.train.examples[order[k]]);
      const int nb = static_cast<int>(ex.size());
      std::vector<std::vector<int32_t>> prompt_ids;
      for (auto* e : ex) prompt_ids.push_back(pe.encode(*tok, e->prompt));
      // 1. Context: pooled prompt embeddings (B,d).
      Eigen::MatrixXd ctx = prompt_contexts(policy, prompt_ids, pooling);
      // 2. Choose.
      BatchChoice choice = strategy->choose(ctx);
      // 3. Generate n responses per prompt.
      Timer t_gen;
      gen::SamplingParams spb = sp;
      spb.seed = mix_seed(seed, 100000 + static_cast<uint64_t>(step));
      policy->eval();
      auto gens = gen::generate(policy, *tok, prompt_ids, spb);
      double sec_gen = t_gen.seconds();
      std::vector<std::vector<size_t>> of_prompt(nb);
      std::vector<reward::RewardItem> items;
      for (size_t g = 0; g < gens.size(); ++g) {
        of_prompt[gens[g].prompt_index].push_back(g);
        const auto* e = ex[gens[g].prompt_index];
        reward::RewardItem item{e->prompt, gens[g].text, e->answer.empty() ? std::nullopt : std::optional<std::string>(e->answer), e->category};
        items.push_back(item);
      }
      // 4. Score: only the chosen RM(s).
      Timer t_score;
      std::vector<double> scores(items.size(), 0.0);
      std::vector<int> used_arm(nb, -1);
      std::vector<std::vector<double>> member(K);  // ensembles: every RM's scores
      std::vector<bool> fallback(nb, false);
      if (choice.combine == Combine::Single) {
        std::map<int, std::vector<int>> by_arm;
        for (int b = 0; b < nb; ++b) by_arm[choice.arm[b]].push_back(b);
        std::set<int> failed;
        for (auto& [arm0, prompts_of_arm] : by_arm) {
          int arm = arm0;
          for (int attempt = 0; attempt < K; ++attempt) {
            std::vector<reward::RewardItem> sub;
            std::vector<size_t> idx;
            for (int b : prompts_of_arm)
              for (size_t g : of_prompt[b]) { sub.push_back(items[g]); idx.push_back(g); }
            try {
              auto s = rms[arm]->score(sub);
              LASER_CHECK(s.size() == sub.size(), rm_names[arm], "returned " + std::to_string(s.size()) + " scores for " + std::to_string(sub.size()) + " items",
                          "the reward model is broken");
              for (size_t i = 0; i < idx.size(); ++i) scores[idx[i]] = s[i];
              for (int b : prompts_of_arm) { used_arm[b] = arm; fallback[b] = arm != arm0; }
              break;
            } catch (const reward::RewardModelFailure& e) {
              log::warn("reward model '{}' failed on step {}: {}; scoring that batch with another arm", rm_names[arm], step, e.what());
              failed.insert(arm);
              int next = -1;
              for (int k = 1; k <= K; ++k)
                if (!failed.count((arm + k) % K)) { next = (arm + k) % K; break; }
              if (next < 0) throw Error("every reward model failed on step " + std::to_string(step), dir, "check the RM servers and configs");
              arm = next;
            }
          }
        }
      } else {
        auto groups = reward::group_by_prompt(items);
        std::vector<std::vector<double>> z(K);
        for (int k = 0; k < K; ++k) {
          member[k] = rms[k]->score(items);
          z[k] = reward::zscore_within_groups(member[k], groups);
        }
        std::vector<double> w(K, 1.0 / K);
        if (choice.combine == Combine::OnlineEnsemble) w = choice.weights;
        for (size_t i = 0; i < items.size(); ++i) {
          double s = 0;
          for (int k = 0; k < K; ++k) s += w[k] * z[k][i];
          scores[i] = s;
        }
      }
      double sec_score = t_score.seconds();
      // 5. Pairs, within each prompt only.
      std::vector<train::PreferencePair> pairs;
      std::vector<std::vector<std::pair<size_t, size_t>>> pair_idx(nb);  // generation indices
      auto resp_ids = [&](size_t g) {
        auto v = gens[g].ids;
        if (gens[g].stop_id >= 0) v.push_back(gens[g].stop_id);  // the turn ends as the model ended it
        return v;
      };
      for (int b = 0; b < nb; ++b) {
        std::vector<double> s;
        for (size_t g : of_prompt[b]) s.push_back(scores[g]);
        std::vector<std::pair<size_t, size_t>> local;
        if (choice.combine == Combine::AgreementEnsemble) {
          std::vector<std::vector<double>> ms(K);
          for (int k = 0; k < K; ++k)
            for (size_t g : of_prompt[b]) ms[k].push_back(member[k][g]);
          local = reward::majority_pairs(ms);
          // Strongest agreements first (mean z-score margin), at most num_pairs.
          std::sort(local.begin(), local.end(), [&](auto& a, auto& c) { return s[a.first] - s[a.second] > s[c.first] - s[c.second]; });
          if (static_cast<int>(local.size()) > pc.num_pairs) local.resize(pc.num_pairs);
        } else {
          local = train::make_pairs(s, pc);
        }
        for (auto& [c, r] : local) {
          size_t gc = of_prompt[b][c], gr = of_prompt[b][r];
          if (gens[gc].ids == gens[gr].ids) continue;  // identical responses teach nothing
          pairs.push_back({prompt_ids[b], resp_ids(gc), resp_ids(gr), static_cast<size_t>(b)});
          pair_idx[b].push_back({gc, gr});
        }
      }
      // 6. Train.
      Timer t_train;
      policy->train();
      train::StepResult res;
      if (!pairs.empty()) res = trainer.step(pairs);
      else { res.loss = NAN; res.skipped = true; }
      double sec_train = t_train.seconds();
      ++step;
      if (std::isfinite(res.loss)) { loss_sum += res.loss; ++loss_n; }
      // 7. Bandit reward.
      std::vector<double> raw(nb, NAN), vscore(items.size(), NAN);
      if (signal == "verifier" || choice.combine == Combine::OnlineEnsemble)
        for (int b = 0; b < nb; ++b)
          if (!ex[b]->answer.empty())
            for (size_t g : of_prompt[b]) vscore[g] = check_answer(verifier, gens[g].text, *ex[b]);
      for (int b = 0; b < nb; ++b) {
        if (pair_idx[b].empty()) continue;
        if (signal == "neg-loss") {
          auto it2 = res.prompt_loss.find(static_cast<size_t>(b));
          raw[b] = it2 != res.prompt_loss.end() ? -it2->second : -res.loss;
        } else {
          // Agreement of the chosen RM's pairs with the verifier, over pairs the verifier separates.
          double agree = 0;
          int n = 0;
          for (auto& [gc, gr] : pair_idx[b]) {
            if (!std::isfinite(vscore[gc]) || !std::isfinite(vscore[gr]) || vscore[gc] == vscore[gr]) continue;
            agree += vscore[gc] > vscore[gr] ? 1 : 0;
            ++n;
          }
          if (n > 0) raw[b] = agree / n;
        }
      }
      std::vector<double> norm(nb, NAN);
      if (choice.combine == Combine::Single) {
        BatchChoice used = choice;
        for (int b = 0; b < nb; ++b) used.arm[b] = used_arm[b];
        norm = strategy->feedback(ctx, used, raw);
      } else if (choice.combine == Combine::OnlineEnsemble) {
        // Full information: each RM's agreement with the verifier (or, without one, with the trained pairs).
        std::vector<double> per_rm(K, NAN);
        for (int k = 0; k < K; ++k) {
          double a = 0;
          int n = 0;
          for (int b = 0; b < nb; ++b)
            for (auto& [gc, gr] : pair_idx[b]) {
              bool have_v = std::isfinite(vscore[gc]) && std::isfinite(vscore[gr]) && vscore[gc] != vscore[gr];
              bool truth = have_v ? vscore[gc] > vscore[gr] : true;
              if (member[k][gc] == member[k][gr]) continue;
              a += ((member[k][gc] > member[k][gr]) == truth) ? 1 : 0;
              ++n;
            }
          if (n) per_rm[k] = a / n;
        }
        strategy->feedback_ensemble(per_rm);
      }
      // Logs.
      std::map<std::string, int> arm_counts;
      for (int b = 0; b < nb; ++b) {
        json d = {{"step", step}, {"iteration", it}, {"prompt_id", ex[b]->id}, {"category", ex[b]->category}};
        if (choice.combine == Combine::Single) {
          d["arm"] = used_arm[b];
          d["arm_name"] = rm_names[used_arm[b]];
          d["probability"] = fallback[b] ? 1.0 : choice.prob[b];
          d["fallback"] = fallback[b];
          arm_counts[rm_names[used_arm[b]]]++;
        } else {
          d["arm"] = -1;
          d["arm_name"] = strategy->name();
          d["probability"] = 1.0;
          arm_counts[strategy->name()]++;
        }
        d["reward"] = std::isfinite(norm[b]) ? json(norm[b]) : json(nullptr);
        d["raw_reward"] = std::isfinite(raw[b]) ? json(raw[b]) : json(nullptr);
        decisions_out.write(d);
      }
      json m = {{"step", step}, {"iteration", it}, {"batch", bi}, {"pairs", pairs.size()}, {"skipped", res.skipped},
                {"arm_counts", arm_counts}, {"time_gen", sec_gen}, {"time_score", sec_score}, {"time_train", sec_train},
                {"time_step", t_step.seconds()}};
      m["loss"] = std::isfinite(res.loss) ? json(res.loss) : json(nullptr);
      for (auto& [k, v] : res.metrics) m[k] = std::isfinite(v) ? json(v) : json(nullptr);
      double nr = 0, rr = 0;
      int nn = 0, rn = 0;
      for (int b = 0; b < nb; ++b) {
        if (std::isfinite(norm[b])) { nr += norm[b]; ++nn; }
        if (std::isfinite(raw[b])) { rr += raw[b]; ++rn; }
      }
      if (nn) m["bandit_reward"] = nr / nn;
      if (rn) m["bandit_raw_reward"] = rr / rn;
      int64_t calls = 0, items_scored = 0;
      double rsec = 0;
      for (size_t k = 0; k < rms.size(); ++k) {
        auto c = rm_cost(k);
        calls += c.calls;
        items_scored += c.items;
        rsec += c.seconds;
      }
      m["rm_calls"] = calls;
      m["rm_items"] = items_scored;
      m["rm_seconds"] = rsec;
      metrics_out.write(m);
      bar.tick(1, std::isfinite(res.loss) ? fmt::format("loss {:.4f}", res.loss) : "no pairs");
      if (ck_every > 0 && step % ck_every == 0 && bi + 1 < batches) checkpoint("step-" + std::to_string(step), it, bi + 1);
    }
    bar.finish();
    if (stopped_early) break;
    // End of iteration: sync reference, evaluate, checkpoint, early stop.
    trainer.sync_reference();
    policy = trainer.policy();
    auto r = eval_split(splits.dev, "dev");
    eval_out.write(eval_json(r, it, "dev"));
    double mean_loss = loss_n ? loss_sum / loss_n : NAN;
    log::info("iteration {}: mean loss {:.4f}, dev {} {:.3f}", it, mean_loss, r.metric, r.accuracy);
    checkpoint("iter-" + std::to_string(it), it + 1, 0);
    if (early > 0 && std::isfinite(mean_loss) && mean_loss < early) {
      log::info("mean loss {:.4f} below run.early_stop_loss {}: stopping", mean_loss, early);
      stopped_early = true;
    }
    start_batch = 0;
  }

  // Final test evaluation, summary, report.
  auto rt = eval_split(splits.test, "test");
  eval_out.write(eval_json(rt, -1, "test"));
  json summary = {{"format_version", 1}, {"run", cfg.get_string("run.name")}, {"dir", dir},
                  {"strategy", rms.empty() ? std::string("none") : cfg.get_string("strategy.name")}, {"arms", rm_names},
                  {"steps", step}, {"wall_seconds", elapsed_before + wall.seconds()}, {"rm_cost", cost_table()},
                  {"test", eval_json(rt, -1, "test")}, {"verifier", verifier}, {"metric", rt.metric}, {"chat_template", pe.describe()},
                  {"train_size", splits.train.size()}, {"dev_size", splits.dev.size()}, {"test_size", splits.test.size()}};
  int64_t calls = 0, items = 0;
  double rsec = 0;
  for (size_t k = 0; k < rms.size(); ++k) {
    calls += rm_cost(k).calls;
    items += rm_cost(k).items;
    rsec += rm_cost(k).seconds;
  }
  summary["rm_calls"] = calls;
  summary["rm_items"] = items;
  summary["rm_seconds"] = rsec;
  io::write_file_atomic(io::join_path(dir, "summary.json"), summary.dump(2) + "\n");
  summary["report"] = write_report(dir);
  if (!opts.quiet) {
    std::fprintf(stderr, "\n%s\n", summary_table(dir).c_str());
    std::string cats;
    for (auto& [c, a] : rt.per_category) cats += fmt::format("  {} {:.1f}%", c, 100 * a);
    std::fprintf(stderr, "run %s: test %s %.1f%% (n=%d)%s; RM items %lld, RM calls %lld, RM seconds %.1f, wall %.1f s\nreport: %s\n",
                 dir.c_str(), rt.metric == "win_rate" ? "win rate vs start" : "accuracy", 100 * rt.accuracy, rt.n, cats.c_str(), static_cast<long long>(items), static_cast<long long>(calls), rsec,
                 summary["wall_seconds"].get<double>(), summary["report"].get<std::string>().c_str());
  }
  return summary;
}

}  // namespace laser::loop
