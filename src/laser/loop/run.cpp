// One LASeR training run (see run.h): Run's setup, step, end_iteration and finish.
#include "laser/loop/run.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <csignal>
#include <numeric>
#include <cstdlib>

#include "laser/core/device.h"
#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/progress.h"
#include "laser/core/rng.h"
#include "laser/core/timer.h"
#include "laser/data/loaders.h"
#include "laser/data/split.h"
#include "laser/data/world.h"
#include "laser/gen/generate.h"
#include "laser/io/file_util.h"
#include "laser/loop/arms.h"
#include "laser/loop/contexts.h"
#include "laser/loop/group_step.h"
#include "laser/loop/probe.h"
#include "laser/loop/report.h"
#include "laser/loop/run_eval.h"
#include "laser/loop/run_files.h"
#include "laser/loop/shard.h"
#include "laser/loop/step.h"
#include "laser/loop/strategy.h"
#include "laser/model/torch_util.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"
#include "laser/train/distributed.h"
#include "laser/train/trainer.h"

namespace laser::loop {

using json = nlohmann::json;

namespace {
std::atomic<int> g_stop{0};
void on_signal(int sig) {
  g_stop = sig;
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

// The datasets of a run: train/dev/test, prompts rendered. The world is generated from its keys.
data::Splits load_splits(const RunConfig& rc) {
  const auto& d = rc.data;
  const uint64_t seed = static_cast<uint64_t>(rc.run.seed);
  data::LoadOptions lo;
  lo.template_spec = d.template_spec;
  data::Dataset ds;
  if (d.format == "world") {
    if (lo.template_spec == "reasoning") lo.template_spec = "world";
    data::WorldOptions w;
    w.n = static_cast<size_t>(d.world_size);
    w.seed = seed;
    w.skills = d.world_skills;
    w.max_operand = static_cast<int>(d.world_max);
    ds = d.path.empty() ? data::load_world(w, lo) : data::load_dataset(d.format, d.path, lo);
  } else {
    LASER_CHECK(!d.path.empty(), "data.path", "no dataset path for format '" + d.format + "'", "set data.path to the dataset file or folder");
    ds = data::load_dataset(d.format, d.path, lo);
  }
  if (d.dedup) {
    size_t before = ds.size();
    ds = data::unique_prompts(ds);
    if (ds.size() < before) log::info("data: dropped {} of {} examples whose prompt repeats an earlier one (data.dedup)", before - ds.size(), before);
  }
  LASER_CHECK(static_cast<size_t>(d.dev_size + d.test_size) < ds.size(), "data",
              "dataset has " + std::to_string(ds.size()) + " examples, fewer than dev + test + 1", "lower data.dev_size / data.test_size");
  size_t rest = ds.size() - static_cast<size_t>(d.dev_size + d.test_size);
  size_t ntrain = d.train_size == 0 ? rest : std::min<size_t>(rest, static_cast<size_t>(d.train_size));
  return data::split_dataset(ds, data::split_counts(ntrain, static_cast<size_t>(d.dev_size), static_cast<size_t>(d.test_size), true),
                             mix_seed(seed, 5));
}

train::TrainerConfig trainer_config(const RunConfig& rc, int64_t total_steps) {
  train::TrainerConfig t = rc.train;
  t.total_steps = total_steps;
  t.seed = mix_seed(static_cast<uint64_t>(rc.run.seed), 3);
  t.base_model_path = rc.policy.model;  // checkpoint adapters name it (base + adapter = the trained policy)
  if (t.pg.enabled()) {  // TRL: log-probs at the sampling temperature; dr_grpo divides by the length limit
    t.pg.temperature = rc.generation.temperature;
    t.pg.max_completion_length = rc.generation.max_new_tokens;
  }
  t.validate("[train]");
  return t;
}

// Fault injection for the resume tests: LASER_TEST_KILL_AFTER_STEP=N kills the process with
// SIGKILL right after step N's log lines are written (before any checkpoint of that step), at a
// point a test can choose exactly, as a crash or `kill -9` would; with LASER_TEST_KILL_RANK=R only
// rank R of a data-parallel run dies.
void kill_if_asked(int64_t step, int rank) {
  static const char* at = std::getenv("LASER_TEST_KILL_AFTER_STEP");
  static const char* only = std::getenv("LASER_TEST_KILL_RANK");
  if (at && std::atoll(at) == step && (!only || std::atoi(only) == rank)) std::raise(SIGKILL);
}

// Intra-op threads: run.threads, or (0) the cores shared among the ranks on this machine.
int run_threads(const RunConfig& rc, const train::Distributed& dist) {
  if (rc.run.threads > 0 || dist.world_size() == 1) return static_cast<int>(rc.run.threads);
  return std::max(1, default_threads() / train::local_world_size());
}

// The checks of a config that need more than one key.
void check_combination(const RunConfig& rc, const Arms& arms, const std::string& verifier) {
  LASER_CHECK(rc.run.iterations == 0 || !arms.empty(), "[[rm]]", "no reward models configured",
              "add [[rm]] tables (or set run.iterations = 0 to only evaluate)");
  LASER_CHECK(rc.reward_signal != "verifier" || verifier != "none", "strategy.reward_signal",
              "the verifier signal needs reference answers and an answer checker", "use auto (grad-coherence or rm-agreement) for data without answers");
  LASER_CHECK(rc.reward_signal != "rm-agreement" || arms.size() >= 2 || rc.run.iterations == 0, "strategy.reward_signal",
              "rm-agreement probes the other reward models, but there is only one", "add [[rm]] tables or use another signal");
  LASER_CHECK(rc.reward_signal != "grad-align" || verifier != "none", "strategy.reward_signal",
              "grad-align measures each RM's pairs against verifier-ordered pairs on a few labelled prompts, but this data has no "
              "answer checker",
              "use data with reference answers on at least strategy.align_prompts prompts, or another signal");
  LASER_CHECK(rc.reward_signal != "majority-vote" || (verifier != "none" && verifier != "story"), "strategy.reward_signal",
              "majority-vote compares the final answers of a prompt's samples, which eval.verifier = " + verifier + " does not extract",
              "use data with final answers (eval.verifier gsm8k, mmlu, yesno, exact or f1), or another signal");
  LASER_CHECK(rc.reward_signal != "implicit-margin" || rc.train.pg.enabled() || (rc.train.loss.type != "simpo" && rc.train.loss.dpo_weight > 0),
              "strategy.reward_signal", "implicit-margin reads the DPO log-ratio to the reference, which train.loss has none of",
              "use train.loss = sigmoid, ipo or hinge with train.dpo_weight > 0, or another signal");
  if (!rc.train.pg.enabled()) return;
  const std::string& alg = rc.train.pg.algorithm;
  LASER_CHECK(rc.reward_signal != "neg-loss" && rc.reward_signal != "implicit-margin" && rc.reward_signal != "grad-align", "strategy.reward_signal",
              rc.reward_signal + " (read off the DPO pair loss) means nothing for train.algorithm=" + alg,
              "use strategy.reward_signal=verifier (data with reference answers), rm-agreement or auto");
  LASER_CHECK(rc.reward_signal != "none" || rc.strategy.name != "laser", "strategy.reward_signal",
              "strategy laser with train.algorithm=" + alg + " needs a bandit signal: this data has no answer checker and there is one RM",
              "use data with reference answers (verifier signal), several RMs (rm-agreement) or a strategy that does not learn");
  LASER_CHECK(rc.generation.n >= 2, "generation.n", "train.algorithm=" + alg + " needs at least 2 samples per prompt",
              "set generation.n >= 2 (TRL's num_generations; 8 is common)");
  LASER_CHECK(rc.generation.temperature > 0, "generation.temperature", "train.algorithm=" + alg + " needs sampling, not greedy decoding",
              "set generation.temperature > 0 (for example 1.0)");
}

// strategy.labelled_feedback = all-rms: on a rank's prompts where `judge` separates two samples
// (a visible answer that tells them apart), every RM other than the one that scored them scores
// them too, and learns the agreement it would have earned. Rows (global prompt index, arm, raw
// reward); an RM that fails is left out with a warning. `group`: the pairs the verifier signal
// judges are every pair of samples an RM orders (grpo/rloo, strategy.signal_pairs = group).
Eigen::MatrixXd other_arm_rewards(Arms& arms, const Strategy& strategy, const train::PairConfig& pc, bool group, const Scored& scored,
                                  const BatchItems& items, const std::vector<gen::Generation>& gens, const std::vector<double>& judge,
                                  size_t first_prompt) {
  std::vector<std::array<double, 3>> rows;
  for (int k = 0; k < arms.size(); ++k) {
    std::vector<size_t> prompts;
    for (size_t b = 0; b < items.of_prompt.size(); ++b)
      if (scored.arm[b] != k && judge_separates(items.of_prompt[b], judge)) prompts.push_back(b);
    if (prompts.empty()) continue;
    auto score = score_prompts(arms, k, items, prompts, "strategy.labelled_feedback", "it learns nothing from this step's answers");
    if (!score) continue;
    auto raw = rewards_if_chosen(strategy, *score, items, gens, pc, judge, group);
    for (size_t b : prompts)
      if (std::isfinite(raw[b])) rows.push_back({static_cast<double>(first_prompt + b), static_cast<double>(k), raw[b]});
  }
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), 3);
  for (size_t i = 0; i < rows.size(); ++i)
    for (Eigen::Index c = 0; c < 3; ++c) out(static_cast<Eigen::Index>(i), c) = rows[i][static_cast<size_t>(c)];
  return out;
}

// Teaches `strategy` every rank's other_arm_rewards rows (contexts: rows of `ctx`, the whole
// batch's) in (arm, prompt) order, as one process would: the normalizer's running history depends
// on the order. Returns how many rows it learned.
int64_t learn_other_arms(Strategy& strategy, const Eigen::MatrixXd& ctx, const Eigen::MatrixXd& rows) {
  std::vector<Eigen::Index> order(static_cast<size_t>(rows.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return std::make_pair(rows(a, 1), rows(a, 0)) < std::make_pair(rows(b, 1), rows(b, 0));
  });
  Eigen::MatrixXd rctx(rows.rows(), ctx.cols());
  std::vector<int> arms;
  std::vector<double> raws;
  for (Eigen::Index i = 0; i < rows.rows(); ++i) {
    const Eigen::Index r = order[static_cast<size_t>(i)];
    rctx.row(i) = ctx.row(static_cast<Eigen::Index>(rows(r, 0)));
    arms.push_back(static_cast<int>(rows(r, 1)));
    raws.push_back(rows(r, 2));
  }
  strategy.feedback_arms(rctx, arms, raws);
  return rows.rows();
}

// grad-align's labelled probe prompts: `n` training examples with a reference answer, drawn by
// `seed` (the same every iteration and on resume).
std::vector<const data::Example*> align_pool(const data::Dataset& train, int64_t n, uint64_t seed) {
  std::vector<const data::Example*> pool;
  for (size_t i : data::permutation(train.size(), mix_seed(seed, 7)))
    if (!train.examples[i].answer.empty() && static_cast<int64_t>(pool.size()) < n) pool.push_back(&train.examples[i]);
  LASER_CHECK(!pool.empty(), "strategy.reward_signal", "grad-align needs training prompts with reference answers, and none has one",
              "use data with answers on a few prompts, or another signal");
  if (static_cast<int64_t>(pool.size()) < n)
    log::warn("strategy.align_prompts = {}: only {} training prompts have a reference answer; grad-align probes with those", n, pool.size());
  return pool;
}
}  // namespace

