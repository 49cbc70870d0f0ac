// End-to-end tests of the LASeR loop on tiny random models: a full run writes every file of the
// run directory, every strategy runs, a killed run resumes, bad input gets one-line errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/config.h"
#include "laser/loop/run.h"
#include "laser/loop/run_files.h"
#include "loop/loop_test_util.h"

using laser::io::json;
namespace io = laser::io;

using laser::loop::testing::sh;
using laser::loop::testing::tmp;

namespace {

// Tiny random policy and two tiny random LM-likelihood RMs (made once per test binary).
const std::string& run_models() {
  static std::string dir = laser::loop::testing::tiny_models("models");
  return dir;
}

std::string config_text(const std::string& out_dir, const std::string& name, const std::string& extra_rm = "") {
  const std::string& m = run_models();
  return "[run]\nname = \"" + name + "\"\nout_dir = \"" + out_dir + "\"\niterations = 2\nseed = 3\nthreads = 1\nearly_stop_loss = 0.0\n"
         "[policy]\nmodel = \"" + m + "/policy\"\n"
         "[data]\nformat = \"world\"\nworld_size = 40\ndev_size = 4\ntest_size = 4\nbatch_size = 8\n"
         "[generation]\nn = 3\ntemperature = 1.0\nmax_new_tokens = 6\n"
         "[strategy]\nname = \"laser\"\ncontext_l2 = true\n"
         "[bandit]\nalpha = 1.0\n"
         "[train]\nlr = 1e-3\nlora = true\nlora_r = 4\nmicro_batch = 0\n"
         "[[rm]]\nname = \"a\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-a\"\nappend_eos = true\n"
         "[[rm]]\nname = \"b\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-b\"\nappend_eos = true\n"
         "[[rm]]\nname = \"check\"\nkind = \"verifier\"\ntype = \"gsm8k\"\n" + extra_rm;
}

std::string write_config(const std::string& path, const std::string& text) {
  io::write_file_atomic(path, text);
  return path;
}

std::vector<json> lines(const std::string& p) { return io::read_jsonl(p); }

}  // namespace

