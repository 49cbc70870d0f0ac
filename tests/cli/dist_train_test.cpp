// Data-parallel `laser train` end to end (loop/shard.h, train::Distributed): 2 processes (--nproc 2) on a tiny
// world take the same decisions as 1 process, end within 1e-5 relative in the final weights with
// the same accuracy (also with the few-labels options); a killed rank makes the other stop within run.dist_timeout with one line
// naming it, and --resume completes (a different number of processes is refused by name).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/loop/shard.h"
#include "loop/loop_test_util.h"

using laser::io::json;
namespace io = laser::io;
using laser::loop::testing::sh;
using laser::loop::testing::tmp;

namespace {

const std::string& models() {
  static std::string dir = laser::loop::testing::tiny_models("dist-models");
  return dir;
}

// Two iterations of three steps over 20 training prompts (batch 8 over 2 ranks: 4 prompts each; the
// last batch has 4, so 2 each); full fine-tuning; per-query LinUCB on the verifier signal over two LM RMs.
std::string config(const std::string& out_dir, const std::string& strategy = "laser", const std::string& extra = "",
                   const std::string& extra_rms = "") {
  const std::string& m = models();
  std::string text = "[run]\nname = \"r\"\nout_dir = \"" + out_dir + "\"\niterations = 2\nseed = 3\nthreads = 1\nearly_stop_loss = 0.0\n"
                     "dist_timeout = 30\n" + extra +
                     "[policy]\nmodel = \"" + m + "/policy\"\n"
                     "[data]\nformat = \"world\"\nworld_size = 28\ndev_size = 4\ntest_size = 4\nbatch_size = 8\n"
                     "[generation]\nn = 3\ntemperature = 1.0\nmax_new_tokens = 6\n"
                     "[strategy]\nname = \"" + strategy + "\"\nreward_signal = \"verifier\"\n"
                     "[bandit]\nalpha = 1.0\n"
                     "[train]\nlr = 1e-3\nlora = false\nmicro_batch = 0\n"
                     "[[rm]]\nname = \"a\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-a\"\nappend_eos = true\n"
                     "[[rm]]\nname = \"b\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-b\"\nappend_eos = true\n" + extra_rms;
  io::make_dirs(out_dir);
  io::write_file_atomic(out_dir + "/c.toml", text);
  return out_dir + "/c.toml";
}

std::string train(const std::string& cfg, const std::string& args = "", const std::string& env = "", int* rc = nullptr) {
  return sh("LASER_NO_PROGRESS=1 " + env + " " + std::string(LASER_BIN) + " train --config " + cfg + " " + args, rc);
}

// (arm, prompt_id) of every decision, in order.
std::vector<std::pair<int, std::string>> decisions(const std::string& dir) {
  std::vector<std::pair<int, std::string>> out;
  for (auto& j : io::read_jsonl(dir + "/decisions.jsonl")) out.push_back({j["arm"].get<int>(), j["prompt_id"].get<std::string>()});
  return out;
}

// Largest relative difference ||a - b|| / ||a|| over the F32 tensors of two safetensors files
// (element-wise it is larger where a weight is near 0: AdamW turns float noise in a gradient near 0
// into a step of up to lr).
double max_rel_diff(const std::string& a, const std::string& b) {
  io::SafetensorsFile fa(a), fb(b);
  double worst = 0;
  for (auto& n : fa.names()) {
    auto& ta = fa.get(n);
    auto& tb = fb.get(n);
    EXPECT_EQ(ta.nbytes, tb.nbytes) << n;
    if (ta.dtype != "F32" || ta.nbytes != tb.nbytes) continue;
    double d2 = 0, a2 = 0;
    for (int64_t i = 0; i < ta.numel(); ++i) {
      float x, y;
      std::memcpy(&x, ta.data + 4 * i, 4);
      std::memcpy(&y, tb.data + 4 * i, 4);
      d2 += (double(x) - y) * (double(x) - y);
      a2 += double(x) * x;
    }
    worst = std::max(worst, std::sqrt(d2 / std::max(a2, 1e-30)));
  }
  return worst;
}

json test_eval(const std::string& dir) {
  for (auto& j : io::read_jsonl(dir + "/eval.jsonl"))
    if (j["split"] == "test") return j;
  return json();
}

}  // namespace