// Everything a run holds between steps.
struct Run::State {
  Config cfg;
  RunConfig rc;
  RunOptions opts;
  std::shared_ptr<train::Distributed> dist;  // a world of one unless opts.dist
  bool main = true;                          // rank 0: writes the run directory
  RunFiles files;
  uint64_t seed = 0;
  Timer wall;
  data::Splits splits;
  std::shared_ptr<text::Tokenizer> tok;
  text::PromptEncoder pe;
  model::CausalLM policy{nullptr};
  Arms arms;
  std::unique_ptr<train::Trainer> trainer;
  std::unique_ptr<Strategy> strategy;
  std::unique_ptr<RunEvaluator> evaluator;
  model::Pooling pooling;
  gen::SamplingParams sp;
  std::string verifier;
  std::string signal;  // the bandit reward signal, "auto" resolved
  std::vector<const data::Example*> align_pool;  // grad-align: the labelled probe prompts
  int64_t batches = 0;
  // Progress, saved in every checkpoint.
  bool fresh = true;  // not resumed from a checkpoint
  int64_t start_iter = 1, start_batch = 0, step = 0, loss_n = 0;
  double loss_sum = 0, elapsed_before = 0;

  State(const Config& c, const RunOptions& o)
      : cfg(c), rc(c.typed()), opts(o), dist(o.dist ? o.dist : std::make_shared<train::Distributed>()), main(dist->is_main()),
        files(run_dir_of(c)), seed(static_cast<uint64_t>(rc.run.seed)) {}
};