TEST(Run, FullTinyRunWritesEveryFile) {
  std::string out = tmp("full");
  io::remove_all(out);
  auto cfg = laser::loop::Config::from_string(config_text(out, "r"), "test.toml");
  laser::loop::RunOptions ro;
  ro.quiet = true;
  auto summary = laser::loop::run_training(cfg, ro);
  std::string d = out + "/r";
  for (auto f : {"config.toml", "metrics.jsonl", "decisions.jsonl", "eval.jsonl", "summary.json", "report.html", "checkpoints/latest",
                 "checkpoints/iter-1/model.safetensors", "checkpoints/iter-2/model.safetensors", "checkpoints/iter-2/laser_tokenizer.json"})
    EXPECT_TRUE(io::file_exists(d + "/" + f)) << f;
  auto metrics = lines(d + "/metrics.jsonl");
  int steps_per_iter = (40 - 8 + 7) / 8;  // 32 training prompts, batch 8
  ASSERT_EQ(static_cast<int>(metrics.size()), 2 * steps_per_iter);
  for (size_t i = 0; i < metrics.size(); ++i) EXPECT_EQ(metrics[i]["step"].get<int>(), static_cast<int>(i) + 1);
  for (auto k : {"time_context", "time_gen", "time_score", "time_train", "time_bandit", "time_step"})
    EXPECT_TRUE(metrics[0].contains(k) && metrics[0][k].get<double>() >= 0) << k;
  EXPECT_GT(metrics[0]["time_gen"].get<double>(), 0.0);
  auto dec = lines(d + "/decisions.jsonl");
  EXPECT_EQ(dec.size(), 64u);  // one per prompt per iteration
  std::set<std::string> arms;
  for (auto& x : dec) {
    double p = x["probability"].get<double>();
    EXPECT_GT(p, 0.0);
    EXPECT_LE(p, 1.0);
    arms.insert(x["arm_name"].get<std::string>());
    EXPECT_TRUE(x.contains("category") && x.contains("prompt_id") && x.contains("reward"));
  }
  EXPECT_GE(arms.size(), 2u);  // the bandit explored
  auto ev = lines(d + "/eval.jsonl");
  ASSERT_EQ(ev.size(), 4u);  // before training, 2 iterations, test
  EXPECT_EQ(ev.back()["split"], "test");
  EXPECT_EQ(summary["test"]["n"].get<int>(), 4);
  EXPECT_EQ(summary["rm_items"].get<int64_t>(), 64 * 3);  // one RM per prompt, n = 3 responses
  EXPECT_GT(ev.back()["time_eval"].get<double>(), 0.0);
  EXPECT_GT(summary["phase_seconds"]["generate"].get<double>(), 0.0);
  EXPECT_GT(summary["phase_seconds"]["eval"].get<double>(), 0.0);
  EXPECT_LE(summary["phase_seconds"]["total"].get<double>(), summary["wall_seconds"].get<double>());
  auto html = io::read_file(d + "/report.html");
  EXPECT_NE(html.find("Arm share over time"), std::string::npos);
  EXPECT_NE(html.find("Time per step by phase"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // A second run into the same directory without --resume is refused, and nothing is touched.
  auto before = io::read_file(d + "/metrics.jsonl");
  try {
    laser::loop::run_training(cfg, ro);
    FAIL() << "expected an error";
  } catch (const laser::Error& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
  EXPECT_EQ(io::read_file(d + "/metrics.jsonl"), before);
}

// run.keep_checkpoints = 1 (what laser world writes): only the newest checkpoint stays, the run
// trains exactly as with every checkpoint kept, and directories that are not complete checkpoints
// are left alone.
TEST(Run, KeepCheckpointsLeavesTheNewestOnly) {
  std::string out = tmp("keep");
  io::remove_all(out);
  const std::string every = "checkpoint_every_steps = 2\n";
  auto text = [&](const std::string& name, const std::string& keep) {
    std::string t = config_text(out, name);
    return t.insert(t.find("[policy]"), every + keep);
  };
  laser::loop::RunOptions ro;
  ro.quiet = true;
  laser::loop::run_training(laser::loop::Config::from_string(text("all", ""), "test.toml"), ro);
  io::make_dirs(out + "/one/checkpoints/notes");                // not a checkpoint: must survive
  io::make_dirs(out + "/one/checkpoints/iter-9");               // no trainer_state.json: must survive
  laser::loop::run_training(laser::loop::Config::from_string(text("one", "keep_checkpoints = 1\n"), "test.toml"), ro);
  std::set<std::string> all, one;
  for (auto& e : std::filesystem::directory_iterator(out + "/all/checkpoints")) all.insert(e.path().filename().string());
  for (auto& e : std::filesystem::directory_iterator(out + "/one/checkpoints")) one.insert(e.path().filename().string());
  EXPECT_GE(all.size(), 5u);  // step-2, iter-1, step-6, iter-2 ... and latest
  EXPECT_TRUE(all.count("iter-1") && all.count("iter-2") && all.count("step-2")) << all.size();
  EXPECT_EQ(one, (std::set<std::string>{"iter-2", "latest", "notes", "iter-9"}));
  EXPECT_EQ(laser::trim(io::read_file(out + "/one/checkpoints/latest")), "iter-2");
  EXPECT_TRUE(io::read_file(out + "/one/checkpoints/iter-2/model.safetensors") == io::read_file(out + "/all/checkpoints/iter-2/model.safetensors"));
  EXPECT_TRUE(io::read_file(out + "/one/metrics.jsonl") != "");
  // keep 2 on the full set: the newest two by recorded step (iter-2, the one latest names, and the
  // step checkpoint before it); keep 0 deletes nothing.
  laser::loop::RunFiles files(out + "/all");
  EXPECT_EQ(files.prune_checkpoints(0), 0);
  int before = static_cast<int>(all.size()) - 1;  // without latest
  EXPECT_EQ(files.prune_checkpoints(2), before - 2);
  std::set<std::string> left;
  for (auto& e : std::filesystem::directory_iterator(out + "/all/checkpoints")) left.insert(e.path().filename().string());
  EXPECT_EQ(left.size(), 3u);
  EXPECT_TRUE(left.count("iter-2") && left.count("latest"));
}

TEST(Run, EveryStrategyRuns) {
  std::string out = tmp("strategies");
  io::remove_all(out);
  for (std::string s : {"fixed:b", "random", "sequential", "score-ensemble", "agreement-ensemble", "online-ensemble", "laser"}) {
    std::string mode = s == "laser" ? "per-batch" : "per-query";
    auto cfg = laser::loop::Config::from_string(config_text(out, "s"), "test.toml",
                                                 {"run.name=" + std::string("s-") + std::to_string(s.size()) + s.substr(0, 3), "strategy.name=" + s,
                                                  "run.iterations=1", "strategy.mode=" + mode, "strategy.reward_signal=verifier"});
    laser::loop::RunOptions ro;
    ro.quiet = true;
    auto summary = laser::loop::run_training(cfg, ro);
    EXPECT_EQ(summary["strategy"], s);
    auto dec = lines(laser::loop::run_dir_of(cfg) + "/decisions.jsonl");
    ASSERT_EQ(dec.size(), 32u) << s;
    int64_t items = summary["rm_items"].get<int64_t>();
    if (s.find("ensemble") != std::string::npos) EXPECT_EQ(items, 3 * 32 * 3) << s;  // every RM scores everything
    else EXPECT_EQ(items, 32 * 3) << s;
    if (s == "fixed:b")
      for (auto& d : dec) EXPECT_EQ(d["arm_name"], "b");
    if (s == "random")
      for (auto& d : dec) EXPECT_NEAR(d["probability"].get<double>(), 1.0 / 3, 1e-12);
  }
}

TEST(Run, FailingRewardModelFallsBackToAnotherArm) {
  std::string out = tmp("fail");
  io::remove_all(out);
  std::string broken = "[[rm]]\nname = \"broken\"\nkind = \"http\"\nurl = \"http://127.0.0.1:9/score\"\nretries = 0\ntimeout_s = 1.0\n";
  auto cfg = laser::loop::Config::from_string(config_text(out, "f", broken), "test.toml", {"strategy.name=fixed:broken", "run.iterations=1"});
  laser::loop::RunOptions ro;
  ro.quiet = true;
  auto summary = laser::loop::run_training(cfg, ro);
  auto dec = lines(laser::loop::run_dir_of(cfg) + "/decisions.jsonl");
  ASSERT_EQ(dec.size(), 32u);
  for (auto& d : dec) {
    EXPECT_NE(d["arm_name"], "broken");
    EXPECT_TRUE(d["fallback"].get<bool>());
    EXPECT_EQ(d["chosen_name"], "broken");  // the failed arm is logged too
  }
}

// LinUCB with a broken HTTP arm among two working ones learns to avoid it (the failed arm gets the
// worst reward; before, the arm that stood in was credited and the broken one kept being chosen).
TEST(Run, BanditLearnsToAvoidAFailingRewardModel) {
  std::string out = tmp("fail-bandit");
  io::remove_all(out);
  std::string broken = "[[rm]]\nname = \"broken\"\nkind = \"http\"\nurl = \"http://127.0.0.1:9/score\"\nretries = 0\ntimeout_s = 1.0\n";
  auto cfg = laser::loop::Config::from_string(config_text(out, "fb", broken), "test.toml", {"run.iterations=3"});
  laser::loop::RunOptions ro;
  ro.quiet = true;
  laser::loop::run_training(cfg, ro);
  auto dec = lines(laser::loop::run_dir_of(cfg) + "/decisions.jsonl");
  ASSERT_EQ(dec.size(), 96u);
  int first = 0, last = 0;
  for (auto& d : dec) {
    bool chose_broken = d.value("chosen_name", "") == "broken";
    if (chose_broken) EXPECT_TRUE(d["fallback"].get<bool>());
    if (d["iteration"] == 1) first += chose_broken;
    if (d["iteration"] == 3) last += chose_broken;
  }
  EXPECT_LE(last, 2) << "iteration 1: " << first;
}

TEST(Run, KilledRunResumesWithoutDuplicatedSteps) {
  std::string out = tmp("resume");
  io::remove_all(out);
  io::make_dirs(out);
  const std::string noisy = "[[rm]]\nname = \"noisy\"\nkind = \"noisy\"\nsigma = 0.5\nseed = 2\n[rm.inner]\nkind = \"verifier\"\ntype = \"gsm8k\"\n";
  std::string cfgp = write_config(out + "/c.toml", config_text(out, "k", noisy));
  std::string cmd = std::string(LASER_BIN) + " train --config " + cfgp + " --set run.checkpoint_every_steps=1 --set run.iterations=3";
  // Start, wait for a few steps of iteration 2, then kill -9 (no chance to clean up).
  pid_t pid = fork();
  if (pid == 0) {
    setenv("LASER_NO_PROGRESS", "1", 1);
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " > " + out + "/log1 2>&1").c_str(), nullptr);
    _exit(127);
  }
  std::string metrics = out + "/k/metrics.jsonl";
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!io::file_exists(metrics)) continue;
    std::string text = io::read_file(metrics);
    if (std::count(text.begin(), text.end(), '\n') >= 6) break;
  }
  kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(io::file_exists(out + "/k/checkpoints/latest")) << io::read_file(out + "/log1");
  // The noisy RM's RNG travels with the checkpoint, so resumed scores continue its stream.
  std::string latest = out + "/k/checkpoints/" + laser::trim(io::read_file(out + "/k/checkpoints/latest"));
  EXPECT_NE(io::read_file(latest + "/trainer_state.json").find("rm_state"), std::string::npos);
  int rc = 0;
  auto log2 = sh(cmd + " --resume", &rc);
  ASSERT_EQ(rc, 0) << log2;
  auto m = lines(metrics);
  ASSERT_EQ(m.size(), 12u) << log2;  // 3 iterations x 4 steps, none twice
  for (size_t i = 0; i < m.size(); ++i) EXPECT_EQ(m[i]["step"].get<int>(), static_cast<int>(i) + 1);
  EXPECT_EQ(lines(out + "/k/decisions.jsonl").size(), 96u);
  EXPECT_TRUE(io::file_exists(out + "/k/report.html"));
}

