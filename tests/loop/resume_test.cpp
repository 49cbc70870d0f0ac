// Exact resume: a run killed with SIGKILL at several points and resumed ends bit-identical to the
// uninterrupted run (final weights and adapters, decisions.jsonl, eval.jsonl, and metrics.jsonl
// apart from its wall-clock fields), although its LM-likelihood RMs load at other times; a kill
// before the first checkpoint resumes from the start; run.max_steps stops with a checkpoint; and
// grad-coherence's memory of earlier steps resumes with the run.
#include <gtest/gtest.h>
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "loop/loop_test_util.h"

using laser::io::json;
namespace io = laser::io;
using laser::loop::testing::sh;
using laser::loop::testing::tmp;

namespace {

const std::string& resume_models() {
  static std::string dir = laser::loop::testing::tiny_models("resume-models");
  return dir;
}

// Three iterations of four steps; LoRA with dropout; two lazily loaded LM RMs and a noisy verifier.
std::string resume_config(const std::string& out_dir) {
  const std::string& m = resume_models();
  std::string text = "[run]\nname = \"r\"\nout_dir = \"" + out_dir + "\"\niterations = 3\nseed = 5\nthreads = 1\nearly_stop_loss = 0.0\n"
                     "checkpoint_every_steps = 1\n"
                     "[policy]\nmodel = \"" + m + "/policy\"\n"
                     "[data]\nformat = \"world\"\nworld_size = 40\ndev_size = 4\ntest_size = 4\nbatch_size = 8\n"
                     "[generation]\nn = 3\ntemperature = 1.0\nmax_new_tokens = 6\n"
                     "[strategy]\nname = \"laser\"\ncontext_l2 = true\n"
                     "[bandit]\nalpha = 1.0\n"
                     "[train]\nlr = 1e-3\nlora = true\nlora_r = 4\nlora_dropout = 0.2\nmicro_batch = 0\n"
                     "[[rm]]\nname = \"a\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-a\"\nappend_eos = true\n"
                     "[[rm]]\nname = \"b\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-b\"\nappend_eos = true\n"
                     "[[rm]]\nname = \"noisy\"\nkind = \"noisy\"\nsigma = 0.5\nseed = 2\n[rm.inner]\nkind = \"verifier\"\ntype = \"gsm8k\"\n";
  io::make_dirs(out_dir);
  io::write_file_atomic(out_dir + "/c.toml", text);
  return out_dir + "/c.toml";
}

std::string resume_train_cmd(const std::string& cfg) { return "LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " train --config " + cfg; }

// metrics.jsonl without its wall-clock fields.
std::string metrics_without_times(const std::string& path) {
  std::string out;
  for (auto j : io::read_jsonl(path)) {
    for (auto k : {"time_context", "time_gen", "time_score", "time_train", "time_bandit", "time_step", "rm_seconds"}) j.erase(k);
    out += j.dump() + "\n";
  }
  return out;
}

// eval.jsonl without each evaluation's wall time.
std::string eval_without_times(const std::string& path) {
  std::string out;
  for (auto j : io::read_jsonl(path)) {
    j.erase("time_eval");
    out += j.dump() + "\n";
  }
  return out;
}

struct RunFilesOf {
  std::string weights, adapter, decisions, eval, metrics;
};
RunFilesOf files_of(const std::string& dir) {
  return {io::read_file(dir + "/checkpoints/iter-3/model.safetensors"), io::read_file(dir + "/checkpoints/iter-3/adapter/adapter_model.safetensors"),
          io::read_file(dir + "/decisions.jsonl"), eval_without_times(dir + "/eval.jsonl"), metrics_without_times(dir + "/metrics.jsonl")};
}

void expect_identical(const RunFilesOf& a, const RunFilesOf& b, const std::string& what) {
  EXPECT_TRUE(a.weights == b.weights) << what << ": final weights differ";
  EXPECT_TRUE(a.adapter == b.adapter) << what << ": final adapters differ";
  EXPECT_EQ(a.decisions, b.decisions) << what;
  EXPECT_EQ(a.eval, b.eval) << what;
  EXPECT_EQ(a.metrics, b.metrics) << what;
}

// The uninterrupted run, once per test process (ctest runs tests as parallel processes: each writes
// its own copy).
const RunFilesOf& uninterrupted() {
  static RunFilesOf f = [] {
    std::string out = tmp(std::string("exact-ref-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    io::remove_all(out);
    int rc = 0;
    auto log = sh(resume_train_cmd(resume_config(out)), &rc);
    EXPECT_EQ(rc, 0) << log;
    return files_of(out + "/r");
  }();
  return f;
}

// Runs until the process kills itself with SIGKILL right after step `step` (a test hook of the
// loop, so the point is exact), checks that it died there, then resumes it to the end.
void kill_and_resume(const std::string& out, int step) {
  std::string cfg = resume_config(out);
  int rc = 0;
  auto log = sh("LASER_TEST_KILL_AFTER_STEP=" + std::to_string(step) + " " + resume_train_cmd(cfg), &rc);
  ASSERT_NE(rc, 0) << log;  // killed
  ASSERT_FALSE(io::file_exists(out + "/r/summary.json")) << "the run was not killed mid-way";
  ASSERT_EQ(io::read_jsonl(out + "/r/metrics.jsonl").size(), static_cast<size_t>(step));
  log = sh(resume_train_cmd(cfg) + " --resume", &rc);
  ASSERT_EQ(rc, 0) << log;
}

}  // namespace

TEST(Resume, SigkillAtSeveralPointsResumesBitIdentical) {
  const auto& ref = uninterrupted();
  ASSERT_FALSE(ref.weights.empty());
  for (int at : {1, 4, 6, 11}) {  // before the first checkpoint, at an iteration end, mid-iteration
    std::string out = tmp("exact-kill-" + std::to_string(at));
    io::remove_all(out);
    kill_and_resume(out, at);
    expect_identical(ref, files_of(out + "/r"), "killed after " + std::to_string(at) + " steps");
  }
}

TEST(Resume, KillBeforeTheFirstCheckpointStartsOver) {
  const auto& ref = uninterrupted();
  // What a run killed before its first checkpoint leaves: its config, a torn log, no checkpoint.
  std::string out = tmp("exact-early");
  io::remove_all(out);
  std::string cfg = resume_config(out);
  io::make_dirs(out + "/r/checkpoints");
  io::write_file_atomic(out + "/r/metrics.jsonl", "{\"step\": 1}\n{\"ste");
  int rc = 0;
  auto msg = sh(resume_train_cmd(cfg), &rc);
  EXPECT_EQ(rc, 1) << msg;
  EXPECT_NE(msg.find("--resume"), std::string::npos) << msg;
  auto log = sh(resume_train_cmd(cfg) + " --resume", &rc);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("from the beginning"), std::string::npos) << log;
  expect_identical(ref, files_of(out + "/r"), "resumed without a checkpoint");
}

TEST(Resume, MaxStepsStopsWithACheckpointThatResumes) {
  const auto& ref = uninterrupted();
  std::string out = tmp("exact-max");
  io::remove_all(out);
  std::string cfg = resume_config(out);
  int rc = 0;
  auto log = sh(resume_train_cmd(cfg) + " --set run.max_steps=6", &rc);
  ASSERT_EQ(rc, 0) << log;
  ASSERT_TRUE(io::file_exists(out + "/r/checkpoints/latest")) << log;
  EXPECT_EQ(laser::trim(io::read_file(out + "/r/checkpoints/latest")), "step-6");
  EXPECT_EQ(io::read_jsonl(out + "/r/metrics.jsonl").size(), 6u);
  // Lifting the limit finishes the run as if it had never stopped.
  log = sh(resume_train_cmd(cfg) + " --resume --set run.max_steps=0", &rc);
  ASSERT_EQ(rc, 0) << log;
  auto got = files_of(out + "/r");
  EXPECT_TRUE(ref.weights == got.weights) << "final weights differ";
  EXPECT_EQ(ref.decisions, got.decisions);
  EXPECT_EQ(ref.metrics, got.metrics);
}

// grad-coherence with a memory of earlier steps: the memory (each RM's decayed sum of unit
// gradients) is in the checkpoint, so a run killed mid-iteration resumes to the same decisions,
// weights and logs as the uninterrupted one.
TEST(Resume, GradCoherenceMemoryResumesBitIdentical) {
  const std::string sets = " --set strategy.reward_signal=grad-coherence --set strategy.coherence_memory=0.5";
  std::string ref_out = tmp("exact-coherence-ref"), out = tmp("exact-coherence-kill");
  io::remove_all(ref_out);
  io::remove_all(out);
  int rc = 0;
  auto log = sh(resume_train_cmd(resume_config(ref_out)) + sets, &rc);
  ASSERT_EQ(rc, 0) << log;
  const auto ref = files_of(ref_out + "/r");
  int64_t rewarded = 0;
  for (auto& d : io::read_jsonl(ref_out + "/r/decisions.jsonl")) rewarded += !d["raw_reward"].is_null();
  ASSERT_GT(rewarded, 0) << "no grad-coherence reward in the reference run";
  std::string cfg = resume_config(out);
  log = sh("LASER_TEST_KILL_AFTER_STEP=6 " + resume_train_cmd(cfg) + sets, &rc);
  ASSERT_NE(rc, 0) << log;
  ASSERT_EQ(io::read_jsonl(out + "/r/metrics.jsonl").size(), 6u);
  log = sh(resume_train_cmd(cfg) + sets + " --resume", &rc);
  ASSERT_EQ(rc, 0) << log;
  expect_identical(ref, files_of(out + "/r"), "grad-coherence with memory, killed after 6 steps");
}