Run::Run(const Config& cfg, const RunOptions& opts) : s_(std::make_unique<State>(cfg, opts)) {
  auto& s = *s_;
  const auto& rc = s.rc;
  // Every rank checks before rank 0 writes (check_all_ranks is a collective).
  check_all_ranks(*s.dist, !opts.resume && s.files.holds_run() ? "run directory already holds a run" : "", s.files.dir,
                  "pass --resume to continue it, or choose another run.name");
  if (s.main) {
    io::make_dirs(s.files.checkpoints);
    io::write_file_atomic(s.files.config, cfg.to_toml());
  }
  model::set_threads(run_threads(rc, *s.dist));
  torch::manual_seed(s.seed);
  auto device = parse_device(rc.run.device, "run.device");
  auto dtype = parse_dtype(rc.run.dtype, "run.dtype");
  LASER_CHECK(!rc.policy.model.empty(), "policy.model", "no policy model given", "set policy.model to an HF model directory");
  // Data and models.
  s.splits = load_splits(rc);
  s.tok = text::load_tokenizer(rc.policy.model);
  s.pe = text::PromptEncoder::from_spec(rc.policy.chat_template, rc.policy.model, "policy.chat_template", rc.policy.system_prompt);
  s.policy = model::load_model(rc.policy.model, device, dtype);
  // Prompts longer than the context lose their middle (LongBench's rule); one warning per run.
  s.pe.set_token_budget(text::prompt_token_budget(s.policy->config().max_position_embeddings,
                                                  std::max<int64_t>(rc.generation.max_new_tokens, rc.eval.max_new_tokens), "generation.max_new_tokens"));
  s.arms = build_arms(cfg.reward_models(), cfg.source().empty() ? std::string("config") : cfg.source());
  s.verifier = resolve_verifier(rc.eval.verifier, rc.data.format);
  const bool auto_signal = s.rc.reward_signal == "auto";
  s.rc.reward_signal = resolve_reward_signal(rc.reward_signal, s.verifier, rc.train.pg.enabled(), rc.strategy.name,
                                             static_cast<int>(s.arms.size()));
  check_combination(rc, s.arms, s.verifier);
  s.signal = s.rc.reward_signal;
  if (auto_signal && s.signal != "verifier" && s.signal != "none" && rc.strategy.name == "laser" && rc.run.iterations > 0 &&
      s.main)
    log::warn("strategy.reward_signal = auto: the data has no reference answers, so the bandit learns from {}; in README's "
              "measurements answer-free signals route only where the right preferences follow a rule the policy can learn "
              "(\"Bandit rewards without reference answers\"); the verifier signal on answered prompts routes reliably",
              s.signal);
  LASER_CHECK(s.rc.answer_rate >= 1.0 || s.signal == "verifier", "strategy.answer_rate",
              "it limits the verifier signal's answers, but this run's bandit signal is " + s.signal,
              "set strategy.reward_signal = verifier, or leave strategy.answer_rate at 1");
  if (s.rc.labelled_feedback == "auto") {  // the data's own answers; answer_rate is a measurement knob
    const auto answered = static_cast<size_t>(std::count_if(s.splits.train.examples.begin(), s.splits.train.examples.end(),
                                                            [](const data::Example& e) { return !e.answer.empty(); }));
    s.rc.labelled_feedback = resolve_labelled_feedback("auto", s.signal, rc.strategy, answered, s.splits.train.size());
    if (s.rc.labelled_feedback == "all-rms" && s.main && rc.run.iterations > 0)
      log::info("strategy.labelled_feedback = auto: {} of {} training prompts have a reference answer, so every RM learns from each "
                "of them (all-rms; README \"A few answers, used better\")",
                answered, s.splits.train.size());
  }
  LASER_CHECK(s.rc.labelled_feedback == "chosen" || (s.signal == "verifier" && !s.rc.strategy.per_batch), "strategy.labelled_feedback",
              "all-rms teaches every RM its agreement with the verifier on answered prompts, one prompt at a time, but this run " +
                  (s.signal != "verifier" ? "learns from " + s.signal : std::string("chooses per batch")),
              "set strategy.reward_signal = verifier and strategy.mode = per-query, or leave strategy.labelled_feedback = chosen");
  LASER_CHECK(s.rc.unlabelled_signal == "none" || (s.signal == "verifier" && s.arms.size() >= 2), "strategy.unlabelled_signal",
              "the probe's consensus stands in for the verifier signal's missing answers, but this run's bandit signal is " + s.signal +
                  " with " + std::to_string(s.arms.size()) + " RM(s)",
              "set strategy.reward_signal = verifier with two or more [[rm]] tables, or leave strategy.unlabelled_signal = none");
  if (s.signal == "grad-align") s.align_pool = align_pool(s.splits.train, rc.align_prompts, s.seed);
  // Trainer and strategy.
  s.batches = (static_cast<int64_t>(s.splits.train.size()) + rc.data.batch_size - 1) / rc.data.batch_size;
  int64_t total_steps = rc.run.iterations * s.batches;
  if (rc.run.max_steps > 0) total_steps = std::min(total_steps, rc.run.max_steps);
  s.trainer = std::make_unique<train::Trainer>(s.policy, trainer_config(rc, std::max<int64_t>(1, total_steps)), s.dist);
  s.policy = s.trainer->policy();
  if (!s.arms.empty()) s.strategy = make_strategy(rc.strategy, s.arms.names, static_cast<int>(s.policy->config().hidden_size), s.seed);
  s.pooling = model::parse_pooling(rc.pooling, "strategy.pooling");
  s.sp = rc.generation;
  for (int32_t id : s.pe.stop_ids(*s.tok)) s.sp.stop_ids.push_back(id);
  s.sp.validate("[generation]");
  rc.pairs.validate("[pairs]");
  s.evaluator = std::make_unique<RunEvaluator>(cfg, rc, s.sp, s.verifier, s.tok, s.pe, s.files.baseline, s.dist);
  // Where to begin.
  if (opts.resume && s.files.has_checkpoint()) resume();
  else start_fresh();
  if (s.main) s.files.open();
}

