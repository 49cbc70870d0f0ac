// GRPO and RLOO in the LASeR loop (train.algorithm) on tiny random models: group pairs feed the
// verifier signal, a GRPO run raises the reward of the routed RM, every strategy runs under grpo and
// rloo, bad option combinations are refused at setup with one-line errors, and a GRPO run killed
// mid-way resumes bit-identical to the uninterrupted one.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/config.h"
#include "laser/loop/group_step.h"
#include "laser/loop/run.h"
#include "loop/loop_test_util.h"

using laser::io::json;
namespace io = laser::io;
using laser::loop::testing::sh;
using laser::loop::testing::tmp;

namespace {

const std::string& grpo_models() {
  static std::string dir = laser::loop::testing::tiny_models("grpo-models");
  return dir;
}

// 32 training prompts in batches of 8; n = 4 samples; two random LM RMs and the world's verifier.
std::string grpo_config_text(const std::string& out_dir, const std::string& name, int iterations) {
  const std::string& m = grpo_models();
  return "[run]\nname = \"" + name + "\"\nout_dir = \"" + out_dir + "\"\niterations = " + std::to_string(iterations) +
         "\nseed = 3\nthreads = 1\n"
         "[policy]\nmodel = \"" + m + "/policy\"\n"
         "[data]\nformat = \"world\"\nworld_size = 40\ndev_size = 4\ntest_size = 4\nbatch_size = 8\n"
         "[generation]\nn = 4\ntemperature = 1.0\nmax_new_tokens = 6\n"
         "[strategy]\nname = \"laser\"\ncontext_l2 = true\n"
         "[bandit]\nalpha = 1.0\n"
         "[train]\nalgorithm = \"grpo\"\nlr = 3e-3\nlora = true\nlora_r = 4\nmicro_batch = 0\n"
         "[[rm]]\nname = \"a\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-a\"\nappend_eos = true\n"
         "[[rm]]\nname = \"b\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-b\"\nappend_eos = true\n"
         "[[rm]]\nname = \"check\"\nkind = \"verifier\"\ntype = \"gsm8k\"\n";
}

json run(const std::string& out, const std::string& name, int iterations, const std::vector<std::string>& sets) {
  auto cfg = laser::loop::Config::from_string(grpo_config_text(out, name, iterations), "test.toml", sets);
  laser::loop::RunOptions ro;
  ro.quiet = true;
  return laser::loop::run_training(cfg, ro);
}

double mean_of(const std::vector<json>& m, size_t from, size_t to, const char* key) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += m[i][key].get<double>();
  return s / static_cast<double>(to - from);
}

}  // namespace

// Every pair of a prompt's samples whose routed scores differ, as (higher, lower); the verifier
// signal is the share of those the verifier orders the same way.
TEST(Grpo, GroupPairsFeedTheVerifierSignal) {
  laser::loop::BatchItems items;
  items.of_prompt = {{0, 1, 2}, {3, 4}};
  items.items.resize(5);
  std::vector<laser::gen::Generation> gens(5);
  for (size_t g = 0; g < 5; ++g) gens[g].ids = {static_cast<int32_t>(g + 1)};
  gens[4].ids = gens[3].ids;  // identical responses: no pair
  laser::loop::Scored sc;
  sc.score = {0.5, 0.9, 0.1, 0.3, 0.7};
  auto gp = laser::loop::group_pairs(sc, items, gens);
  EXPECT_TRUE(gp.pairs.empty());
  ASSERT_EQ(gp.of_prompt.size(), 2u);
  std::vector<std::pair<size_t, size_t>> want{{1, 0}, {0, 2}, {1, 2}};
  EXPECT_EQ(gp.of_prompt[0], want);
  EXPECT_TRUE(gp.of_prompt[1].empty());
  // Verifier: item 2 right, 0 and 1 wrong: of the 3 pairs, 2 are separated ((0,2) and (1,2)), none agree.
  std::vector<double> v{0, 0, 1, NAN, NAN};
  auto raw = laser::loop::bandit_rewards("verifier", gp, {}, v);
  EXPECT_EQ(raw[0], 0.0);
  EXPECT_TRUE(std::isnan(raw[1]));
  v = {0, 1, 0, NAN, NAN};  // item 1 right: (1,0) and (1,2) agree, (0,2) is a tie for the verifier
  EXPECT_EQ(laser::loop::bandit_rewards("verifier", gp, {}, v)[0], 1.0);
  // The group batch: prompt-major responses with the routed scores as rewards.
  EXPECT_THROW(laser::loop::group_batch(sc, items, gens, {{9}, {8}}, 3), laser::Error);  // prompt 1 has 2 samples, not 3
  items.of_prompt = {{0, 1}, {3, 4}};
  auto gb = laser::loop::group_batch(sc, items, gens, {{9}, {8}}, 2);
  EXPECT_EQ(gb.rewards, (std::vector<double>{0.5, 0.9, 0.3, 0.7}));
  EXPECT_EQ(gb.responses[2], gens[3].ids);
}