TEST(Run, SigtermCheckpointsThenResumes) {
  std::string out = tmp("sigterm");
  io::remove_all(out);
  io::make_dirs(out);
  std::string cfgp = write_config(out + "/c.toml", config_text(out, "t"));
  // Long enough (60 iterations of 4 steps) that the signal arrives mid-run.
  std::string cmd = std::string(LASER_BIN) + " train --config " + cfgp + " --set run.iterations=60";
  pid_t pid = fork();
  if (pid == 0) {
    setenv("LASER_NO_PROGRESS", "1", 1);
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " > " + out + "/log1 2>&1").c_str(), nullptr);
    _exit(127);
  }
  std::string metrics = out + "/t/metrics.jsonl";
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (io::file_exists(metrics) && !io::read_file(metrics).empty()) break;
  }
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  auto log1 = io::read_file(out + "/log1");
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) GTEST_SKIP() << "the run finished before the signal arrived";
  EXPECT_EQ(WEXITSTATUS(st), 1) << log1;
  EXPECT_NE(log1.find("--resume"), std::string::npos) << log1;
  int rc = 0;
  auto log2 = sh(cmd + " --resume", &rc);
  ASSERT_EQ(rc, 0) << log2;
  auto m = lines(metrics);
  ASSERT_EQ(m.size(), 240u);
  for (size_t i = 0; i < m.size(); ++i) EXPECT_EQ(m[i]["step"].get<int>(), static_cast<int>(i) + 1);
}