Run::~Run() = default;

// A new run (or --resume before any checkpoint existed: nothing was lost, so it starts over).
void Run::start_fresh() {
  auto& s = *s_;
  if (s.opts.resume) log::info("{} has no checkpoint yet: starting the run from the beginning", s.files.dir);
  if (s.main) s.files.clear_logs();
  s.evaluator->record_baseline(s.policy, s.splits.dev, s.splits.test);
}

void Run::resume() {
  auto& s = *s_;
  std::string ck = s.files.latest_checkpoint();
  s.fresh = false;
  json extra = s.trainer->load_checkpoint(ck);
  const int64_t ck_world = extra.value("world_size", int64_t{1});
  LASER_CHECK(ck_world == s.dist->world_size(), ck,
              "the checkpoint was written by a run of " + std::to_string(ck_world) + " process(es), this one has " + std::to_string(s.dist->world_size()),
              "resume with the same number of processes (--nproc " + std::to_string(ck_world) + ", or torchrun with that many in all)");
  s.policy = s.trainer->policy();
  s.start_iter = extra.at("iteration").get<int64_t>();
  s.start_batch = extra.at("batch").get<int64_t>();
  s.step = extra.at("step").get<int64_t>();
  s.elapsed_before = extra.value("elapsed", 0.0);
  s.loss_sum = extra.value("loss_sum", 0.0);
  s.loss_n = extra.value("loss_n", int64_t{0});
  if (s.strategy && extra.contains("strategy")) s.strategy->load(extra["strategy"], ck);
  if (extra.contains("rm_cost") && s.main) s.arms.load_cost(extra["rm_cost"]);  // the ranks' sum: counted once
  if (extra.contains("rm_state")) s.arms.load_state(extra["rm_state"], ck);
  if (extra.contains("rm_state_by_rank")) s.arms.load_state(extra["rm_state_by_rank"].at(s.dist->rank()), ck);
  if (s.main) s.files.truncate_logs(extra.value("metrics_lines", int64_t{0}), extra.value("decisions_lines", int64_t{0}), extra.value("eval_lines", int64_t{0}));
  s.evaluator->load_baseline();
  log::info("resuming {} from {} (iteration {}, batch {}, step {})", s.files.dir, ck, s.start_iter, s.start_batch, s.step);
}

