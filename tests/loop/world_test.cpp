// The reduced built-in worlds (`laser world --quick`: arithmetic, fair and stories) inside make test: the
// table, every run directory and every report are produced; the grad-align signal on the stories world
// rewards gradient cosines and resumes exactly. Accuracy is not checked here (README states it).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "loop/loop_test_util.h"

namespace io = laser::io;
using laser::loop::testing::sh;

TEST(World, QuickWorldProducesTableRunsAndReports) {
  std::string dir = std::string(LASER_TEST_TMP) + "/world-quick";
  io::remove_all(dir);
  int rc = 0;
  std::string out = sh("LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " world --quick --cache " + dir + "/cache --out-dir " + dir + "/runs", &rc);
  ASSERT_EQ(rc, 0) << out;
  const std::vector<std::string> strategies = {"sft", "fixed:spec-add", "fixed:spec-mul", "fixed:spec-cmp", "fixed:generalist",
                                               "fixed:noisy", "random", "sequential", "score-ensemble", "laser"};
  EXPECT_NE(out.find("| strategy | add | cmp | mul | overall | RM items | RM calls | RM seconds | wall s |"), std::string::npos) << out;
  for (auto& s : strategies) EXPECT_NE(out.find("| " + s + " |"), std::string::npos) << s;
  auto cmp = io::read_json(dir + "/runs/world-compare/compare.json");
  ASSERT_EQ(cmp["rows"].size(), strategies.size());
  int64_t ensemble_items = 0, laser_items = 0;
  for (auto& r : cmp["rows"]) {
    std::string rd = r["run_dir"].get<std::string>();
    EXPECT_TRUE(io::file_exists(rd + "/summary.json")) << rd;
    EXPECT_TRUE(io::file_exists(rd + "/report.html")) << rd;
    EXPECT_TRUE(io::file_exists(rd + "/config.toml")) << rd;
    if (r["strategy"] == "score-ensemble") ensemble_items = r["rm_items"].get<int64_t>();
    if (r["strategy"] == "laser") laser_items = r["rm_items"].get<int64_t>();
  }
  EXPECT_TRUE(io::file_exists(dir + "/runs/world-compare/compare.md"));
  // LASeR runs one RM per prompt: 1/K of the score ensemble's RM work (K = 5).
  EXPECT_GT(laser_items, 0);
  EXPECT_EQ(laser_items * 5, ensemble_items);
  // A second call reuses the cached models (nothing is rebuilt).
  auto stamp = io::read_file(dir + "/cache/v1-add+mul+cmp-9-n96-s1-tiny/policy/model.safetensors");
  out = sh(std::string(LASER_BIN) + " world --quick --setup-only --cache " + dir + "/cache");
  EXPECT_EQ(out.find("building"), std::string::npos) << out;
  EXPECT_EQ(io::read_file(dir + "/cache/v1-add+mul+cmp-9-n96-s1-tiny/policy/model.safetensors"), stamp);
}

// The fair world, reduced: its six RMs (a specialist per skill, the generalist, the length-biased
// and the noisy RM) are the arms, its config gives the worked responses room (32 new tokens), its
// runs deduplicate prompts so test facts are not training facts, and the table and routing view print.
TEST(World, QuickFairWorldRunsWithItsSixRms) {
  std::string dir = std::string(LASER_TEST_TMP) + "/world-fair-quick";
  io::remove_all(dir);
  int rc = 0;
  std::string out = sh("LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " world --world fair --quick --strategies sft,laser --cache " + dir +
                           "/cache --out-dir " + dir + "/runs",
                       &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("| laser |"), std::string::npos) << out;
  EXPECT_NE(out.find("matching specialist"), std::string::npos) << out;
  auto cmp = io::read_json(dir + "/runs/fair-compare/compare.json");
  ASSERT_EQ(cmp["rows"].size(), 2u);
  std::string rd = cmp["rows"][1]["run_dir"].get<std::string>();
  auto summary = io::read_json(rd + "/summary.json");
  EXPECT_EQ(summary["arms"], (nlohmann::json{"spec-add", "spec-mul", "spec-cmp", "generalist", "short", "noisy"}));
  auto cfg = io::read_file(rd + "/config.toml");
  EXPECT_NE(cfg.find("dedup = true"), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("max_new_tokens = 32"), std::string::npos) << cfg;  // --quick keeps the room
}

// strategy.reward_signal = majority-vote in a real run (the reduced fair world): the bandit's
// rewards are agreement shares with the majority of each prompt's own samples (in [0, 1], some
// strictly between), judged on every ordered pair of the group; only the chosen RM scores, and a
// prompt whose samples hold no majority gets no reward.
TEST(World, QuickFairWorldMajorityVoteRewardsAgreementWithTheSamplesMajority) {
  std::string dir = std::string(LASER_TEST_TMP) + "/world-majority";
  io::remove_all(dir);
  int rc = 0;
  std::string out = sh("LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " world --world fair --quick --strategies laser@strategy.reward_signal=majority-vote --cache " +
                           dir + "/cache --out-dir " + dir + "/runs",
                       &rc);
  ASSERT_EQ(rc, 0) << out;
  auto cmp = io::read_json(dir + "/runs/fair-compare/compare.json");
  ASSERT_EQ(cmp["rows"].size(), 1u);
  const std::string rd = cmp["rows"][0]["run_dir"].get<std::string>();
  // With n = 4 the training pairs (rank 1 against the rest) are 3, so their agreement shares have
  // denominators 1-3; majority-vote judges every ordered pair of the group (up to 6), and 1/4,
  // 3/4, 2/5 ... show that it did.
  auto of_at_most_3_pairs = [](double r) {
    for (int m = 1; m <= 3; ++m)
      if (std::abs(r * m - std::round(r * m)) < 1e-9) return true;
    return false;
  };
  int64_t decisions = 0, rewarded = 0, unrewarded = 0, between = 0, group_shares = 0;
  for (auto& d : io::read_jsonl(rd + "/decisions.jsonl")) {
    ++decisions;
    if (d["raw_reward"].is_null()) { ++unrewarded; continue; }
    ++rewarded;
    const double r = d["raw_reward"].get<double>();
    EXPECT_GE(r, 0.0) << d;
    EXPECT_LE(r, 1.0) << d;
    between += r > 0.0 && r < 1.0;
    group_shares += !of_at_most_3_pairs(r);
  }
  EXPECT_GT(rewarded, 0) << out;
  EXPECT_GT(group_shares, 0) << "every reward is a share of at most 3 pairs: the group's pairs were not judged";
  EXPECT_GT(unrewarded, 0) << "every prompt had a majority answer: the no-majority case went unexercised";
  EXPECT_GT(between, 0);
  const std::string cfg = io::read_file(rd + "/config.toml");
  EXPECT_NE(cfg.find("reward_signal = 'majority-vote'"), std::string::npos) << cfg;
  ASSERT_NE(cfg.find("\nn = 4\n"), std::string::npos) << cfg;  // generation.n of the reduced fair world
  EXPECT_EQ(io::read_json(rd + "/summary.json")["rm_items"].get<int64_t>(), decisions * 4) << "only the chosen RM scores";
}

// --specialist-off-skill builds a fair world of its own (its own cache directory, so the standard
// fair world's models are untouched) whose specialists were trained right on that share of the
// other skills' facts; it belongs to the fair world only.
TEST(World, SpecialistOffSkillBuildsAFairWorldOfItsOwn) {
  std::string dir = std::string(LASER_TEST_TMP) + "/world-fair-off";
  io::remove_all(dir);
  int rc = 0;
  std::string out = sh("LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " --log warn world --world fair --quick --setup-only " +
                           "--specialist-off-skill 0.8 --cache " + dir + "/cache",
                       &rc);
  ASSERT_EQ(rc, 0) << out;
  const std::string root = dir + "/cache/fair-v5-add+mul+cmp-9-n96-s1-tiny-off0.8";
  EXPECT_NE(out.find(root + "/world.toml"), std::string::npos) << out;
  EXPECT_NE(io::read_file(root + "/world.toml").find("right on 80% of the other skills' facts"), std::string::npos);
  for (auto rm : {"rm-add", "rm-mul", "rm-cmp"})
    EXPECT_DOUBLE_EQ(io::read_json(root + "/" + rm + "/laser_world_stamp.json")["base"]["specialist_other_accuracy"].get<double>(), 0.8) << rm;
  EXPECT_FALSE(io::file_exists(dir + "/cache/fair-v5-add+mul+cmp-9-n96-s1-tiny"));
  // Not the arithmetic world's or the stories world's option: one line naming it.
  for (std::string world : {"arithmetic", "stories"}) {
    out = sh(std::string(LASER_BIN) + " world --world " + world + " --specialist-off-skill 0.8 --cache " + dir + "/cache2", &rc);
    EXPECT_NE(rc, 0) << world;
    EXPECT_NE(out.find("--specialist-off-skill:"), std::string::npos) << out;
    EXPECT_FALSE(io::file_exists(dir + "/cache2")) << world;
  }
}

// The stories world on the real pretrained stories260K (skipped without ../shared/ext): a reduced
// run over two seeds prints the table with intervals and LASeR's paired differences and writes
// compare.html; a missing model is a one-line error naming the path.
TEST(World, QuickStoriesWorldOverTwoSeedsHasIntervals) {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  std::string model = ext ? std::string(ext) + "/models/stories260K" : "";
  if (model.empty() || !io::file_exists(model + "/model.safetensors"))
    GTEST_SKIP() << "LASER_SHARED_EXT (../shared/ext) has no models/stories260K: the stories world needs the pretrained model";
  std::string dir = std::string(LASER_TEST_TMP) + "/world-stories-quick";
  io::remove_all(dir);
  int rc = 0;
  std::string out = sh("LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " world --world stories --quick --seeds 2 --model " + model +
                           " --strategies sft,laser --cache " + dir + "/cache --out-dir " + dir + "/runs",
                       &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Mean over 2 seeds"), std::string::npos) << out;
  EXPECT_NE(out.find("| strategy | ending | length | name | repeat | overall |"), std::string::npos) << out;
  EXPECT_NE(out.find("| laser | "), std::string::npos) << out;
  EXPECT_NE(out.find("LASeR minus each baseline"), std::string::npos) << out;
  auto cmp = io::read_json(dir + "/runs/stories-compare/compare.json");
  ASSERT_EQ(cmp["rows"].size(), 2u);
  ASSERT_EQ(cmp["paired"].size(), 1u);
  EXPECT_EQ(cmp["paired"][0]["baseline"], "sft");
  for (auto& r : cmp["rows"]) {
    EXPECT_EQ(r["accuracies"].size(), 2u);
    EXPECT_TRUE(r.contains("accuracy_ci"));
    ASSERT_EQ(r["per_category"].size(), 4u) << r.dump();
    for (auto& rd : r["runs"]) {
      std::string d = rd.get<std::string>();
      EXPECT_TRUE(io::file_exists(d + "/report.html")) << d;
      if (r["strategy"] != "laser") continue;
      // One RM per prompt: each bandit decision's RM scored that prompt's n = 4 responses.
      auto summary = io::read_json(d + "/summary.json");
      int64_t decisions = 0;
      io::for_each_jsonl(d + "/decisions.jsonl", [&](const nlohmann::json&, const std::string&) { ++decisions; });
      EXPECT_GT(decisions, 0);
      EXPECT_EQ(summary["rm_items"].get<int64_t>(), 4 * decisions) << d;
    }
  }
  std::string html = io::read_file(dir + "/runs/stories-compare/compare.html");
  EXPECT_NE(html.find("laser"), std::string::npos);
  // Constraint satisfaction is the test accuracy: the verifier is the stories one.
  auto summary = io::read_json(cmp["rows"][0]["runs"][0].get<std::string>() + "/summary.json");
  EXPECT_EQ(summary["verifier"], "story");
  // Without the model: one line naming the path and the option.
  out = sh(std::string(LASER_BIN) + " world --world stories --model " + dir + "/no-such-model --cache " + dir + "/cache", &rc);
  EXPECT_GT(rc, 0) << out;  // exited, with an error status
  EXPECT_NE(out.find(dir + "/no-such-model"), std::string::npos) << out;
  EXPECT_NE(out.find("--model"), std::string::npos) << out;
  EXPECT_EQ(out.find("\n"), out.size() - 1) << out;
}

namespace {
// The stories260K directory under LASER_SHARED_EXT ("" without it: the stories tests skip).
std::string stories_model() {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  std::string model = ext ? std::string(ext) + "/models/stories260K" : "";
  return !model.empty() && io::file_exists(model + "/model.safetensors") ? model : "";
}

// `laser world --world stories --quick` with one strategy (and `args`) in a fresh `dir`: the run
// directory of its one row, "" (with a failure) when the command or its table failed.
std::string quick_stories_run(const std::string& dir, const std::string& model, const std::string& strategy, const std::string& args = "") {
  io::remove_all(dir);
  int rc = 0;
  std::string out = sh("LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " world --world stories --quick --model " + model + " --strategies " +
                           strategy + " " + args + " --cache " + dir + "/cache --out-dir " + dir + "/runs",
                       &rc);
  EXPECT_EQ(rc, 0) << out;
  if (rc != 0) return "";
  auto cmp = io::read_json(dir + "/runs/stories-compare/compare.json");
  EXPECT_EQ(cmp["rows"].size(), 1u);
  return cmp["rows"].size() == 1 ? cmp["rows"][0]["run_dir"].get<std::string>() : "";
}
}  // namespace

// strategy.reward_signal = grad-align on the real pretrained policy: the bandit learns from the
// cosine of each prompt's gradient with that of verified pairs on 8 labelled prompts, costs no RM
// call beyond the chosen one, and a run killed after step 2 resumes to the same decisions.
TEST(World, QuickStoriesGradAlignRewardsCosinesAndResumesExactly) {
  const std::string model = stories_model();
  if (model.empty()) GTEST_SKIP() << "LASER_SHARED_EXT (../shared/ext) has no models/stories260K: the stories world needs the pretrained model";
  const std::string dir = std::string(LASER_TEST_TMP) + "/world-stories-align";
  const std::string rd = quick_stories_run(dir, model, "laser@strategy.reward_signal=grad-align", "--set strategy.align_prompts=8");
  ASSERT_FALSE(rd.empty());
  int rc = 0;
  std::string out;
  auto cfg = io::read_file(rd + "/config.toml");
  EXPECT_NE(cfg.find("reward_signal = \"grad-align\""), std::string::npos) << cfg;  // escaped strings: its stop string is "\n"
  EXPECT_NE(cfg.find("align_prompts = 8"), std::string::npos) << cfg;
  int64_t decisions = 0, rewarded = 0, strictly_inside = 0;
  for (auto& d : io::read_jsonl(rd + "/decisions.jsonl")) {
    ++decisions;
    if (d["raw_reward"].is_null()) continue;
    ++rewarded;
    double r = d["raw_reward"].get<double>();
    EXPECT_GE(r, -1.0 - 1e-9) << d;
    EXPECT_LE(r, 1.0 + 1e-9) << d;
    if (r != 0.0 && std::abs(r) < 0.999) ++strictly_inside;
  }
  EXPECT_GT(rewarded, 0);
  EXPECT_GT(strictly_inside, 0) << "no gradient cosine among the rewards";
  auto summary = io::read_json(rd + "/summary.json");
  EXPECT_EQ(summary["rm_items"].get<int64_t>(), 4 * decisions) << "the probe calls no RM";  // n = 4 samples per decision
  // The same config, uninterrupted and killed after step 2 then resumed: the same decisions.
  auto train = [&](const std::string& name, const std::string& env, bool resume) {
    return sh("LASER_NO_PROGRESS=1 " + env + " " + std::string(LASER_BIN) + " train --config " + rd + "/config.toml --set run.out_dir=" + dir +
                  "/again --set run.name=" + name + " --set run.checkpoint_every_steps=1" + (resume ? " --resume" : ""),
              &rc);
  };
  out = train("whole", "", false);
  ASSERT_EQ(rc, 0) << out;
  out = train("cut", "LASER_TEST_KILL_AFTER_STEP=2", false);
  ASSERT_NE(rc, 0) << out;
  ASSERT_FALSE(io::file_exists(dir + "/again/cut/summary.json")) << "the run was not killed mid-way";
  out = train("cut", "", true);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(io::read_file(dir + "/again/cut/decisions.jsonl"), io::read_file(dir + "/again/whole/decisions.jsonl"));
}

// strategy.labelled_feedback = all-rms on the stories world with half the answers visible: on the
// answered prompts the other RMs score the samples too and the bandit learns from each of them
// (metrics.jsonl counts the rows), and their RM items are counted on top of the chosen RMs'.
TEST(World, QuickStoriesLabelledFeedbackTeachesEveryRm) {
  const std::string model = stories_model();
  if (model.empty()) GTEST_SKIP() << "LASER_SHARED_EXT (../shared/ext) has no models/stories260K: the stories world needs the pretrained model";
  const std::string rd = quick_stories_run(std::string(LASER_TEST_TMP) + "/world-stories-labelled", model,
                                           "laser@strategy.answer_rate=0.5@strategy.labelled_feedback=all-rms");
  ASSERT_FALSE(rd.empty());
  int rc = 0;
  std::string out;
  int64_t rows = 0, steps = 0, decisions = 0;
  for (auto& m : io::read_jsonl(rd + "/metrics.jsonl")) {
    ASSERT_TRUE(m.contains("labelled_feedback")) << m;
    rows += m["labelled_feedback"].get<int64_t>();
    ++steps;
  }
  for (auto& d : io::read_jsonl(rd + "/decisions.jsonl")) decisions += d.is_object();
  EXPECT_GT(steps, 0);
  EXPECT_GT(rows, 0) << "no other RM learned from an answered prompt";
  auto summary = io::read_json(rd + "/summary.json");
  const int64_t extra = summary["rm_items"].get<int64_t>() - 4 * decisions;  // n = 4 samples per prompt
  EXPECT_GE(extra, 4 * rows);
  EXPECT_EQ(extra % 4, 0);
  // It teaches the verifier signal only.
  out = sh(std::string(LASER_BIN) + " train --config " + rd + "/config.toml --set run.name=bad --set strategy.answer_rate=1 " +
               "--set strategy.reward_signal=implicit-margin",
           &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("strategy.labelled_feedback"), std::string::npos) << out;
}