TEST(Shard, ContiguousBalancedAndComplete) {
  for (size_t n : {0, 1, 3, 8, 9}) {
    size_t next = 0;
    for (int r = 0; r < 3; ++r) {
      auto s = laser::loop::shard_of(n, r, 3);
      EXPECT_EQ(s.begin, next);
      EXPECT_LE(s.size(), n / 3 + 1);
      EXPECT_GE(s.size(), n / 3);
      next = s.end;
    }
    EXPECT_EQ(next, n);
  }
  EXPECT_EQ(laser::loop::shard_of(5, 0, 1).size(), 5u);
}

TEST(DistTrain, TwoProcessesMatchOne) {
  std::string root = tmp("dist-match");
  io::remove_all(root);
  int rc = 0;
  auto log1 = train(config(root + "/one"), "", "", &rc);
  ASSERT_EQ(rc, 0) << log1;
  auto log2 = train(config(root + "/two"), "--nproc 2", "", &rc);
  ASSERT_EQ(rc, 0) << log2;
  auto d1 = decisions(root + "/one/r"), d2 = decisions(root + "/two/r");
  ASSERT_EQ(d1.size(), 40u);  // 2 iterations x 20 training prompts
  EXPECT_EQ(d1, d2);
  double rel = max_rel_diff(root + "/one/r/checkpoints/iter-2/model.safetensors", root + "/two/r/checkpoints/iter-2/model.safetensors");
  EXPECT_LT(rel, 1e-5);
  auto e1 = test_eval(root + "/one/r"), e2 = test_eval(root + "/two/r");
  ASSERT_FALSE(e1.is_null());
  EXPECT_EQ(e1["accuracy"], e2["accuracy"]);
  EXPECT_EQ(e1["n"], e2["n"]);
  // RM cost is summed over the ranks: both scored every item once.
  auto s1 = io::read_json(root + "/one/r/summary.json"), s2 = io::read_json(root + "/two/r/summary.json");
  EXPECT_EQ(s1["rm_items"], s2["rm_items"]);
  EXPECT_EQ(s2["world_size"], 2);
  // Only rank 0 wrote: one line per step.
  EXPECT_EQ(io::read_jsonl(root + "/two/r/metrics.jsonl").size(), 6u);
}

TEST(DistTrain, GrpoTwoProcessesMatchOne) {
  // The GRPO step under data parallelism: each rank's groups, gradients averaged over the ranks,
  // must train as one process does on the whole batch, and route the same.
  std::string root = tmp("dist-grpo");
  io::remove_all(root);
  int rc = 0;
  const std::string set = "--set train.algorithm=grpo";
  auto log1 = train(config(root + "/one"), set, "", &rc);
  ASSERT_EQ(rc, 0) << log1;
  auto log2 = train(config(root + "/two"), set + " --nproc 2", "", &rc);
  ASSERT_EQ(rc, 0) << log2;
  auto d1 = decisions(root + "/one/r"), d2 = decisions(root + "/two/r");
  ASSERT_EQ(d1.size(), 40u);
  EXPECT_EQ(d1, d2);
  double rel = max_rel_diff(root + "/one/r/checkpoints/iter-2/model.safetensors", root + "/two/r/checkpoints/iter-2/model.safetensors");
  EXPECT_LT(rel, 1e-5);
  // ... and it did train: the weights moved from the starting policy.
  EXPECT_GT(max_rel_diff(models() + "/policy/model.safetensors", root + "/one/r/checkpoints/iter-2/model.safetensors"), 1e-4);
  auto e1 = test_eval(root + "/one/r"), e2 = test_eval(root + "/two/r");
  ASSERT_FALSE(e1.is_null());
  EXPECT_EQ(e1["accuracy"], e2["accuracy"]);
}