// A checkpoint: the trainer's state plus where the loop is, the strategy, the arms' cost and RNG,
// the log lengths and the iteration's loss so far, and the tokenizer files (a loadable model).
void Run::checkpoint(const std::string& name, int64_t iteration, int64_t batch) {
  auto& s = *s_;
  json extra = {{"format_version", 1}, {"iteration", iteration}, {"batch", batch}, {"step", s.step},
                {"elapsed", s.elapsed_before + s.wall.seconds()}, {"rm_cost", sum_cost(*s.dist, s.arms.cost_json())},
                {"metrics_lines", count_lines(s.files.metrics)}, {"decisions_lines", count_lines(s.files.decisions)},
                {"eval_lines", count_lines(s.files.eval)}, {"loss_sum", s.loss_sum}, {"loss_n", s.loss_n}};
  if (s.strategy) extra["strategy"] = s.strategy->save();
  if (s.dist->world_size() > 1) {  // each rank's noisy RMs drew their own numbers
    extra["world_size"] = s.dist->world_size();
    auto states = all_gather_json(*s.dist, s.arms.save_state(), "gather of the reward models' random state");
    if (std::any_of(states.begin(), states.end(), [](const json& j) { return !j.empty(); })) extra["rm_state_by_rank"] = states;
  } else if (auto st = s.arms.save_state(); !st.empty()) {
    extra["rm_state"] = st;
  }
  std::string dir = io::join_path(s.files.checkpoints, name);
  s.trainer->save_checkpoint(dir, extra);
  if (!s.main) return;
  text::copy_tokenizer_files(s.rc.policy.model, dir);
  io::write_file_atomic(s.files.latest, name + "\n");
  try {  // a checkpoint that cannot be deleted costs disk, not the run
    s.files.prune_checkpoints(s.rc.run.keep_checkpoints);
  } catch (const std::exception& e) {
    log::warn("run.keep_checkpoints: could not delete an older checkpoint in {}: {}", s.files.checkpoints, e.what());
  }
}