// The routed RM (fixed:a, a random LM scoring mean log-likelihood) scores the groups; GRPO raises
// its mean reward within 3 iterations (full fine-tuning at a high rate: a tiny random policy is flat).
TEST(Grpo, GrpoRunRaisesTheRoutedRmReward) {
  std::string out = tmp("grpo-raise");
  io::remove_all(out);
  run(out, "r", 3, {"strategy.name=fixed:a", "generation.n=8", "train.lora=false", "train.lr=3e-2", "train.max_grad_norm=0"});
  auto m = io::read_jsonl(out + "/r/metrics.jsonl");
  ASSERT_EQ(m.size(), 12u);
  for (auto& x : m)
    for (auto k : {"reward", "reward_std", "completions/mean_length", "clip_ratio/region_mean", "loss", "grad_norm"})
      EXPECT_TRUE(x.contains(k) && x[k].is_number()) << k;
  double first = mean_of(m, 0, 4, "reward"), last = mean_of(m, 8, 12, "reward");
  EXPECT_GT(last, first + 0.2) << "first iteration " << first << ", last " << last;
}

// Every strategy with both algorithms; LASeR's bandit gets the verifier signal on the groups.
TEST(Grpo, EveryStrategyRunsWithGrpoAndRloo) {
  std::string out = tmp("grpo-strategies");
  io::remove_all(out);
  for (std::string alg : {"grpo", "rloo"})
    for (std::string s : {"fixed:b", "random", "sequential", "score-ensemble", "agreement-ensemble", "online-ensemble", "laser"}) {
      std::string name = alg + "-" + std::to_string(s.size()) + s.substr(0, 3);
      auto summary = run(out, name, 1, {"strategy.name=" + s, "train.algorithm=" + alg, "run.max_steps=2", "train.kl_beta=0.05"});
      EXPECT_EQ(summary["strategy"], s);
      auto m = io::read_jsonl(out + "/" + name + "/metrics.jsonl");
      ASSERT_EQ(m.size(), 2u) << alg << " " << s;
      EXPECT_TRUE(m[0]["loss"].is_number()) << alg << " " << s;
      if (alg == "grpo") EXPECT_TRUE(m[0]["kl"].is_number()) << s;
      if (s == "laser") {
        int rewarded = 0;
        for (auto& d : io::read_jsonl(out + "/" + name + "/decisions.jsonl")) rewarded += d["raw_reward"].is_number();
        EXPECT_GT(rewarded, 0) << alg;
      }
    }
}

// Option combinations that cannot work are refused before any model loads, naming the key.
TEST(Grpo, BadCombinationsAreRefusedAtSetup) {
  std::string out = tmp("grpo-bad");
  io::remove_all(out);
  auto expect_refused = [&](const std::vector<std::string>& sets, const std::string& key) {
    try {
      run(out, "b", 1, sets);
      ADD_FAILURE() << "expected an error naming " << key;
    } catch (const laser::Error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
    io::remove_all(out);
  };
  expect_refused({"strategy.reward_signal=neg-loss"}, "strategy.reward_signal");
  expect_refused({"strategy.reward_signal=implicit-margin"}, "strategy.reward_signal");
  expect_refused({"train.algorithm=dpo", "train.loss=simpo", "strategy.reward_signal=implicit-margin"}, "strategy.reward_signal");
  expect_refused({"train.algorithm=rloo", "generation.n=1"}, "generation.n");
  expect_refused({"generation.temperature=0.0"}, "generation.temperature");
  expect_refused({"train.loss_aggregation=ppo"}, "train.loss_aggregation");
  expect_refused({"train.epsilon_low=1.0"}, "train.epsilon_low");
}

// Killed after step 3 (checkpoints every step) and resumed: the same metrics, decisions, eval
// and final weights as the uninterrupted run, with KL, two updates per batch and LoRA dropout.
TEST(Grpo, KilledGrpoRunResumesBitIdentical) {
  std::string out = tmp("grpo-resume");
  io::remove_all(out);
  io::make_dirs(out);
  io::write_file_atomic(out + "/c.toml", grpo_config_text(out, "r", 2) + "");
  const std::string sets = " --set run.checkpoint_every_steps=1 --set train.kl_beta=0.05 --set train.num_iterations=2"
                           " --set train.lora_dropout=0.2 --set run.name=";
  auto cmd = [&](const std::string& name) { return "LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " train --config " + out + "/c.toml" + sets + name; };
  int rc = 0;
  auto log = sh(cmd("ref"), &rc);
  ASSERT_EQ(rc, 0) << log;
  log = sh("LASER_TEST_KILL_AFTER_STEP=3 " + cmd("k"), &rc);
  ASSERT_NE(rc, 0) << log;
  ASSERT_FALSE(io::file_exists(out + "/k/summary.json"));
  log = sh(cmd("k") + " --resume", &rc);
  ASSERT_EQ(rc, 0) << log;
  auto metrics = laser::loop::testing::jsonl_without_times;
  EXPECT_EQ(metrics(out + "/ref/metrics.jsonl"), metrics(out + "/k/metrics.jsonl"));
  EXPECT_EQ(io::read_file(out + "/ref/decisions.jsonl"), io::read_file(out + "/k/decisions.jsonl"));
  EXPECT_EQ(metrics(out + "/ref/eval.jsonl"), metrics(out + "/k/eval.jsonl"));
  EXPECT_TRUE(io::read_file(out + "/ref/checkpoints/iter-2/model.safetensors") == io::read_file(out + "/k/checkpoints/iter-2/model.safetensors"));
  EXPECT_TRUE(io::read_file(out + "/ref/checkpoints/iter-2/adapter/adapter_model.safetensors") ==
              io::read_file(out + "/k/checkpoints/iter-2/adapter/adapter_model.safetensors"));
  // Resuming with another algorithm is refused.
  log = sh(cmd("k") + " --resume --set train.algorithm=rloo", &rc);
  EXPECT_EQ(rc, 1);
}