TEST(Run, BadInputGivesOneLineErrors) {
  std::string out = tmp("bad");
  io::remove_all(out);
  io::make_dirs(out);
  int rc = 0;
  // Unknown key with a suggestion, naming the file and line.
  auto p = write_config(out + "/unknown.toml", config_text(out, "u") + "[eval]\ntemprature = 1.0\n");
  auto msg = sh(std::string(LASER_BIN) + " train --config " + p, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("did you mean 'eval.temperature'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown.toml:"), std::string::npos) << msg;
  // Missing policy directory.
  msg = sh(std::string(LASER_BIN) + " train --config " + write_config(out + "/c.toml", config_text(out, "m")) + " --set policy.model=" + out + "/nope", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find(out + "/nope"), std::string::npos) << msg;
  // A dataset line that is not JSON: file:line.
  io::write_file_atomic(out + "/d.jsonl", "{\"question\": \"1+1=?\", \"answer\": \"2\"}\n{oops\n");
  msg = sh(std::string(LASER_BIN) + " train --config " + out + "/c.toml --set data.format=jsonl --set data.path=" + out + "/d.jsonl", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find(out + "/d.jsonl:2"), std::string::npos) << msg;
  // A strategy naming no RM.
  msg = sh(std::string(LASER_BIN) + " train --config " + out + "/c.toml --set strategy.name=fixed:c", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("fixed:"), std::string::npos) << msg;
  // strategy.answer_rate limits the verifier signal only.
  msg = sh(std::string(LASER_BIN) + " train --config " + out + "/c.toml --set strategy.answer_rate=0.5 --set strategy.reward_signal=neg-loss", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("strategy.answer_rate"), std::string::npos) << msg;
  EXPECT_NE(msg.find("neg-loss"), std::string::npos) << msg;
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 1) << msg;
  // Missing config file.
  msg = sh(std::string(LASER_BIN) + " train --config " + out + "/none.toml", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("none.toml"), std::string::npos) << msg;
  // Every message is a single line starting with "laser: error:".
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 1) << msg;
}