double Run::step(const std::vector<const data::Example*>& batch_ex, int64_t iteration, int64_t batch) {
  auto& s = *s_;
  Timer t_step;
  StepTimes t;
  // This rank's prompts of the batch (all of it in a world of one); the contexts of every rank's.
  const Shard sh = shard_of(batch_ex.size(), s.dist->rank(), s.dist->world_size());
  const std::vector<const data::Example*> ex(batch_ex.begin() + static_cast<std::ptrdiff_t>(sh.begin),
                                             batch_ex.begin() + static_cast<std::ptrdiff_t>(sh.end));
  std::vector<std::vector<int32_t>> prompt_ids;
  for (auto* e : ex) prompt_ids.push_back(s.pe.encode(*s.tok, e->prompt));
  // 1. Context: pooled prompt embeddings (B,d), gathered so every rank's strategy sees the batch.
  Timer t_ctx;
  Eigen::MatrixXd ctx = gather_rows(*s.dist, prompt_ids.empty() ? Eigen::MatrixXd() : prompt_contexts(s.policy, prompt_ids, s.pooling),
                                    "gather of the bandit contexts");
  t.context = t_ctx.seconds();
  // 2. Choose the RM(s): the same on every rank (same state, same contexts).
  Timer t_choose;
  BatchChoice choice = s.strategy->choose(ctx);
  t.bandit = t_choose.seconds();
  // 3. Generate n responses per prompt.
  Timer t_gen;
  gen::SamplingParams sp = s.sp;
  sp.seed = mix_seed(s.seed, 100000 + static_cast<uint64_t>(s.step));
  sp.first_prompt_index = sh.begin;
  s.policy->eval();
  auto gens = gen::generate(s.policy, *s.tok, prompt_ids, sp);
  t.gen = t_gen.seconds();
  // 4. Score with the chosen RM(s) only.
  Timer t_score;
  BatchItems items = make_items(gens, ex);
  Scored scored = s.strategy->score(slice_choice(choice, sh), items, s.arms);
  t.score = t_score.seconds();
  // 5. Pairs, within each prompt only (grpo/rloo: the groups; their pairs only feed the bandit signal).
  const bool rl = s.rc.train.pg.enabled();
  BatchPairs pairs = rl ? group_pairs(scored, items, gens) : build_pairs(*s.strategy, scored, items, gens, prompt_ids, s.rc.pairs);
  // 6. Train (grad-align: first the probe the trainer measures each prompt's gradient against;
  // grad-coherence: each prompt's RM, within which the trainer compares the prompts' gradients).
  if (s.signal == "grad-align" && !rl) {
    Timer t_probe;
    s.trainer->set_alignment_probe(alignment_probe());
    t.gen += t_probe.seconds();
  }
  if (s.signal == "grad-coherence") {
    const auto arm = slice_choice(choice, sh).arm;  // this rank's prompts' RMs (none for ensembles)
    s.trainer->set_coherence_groups(std::vector<int64_t>(arm.begin(), arm.end()), static_cast<int64_t>(s.arms.size()),
                                      s.rc.coherence_memory, s.rc.coherence_dims);
  }
  Timer t_train;
  s.policy->train();
  train::StepResult res;
  if (rl) res = s.trainer->rl_step(group_batch(scored, items, gens, prompt_ids, sp.n));
  else if (!pairs.pairs.empty() || s.dist->world_size() > 1) res = s.trainer->step(pairs.pairs);  // a collective under data parallelism
  else { res.loss = NAN; res.skipped = true; }
  t.train = t_train.seconds();
  ++s.step;
  if (std::isfinite(res.loss)) { s.loss_sum += res.loss; ++s.loss_n; }
  // 7. Bandit feedback.
  Timer t_feedback;
  StepOutcome out;
  const bool log_signals = s.rc.log_signals;
  bool need_v = s.signal == "verifier" || s.strategy->needs_verifier_scores() || log_signals;
  out.verifier = need_v ? verifier_scores(s.verifier, items, ex) : std::vector<double>(items.items.size(), NAN);
  std::vector<double> consensus;
  const bool fill_unlabelled = s.signal == "verifier" && s.rc.unlabelled_signal == "rm-agreement";
  const bool probe_signal = s.signal == "rm-agreement" || fill_unlabelled;
  if (probe_signal || (log_signals && s.arms.size() >= 2)) {
    // A probe run only for strategy.log_signals must not change the run: the arms' random state
    // (the noisy RM's draws) is put back afterwards, so a logged run trains as an unlogged one.
    const json rm_state = probe_signal ? json() : s.arms.save_state();
    consensus = probe_consensus(scored, items, s.arms, s.rc.probe_rate, mix_seed(s.seed, 200000 + static_cast<uint64_t>(s.step)),
                                parse_probe_weighting(s.rc.probe_weighting)).consensus;
    if (!probe_signal) s.arms.load_state(rm_state, "strategy.log_signals probe");
  }
  // The pairs the agreement signals (verifier, rm-agreement, majority-vote) judge: the training
  // pairs, or with strategy.signal_pairs = group every pair of samples the chosen RM orders
  // (grpo/rloo and majority-vote always: its judge calls the majority right, so on the training
  // pairs, rank 1 against the rest, an RM that ranks at random agrees as often as the majority is
  // large, and the noisy RM won; README).
  const bool judge_group = !rl && (s.rc.signal_pairs == "group" || s.signal == "majority-vote");
  const BatchPairs judged = judge_group ? group_pairs(scored, items, gens) : BatchPairs{};
  const BatchPairs& sig_pairs = judge_group ? judged : pairs;
  std::vector<double> judge = s.signal == "rm-agreement"    ? consensus
                             : s.signal == "majority-vote" ? majority_scores(s.verifier, items, ex)
                                                           : out.verifier;
  if (s.signal == "verifier" && s.rc.answer_rate < 1.0) hide_answers(judge, items, ex, s.rc.answer_rate, s.seed);
  const std::vector<double> answers = s.rc.labelled_feedback == "all-rms" ? judge : std::vector<double>();  // the verifier's, visible ones only
  if (fill_unlabelled) judge_unlabelled(judge, consensus, items);
  out.raw = bandit_rewards(s.signal, sig_pairs, res, judge);
  out.pairs = pairs.of_prompt;
  // The whole batch's outcome on every rank, so every strategy learns the same.
  GatheredStep all = gather_step(*s.dist, scored, out, items.items.size(), pairs.pairs.size());
  charge_batch_worst(all.outcome.raw);
  auto norm = s.strategy->feedback(ctx, all.scored, all.outcome);
  int64_t labelled_rows = -1;
  if (s.rc.labelled_feedback == "all-rms" && s.strategy->learns_other_arms())  // every other RM on the answered prompts
    labelled_rows = learn_other_arms(*s.strategy, ctx,
                                     gather_rows(*s.dist, other_arm_rewards(s.arms, *s.strategy, s.rc.pairs, rl || judge_group, scored, items, gens, answers, sh.begin),
                                                 "gather of the labelled feedback"));
  t.bandit += t_feedback.seconds();
  reward::RewardCost cost = s.dist->world_size() == 1 ? s.arms.total_cost() : total_cost_of(sum_cost(*s.dist, s.arms.cost_json()));
  // Logs (rank 0).
  if (s.main) {
    auto decisions = decision_lines(s.step, iteration, batch_ex, all.scored, s.arms.names, s.strategy->name(), all.outcome.raw, norm);
    if (log_signals && s.dist->world_size() == 1) add_signals(decisions, sig_pairs, res, out.verifier, consensus);
    for (auto& d : decisions) s.files.decisions_out->write(d);
    t.step = t_step.seconds();
    json m = step_metrics(s.step, iteration, batch, pairs, res, decisions, t, all.outcome.raw, norm, cost);
    m["pairs"] = all.pairs;
    if (labelled_rows >= 0) m["labelled_feedback"] = labelled_rows;  // (prompt, other RM) rewards learned
    s.files.metrics_out->write(m);
  }
  kill_if_asked(s.step, s.dist->rank());
  return res.loss;
}