// The few-labels options and grad-coherence under data parallelism: all-rms gathers every rank's
// (prompt, RM) rewards and learns them in one order, grad-align's probe is the same on every rank,
// and grad-coherence all-reduces each RM's sum of unit gradients, so two processes decide as one
// does.
TEST(DistTrain, FewLabelOptionsAndGradCoherenceTwoProcessesMatchOne) {
  for (std::string set : {"--set strategy.answer_rate=0.5 --set strategy.labelled_feedback=all-rms",
                          "--set strategy.reward_signal=grad-align --set strategy.align_prompts=8",
                          "--set strategy.reward_signal=grad-coherence",
                          // the gradients count-sketched (the tiny policy has more parameters)
                          "--set strategy.reward_signal=grad-coherence --set strategy.coherence_dims=64"}) {
    std::string root = tmp("dist-few");
    io::remove_all(root);
    int rc = 0;
    auto log1 = train(config(root + "/one"), set, "", &rc);
    ASSERT_EQ(rc, 0) << log1;
    auto log2 = train(config(root + "/two"), set + " --nproc 2", "", &rc);
    ASSERT_EQ(rc, 0) << log2;
    auto d1 = decisions(root + "/one/r"), d2 = decisions(root + "/two/r");
    ASSERT_EQ(d1.size(), 40u) << set;
    EXPECT_EQ(d1, d2) << set;
    auto sum_of = [&](const std::string& dir, const std::string& key) {
      double sum = 0;
      for (auto& m : io::read_jsonl(dir + "/metrics.jsonl"))
        if (m.contains(key)) sum += m[key].get<double>();
      return sum;
    };
    const double rows = sum_of(root + "/one/r", "labelled_feedback");
    EXPECT_EQ(rows, sum_of(root + "/two/r", "labelled_feedback")) << set;
    if (set.find("all-rms") != std::string::npos) EXPECT_GT(rows, 0) << "no other RM learned from an answered prompt";
    // The same bandit rewards, and for the gradient signals real cosines among them (for grad-align:
    // this seed's policy answers some probe prompts right).
    auto r1 = io::read_jsonl(root + "/one/r/decisions.jsonl"), r2 = io::read_jsonl(root + "/two/r/decisions.jsonl");
    int cosines = 0;
    for (size_t i = 0; i < r1.size() && i < r2.size(); ++i) {
      ASSERT_EQ(r1[i]["raw_reward"].is_null(), r2[i]["raw_reward"].is_null()) << set << " decision " << i;
      if (r1[i]["raw_reward"].is_null()) continue;
      double a = r1[i]["raw_reward"].get<double>(), b = r2[i]["raw_reward"].get<double>();
      EXPECT_NEAR(a, b, 1e-5) << set << " decision " << i;
      cosines += a != 0.0 && a != 1.0;
    }
    if (set.find("grad-") != std::string::npos) EXPECT_GT(cosines, 0) << "no gradient cosine among the rewards";
  }
}

TEST(DistTrain, NegLossChargesABlindChoiceTheWholeBatchsLowest) {
  // A third RM blind to every prompt (the stories aspect "name" gives 0 where no name is
  // introduced) orders nothing; under neg-loss its choice is charged the lowest reward of the whole
  // batch, not of the rank's shard, so two processes decide and reward as one does.
  std::string root = tmp("dist-blind");
  io::remove_all(root);
  const std::string blind = "[[rm]]\nname = \"blind\"\nkind = \"story-aspect\"\naspect = \"name\"\n";
  const std::string set = "--set strategy.reward_signal=neg-loss";
  int rc = 0;
  auto log1 = train(config(root + "/one", "laser", "", blind), set, "", &rc);
  ASSERT_EQ(rc, 0) << log1;
  auto log2 = train(config(root + "/two", "laser", "", blind), set + " --nproc 2", "", &rc);
  ASSERT_EQ(rc, 0) << log2;
  auto d1 = decisions(root + "/one/r"), d2 = decisions(root + "/two/r");
  ASSERT_EQ(d1.size(), 40u);
  EXPECT_EQ(d1, d2);
  for (const std::string run : {"one", "two"}) {
    std::map<int64_t, std::vector<json>> by_step;
    for (auto& j : io::read_jsonl(root + "/" + run + "/r/decisions.jsonl")) by_step[j["step"].get<int64_t>()].push_back(j);
    int charged = 0;
    for (auto& [step, ds] : by_step) {
      double lowest = INFINITY;
      for (auto& d : ds)
        if (d["arm_name"] != "blind" && d["raw_reward"].is_number()) lowest = std::min(lowest, d["raw_reward"].get<double>());
      for (auto& d : ds) {
        if (d["arm_name"] != "blind" || !d["raw_reward"].is_number()) continue;
        ++charged;
        EXPECT_DOUBLE_EQ(d["raw_reward"].get<double>(), lowest) << run << " step " << step;
      }
    }
    EXPECT_GT(charged, 0) << run;
  }
}