// Instruction data has no answer checker: dev and test are the win rate of the policy against the
// starting policy, judged by one [[rm]]; prompts go through a chat template.
TEST(Run, InstructionDataReportsWinRateAgainstTheStart) {
  std::string out = tmp("instructions");
  io::remove_all(out);
  io::make_dirs(out);
  std::string data;
  for (int i = 0; i < 20; ++i)
    data += json{{"instruction", "Write item " + std::to_string(i) + " of a list."}, {"output", "ref"}, {"dataset", i % 2 ? "helpful" : "koala"}}.dump() + "\n";
  io::write_file_atomic(out + "/ins.jsonl", data);
  const std::string& m = run_models();
  std::string text = "[run]\nname = \"w\"\nout_dir = \"" + out + "\"\niterations = 2\nseed = 1\nthreads = 1\nearly_stop_loss = 0.0\n"
                     "[policy]\nmodel = \"" + m + "/policy\"\nchat_template = \"zephyr\"\nsystem_prompt = \"Be brief.\"\n"
                     "[data]\nformat = \"instructions\"\npath = \"" + out + "/ins.jsonl\"\ntemplate = \"instruction\"\ndev_size = 4\ntest_size = 4\nbatch_size = 6\n"
                     "[generation]\nn = 3\ntemperature = 1.0\nmax_new_tokens = 6\n"
                     "[train]\nlr = 1e-3\nlora_r = 4\nmicro_batch = 0\nnll_weight = 0.0\n"
                     "[eval]\njudge = \"b\"\n"
                     "[[rm]]\nname = \"a\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-a\"\nappend_eos = true\nchat_template = \"zephyr\"\n"
                     "[[rm]]\nname = \"b\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-b\"\nappend_eos = true\n";
  auto cfg = laser::loop::Config::from_string(text, "ins.toml");
  laser::loop::RunOptions ro;
  ro.quiet = true;
  ::testing::internal::CaptureStderr();
  auto summary = laser::loop::run_training(cfg, ro);
  std::string err = ::testing::internal::GetCapturedStderr();
  // No answers: auto falls back to grad-coherence (DPO), and the run says what that signal measured.
  EXPECT_NE(err.find("the bandit learns from grad-coherence"), std::string::npos) << err;
  EXPECT_NE(err.find("Bandit rewards without reference answers"), std::string::npos) << err;
  std::string d = out + "/w";
  EXPECT_EQ(summary["metric"], "win_rate");
  EXPECT_EQ(summary["chat_template"], "zephyr");
  auto ev = lines(d + "/eval.jsonl");
  ASSERT_EQ(ev.size(), 4u);
  for (auto& e : ev) {
    EXPECT_EQ(e["metric"], "win_rate");
    double w = e["accuracy"].get<double>();
    EXPECT_GE(w, 0.0);
    EXPECT_LE(w, 1.0);
  }
  EXPECT_DOUBLE_EQ(ev[0]["accuracy"].get<double>(), 0.5);  // before training the policy is its own baseline: all ties
  auto base = io::read_json(d + "/baseline_responses.json");
  EXPECT_EQ(base["dev"].size(), 4u);
  EXPECT_EQ(base["test"].size(), 4u);
  // The judge is a separate instance: RM cost counts only the training arms' items (one arm per prompt, n = 3).
  EXPECT_EQ(summary["rm_items"].get<int64_t>(), 2 * 12 * 3);
  auto html = io::read_file(d + "/report.html");
  EXPECT_NE(html.find("win rate vs starting policy"), std::string::npos);
  // Resuming without the starting policy's responses cannot go on, and says so.
  io::remove_all(d + "/baseline_responses.json");
  ro.resume = true;
  try {
    laser::loop::run_training(cfg, ro);
    FAIL() << "expected an error";
  } catch (const laser::Error& e) {
    EXPECT_NE(std::string(e.what()).find("baseline_responses.json"), std::string::npos) << e.what();
  }
  // A judge that is not one of the [[rm]] names.
  int rc = 0;
  auto p = write_config(out + "/bad.toml", text);
  auto msg = sh(std::string(LASER_BIN) + " train --config " + p + " --set eval.judge=bb --set run.name=bad", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("eval.judge"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'b'"), std::string::npos) << msg;
  // With several [[rm]] the judge must be named.
  msg = sh(std::string(LASER_BIN) + " train --config " + p + " --set eval.judge= --set run.name=bad3", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("set eval.judge to one of a, b"), std::string::npos) << msg;
  // The verifier reward signal needs reference answers and a checker.
  msg = sh(std::string(LASER_BIN) + " train --config " + p + " --set strategy.reward_signal=verifier --set run.name=bad2", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("strategy.reward_signal"), std::string::npos) << msg;
  // majority-vote needs final answers to compare, which instruction data has none of.
  msg = sh(std::string(LASER_BIN) + " train --config " + p + " --set strategy.reward_signal=majority-vote --set run.name=bad4", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("majority-vote compares the final answers"), std::string::npos) << msg;
  EXPECT_NE(msg.find("eval.verifier gsm8k"), std::string::npos) << msg;
}