// grad-align's probe for this step: up to data.batch_size prompts of the labelled pool (drawn by
// step), n samples each from the current policy, ordered by the verifier into pairs. The same on
// every rank (same weights, same seeds), so no collective is needed.
std::vector<train::PreferencePair> Run::alignment_probe() {
  auto& s = *s_;
  std::vector<const data::Example*> ex = s.align_pool;
  const auto B = static_cast<size_t>(s.rc.data.batch_size);
  if (ex.size() > B) {
    auto order = data::permutation(ex.size(), mix_seed(s.seed, 300000 + static_cast<uint64_t>(s.step)));
    std::vector<const data::Example*> pick;
    for (size_t k = 0; k < B; ++k) pick.push_back(ex[order[k]]);
    ex = pick;
  }
  std::vector<std::vector<int32_t>> ids;
  for (auto* e : ex) ids.push_back(s.pe.encode(*s.tok, e->prompt));
  gen::SamplingParams sp = s.sp;
  sp.seed = mix_seed(s.seed, 400000 + static_cast<uint64_t>(s.step));
  sp.first_prompt_index = 0;
  s.policy->eval();
  auto gens = gen::generate(s.policy, *s.tok, ids, sp);
  auto verified = verifier_scores(s.verifier, make_items(gens, ex), ex);
  return verified_pairs(gens, verified, ids, s.rc.pairs.num_pairs);
}

// One pass over the training prompts in this iteration's order, from the resume point. True when
// the run must stop (run.max_steps reached, after a checkpoint).
bool Run::run_iteration(int64_t it) {
  auto& s = *s_;
  const auto& rc = s.rc;
  auto order = data::permutation(s.splits.train.size(), mix_seed(s.seed, 1000 + static_cast<uint64_t>(it)));
  Progress bar("iteration " + std::to_string(it) + "/" + std::to_string(rc.run.iterations), s.batches, !s.opts.quiet && s.main);
  int64_t first = it == s.start_iter ? s.start_batch : 0;
  if (first > 0) bar.tick(first);
  else s.loss_sum = 0, s.loss_n = 0;
  const int64_t B = rc.data.batch_size;
  for (int64_t bi = first; bi < s.batches; ++bi) {
    if (rc.run.max_steps > 0 && s.step >= rc.run.max_steps) {
      checkpoint("step-" + std::to_string(s.step), it, bi);
      log::info("run.max_steps = {} reached: checkpoint written, stopping", rc.run.max_steps);
      return true;
    }
    // A signal reaches the ranks at different steps: they stop together at the first that saw it.
    bool stop = stop_requested();
    if (s.dist->world_size() > 1) stop = s.dist->all_reduce_sum(stop ? 1.0 : 0.0, "agreement on a stop signal") > 0;
    if (stop) {
      checkpoint("step-" + std::to_string(s.step), it, bi);
      throw Error("stopped by signal " + std::to_string(g_stop.load() ? g_stop.load() : SIGTERM) + " after step " + std::to_string(s.step) + "; checkpoint written",
                  s.files.dir, "resume with the same command and --resume");
    }
    std::vector<const data::Example*> ex;
    for (int64_t k = bi * B; k < std::min<int64_t>((bi + 1) * B, static_cast<int64_t>(order.size())); ++k)
      ex.push_back(&s.splits.train.examples[order[k]]);
    double loss = step(ex, it, bi);
    bar.tick(1, std::isfinite(loss) ? fmt::format("loss {:.4f}", loss) : "no pairs");
    if (rc.run.checkpoint_every_steps > 0 && s.step % rc.run.checkpoint_every_steps == 0 && bi + 1 < s.batches)
      checkpoint("step-" + std::to_string(s.step), it, bi + 1);
  }
  bar.finish();
  return false;
}