TEST(DistTrain, RandomStrategyDecidesAlikeOnEveryRank) {
  std::string root = tmp("dist-random");
  io::remove_all(root);
  int rc = 0;
  auto log1 = train(config(root + "/one", "random"), "", "", &rc);
  ASSERT_EQ(rc, 0) << log1;
  auto log2 = train(config(root + "/two", "random"), "--nproc 2", "", &rc);
  ASSERT_EQ(rc, 0) << log2;
  EXPECT_EQ(decisions(root + "/one/r"), decisions(root + "/two/r"));
}

TEST(DistTrain, TruncatedPromptsAreCountedOverEveryRank) {
  // A policy with 16 positions leaves 10 prompt tokens (bytes) beside 6 new ones, so the world's
  // prompts are cut; each rank encodes only its shard, so the summary must add the ranks' counts.
  std::string root = tmp("dist-truncated");
  io::remove_all(root);
  int rc = 0;
  auto made = sh(std::string(LASER_BIN) + " init-model --preset tiny --tokenizer bytes --max-positions 16 --seed 1 --out " + root + "/short", &rc);
  ASSERT_EQ(rc, 0) << made;
  const std::string set = "--set run.iterations=1 --set policy.model=" + root + "/short";
  auto log1 = train(config(root + "/one", "random"), set, "", &rc);
  ASSERT_EQ(rc, 0) << log1;
  auto log2 = train(config(root + "/two", "random"), set + " --nproc 2", "", &rc);
  ASSERT_EQ(rc, 0) << log2;
  auto s1 = io::read_json(root + "/one/r/summary.json"), s2 = io::read_json(root + "/two/r/summary.json");
  EXPECT_GT(s1["prompts_truncated"].get<int64_t>(), 0);
  EXPECT_EQ(s1["prompts_truncated"], s2["prompts_truncated"]);
}

TEST(DistTrain, KilledRankStopsTheOtherAndResumeCompletes) {
  std::string root = tmp("dist-kill");
  io::remove_all(root);
  std::string cfg = config(root, "laser", "checkpoint_every_steps = 1\n");
  int rc = 0;
  // Rank 1 dies right after step 3; rank 0 waits for it at step 4's first collective.
  auto log = train(cfg, "--nproc 2", "LASER_TEST_KILL_AFTER_STEP=3 LASER_TEST_KILL_RANK=1", &rc);
  EXPECT_NE(rc, 0) << log;
  EXPECT_NE(log.find("rank 0: "), std::string::npos) << log;
  EXPECT_NE(log.find("rank 1 (last at collective"), std::string::npos) << log;
  EXPECT_NE(log.find("died or hangs"), std::string::npos) << log;
  EXPECT_NE(log.find("--resume"), std::string::npos) << log;
  // A different number of processes is refused, naming both.
  auto one = train(cfg, "--resume", "", &rc);
  EXPECT_NE(rc, 0) << one;
  EXPECT_NE(one.find("written by a run of 2 process(es), this one has 1"), std::string::npos) << one;
  auto resumed = train(cfg, "--resume --nproc 2", "", &rc);
  ASSERT_EQ(rc, 0) << resumed;
  EXPECT_NE(resumed.find("resuming"), std::string::npos) << resumed;
  EXPECT_TRUE(io::file_exists(root + "/r/summary.json"));
  // It ends as the uninterrupted 2-process run does, bit for bit.
  std::string ref = root + "-ref";
  io::remove_all(ref);
  auto log_ref = train(config(ref, "laser", "checkpoint_every_steps = 1\n"), "--nproc 2", "", &rc);
  ASSERT_EQ(rc, 0) << log_ref;
  EXPECT_EQ(io::read_file(root + "/r/decisions.jsonl"), io::read_file(ref + "/r/decisions.jsonl"));
  EXPECT_EQ(laser::loop::testing::jsonl_without_times(root + "/r/eval.jsonl"), laser::loop::testing::jsonl_without_times(ref + "/r/eval.jsonl"));
  EXPECT_TRUE(io::read_file(root + "/r/checkpoints/iter-2/model.safetensors") == io::read_file(ref + "/r/checkpoints/iter-2/model.safetensors"));
}