bool Run::end_iteration(int64_t it) {
  auto& s = *s_;
  s.trainer->sync_reference();
  s.policy = s.trainer->policy();
  auto r = s.evaluator->evaluate(s.policy, s.splits.dev, "dev");
  double mean_loss = s.loss_n ? s.loss_sum / static_cast<double>(s.loss_n) : NAN;
  if (s.main) {
    s.files.eval_out->write(eval_json(r, it, "dev"));
    log::info("iteration {}: mean loss {:.4f}, dev {} {:.3f}", it, mean_loss, r.metric, r.accuracy);
  }
  checkpoint("iter-" + std::to_string(it), it + 1, 0);
  // A GRPO/RLOO loss is no distance to a target (it is near 0 or negative): no early stop there.
  const double early = s.rc.train.pg.enabled() ? 0.0 : s.rc.run.early_stop_loss;
  if (early > 0 && std::isfinite(mean_loss) && mean_loss < early) {
    log::info("mean loss {:.4f} below run.early_stop_loss {}: stopping", mean_loss, early);
    return true;
  }
  return false;
}

json Run::run() {
  auto& s = *s_;
  const int64_t M = s.rc.run.iterations;
  if (s.fresh && M > 0) {  // iteration 0: the starting policy
    auto r0 = s.evaluator->evaluate(s.policy, s.splits.dev, "dev");
    if (s.main) {
      s.files.eval_out->write(eval_json(r0, 0, "dev"));
      log::info("iteration 0 (before training): dev {} {:.3f}", r0.metric, r0.accuracy);
    }
  }
  for (int64_t it = s.start_iter; it <= M; ++it) {
    if (run_iteration(it)) break;
    if (end_iteration(it)) break;
    s.start_batch = 0;
  }
  return finish();
}

json Run::finish() {
  auto& s = *s_;
  auto rt = s.evaluator->evaluate(s.policy, s.splits.test, "test");
  if (s.main) s.files.eval_out->write(eval_json(rt, -1, "test"));  // before phase_seconds reads its time
  // RM cost over all ranks.
  json cost_json = sum_cost(*s.dist, s.arms.cost_json());
  auto cost = s.dist->world_size() == 1 ? s.arms.total_cost() : total_cost_of(cost_json);
  // Prompts cut to the budget, over all ranks (each encodes its own shard).
  const auto truncated = static_cast<int64_t>(s.dist->world_size() == 1
                                                  ? static_cast<double>(s.pe.truncated_count())
                                                  : s.dist->all_reduce_sum(static_cast<double>(s.pe.truncated_count()), "all-reduce of truncated prompts"));
  json summary = {{"format_version", 1}, {"run", s.rc.run.name}, {"dir", s.files.dir},
                  {"strategy", s.arms.empty() ? std::string("none") : s.rc.strategy.name}, {"arms", s.arms.names},
                  {"steps", s.step}, {"wall_seconds", s.elapsed_before + s.wall.seconds()}, {"rm_cost", cost_json},
                  {"test", eval_json(rt, -1, "test")}, {"verifier", s.verifier}, {"metric", rt.metric}, {"chat_template", s.pe.describe()},
                  {"train_size", s.splits.train.size()}, {"dev_size", s.splits.dev.size()}, {"test_size", s.splits.test.size()},
                  {"rm_calls", cost.calls}, {"rm_items", cost.items}, {"rm_seconds", cost.seconds},
                  {"prompts_truncated", truncated}, {"phase_seconds", run_phase_seconds(s.files.dir)}};
  if (s.dist->world_size() > 1) summary["world_size"] = s.dist->world_size();
  if (!s.main) return summary;
  io::write_file_atomic(s.files.summary, summary.dump(2) + "\n");
  summary["report"] = write_report(s.files.dir);
  if (s.opts.quiet) return summary;
  std::fprintf(stderr, "\n%s\n", summary_table(s.files.dir).c_str());
  std::string cats;
  for (auto& [c, a] : rt.per_category) cats += fmt::format("  {} {:.1f}%", c, 100 * a);
  std::fprintf(stderr, "run %s: test %s %.1f%% (n=%d)%s; RM items %lld, RM calls %lld, RM seconds %.1f, wall %.1f s\nreport: %s\n",
               s.files.dir.c_str(), rt.metric == "win_rate" ? "win rate vs start" : "accuracy", 100 * rt.accuracy, rt.n, cats.c_str(),
               static_cast<long long>(cost.items), static_cast<long long>(cost.calls), cost.seconds, summary["wall_seconds"].get<double>(),
               summary["report"].get<std::string>().c_str());
  return summary;
}

json run_training(const Config& cfg, const RunOptions& opts) { return Run(cfg, opts).run(); }

void install_stop_handlers() {
  g_stop = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}
bool stop_requested() { return g_stop != 0; }

std::string run_dir_of(const Config& cfg) { return io::join_path(cfg.get_string("run.out_dir"), cfg.get_string("run.name")); }

}  // namespace laser::loop
