// laser compare over seeds on tiny random models: every strategy runs on each seed, the table
// shows mean ± 95% interval and LASeR's paired differences, compare.json carries every seed's
// value, and compare.html draws the interval bars, the cost view and LASeR's arm share.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "laser/core/stats.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/ablations.h"
#include "laser/loop/compare.h"
#include "loop/loop_test_util.h"

using laser::io::json;
namespace io = laser::io;
using laser::loop::testing::sh;
using laser::loop::testing::tmp;

// The run config of the tests below: the tiny models under `out` (tiny_models), a 40-example
// world, one iteration, LoRA; `rms` holds the [[rm]] tables (lm_rm makes one).
static std::string tiny_run_config(const std::string& out, const std::string& name, int test_size, const std::string& rms) {
  return "[run]\nname = \"" + name + "\"\nout_dir = \"" + out + "/runs\"\niterations = 1\nseed = 3\nthreads = 1\nearly_stop_loss = 0.0\n"
         "[policy]\nmodel = \"" + out + "/policy\"\n"
         "[data]\nformat = \"world\"\nworld_size = 40\ndev_size = 4\ntest_size = " + std::to_string(test_size) + "\nbatch_size = 8\n"
         "[generation]\nn = 3\ntemperature = 1.0\nmax_new_tokens = 6\n"
         "[train]\nlr = 1e-3\nlora = true\nlora_r = 4\nmicro_batch = 0\n" + rms;
}
static std::string lm_rm(const std::string& out, const std::string& name, const std::string& dir) {
  return "[[rm]]\nname = \"" + name + "\"\nkind = \"lm-likelihood\"\nmodel = \"" + out + "/" + dir + "\"\nappend_eos = true\n";
}
// The [[rm]] table of an RM named "noisy": the lm-likelihood RM of `dir` plus noise of sigma 1.
static std::string noisy_rm(const std::string& out, const std::string& dir) {
  return "[[rm]]\nname = \"noisy\"\nkind = \"noisy\"\nsigma = 1.0\n[rm.inner]\nname = \"b\"\nkind = \"lm-likelihood\"\nmodel = \"" + out + "/" +
         dir + "\"\nappend_eos = true\n";
}
// A fresh scratch directory tmp(name) holding the tiny models (policy, rm-a, rm-b).
static std::string fresh_models_dir(const std::string& name) {
  std::string out = tmp(name);
  io::remove_all(out);
  io::make_dirs(out);
  laser::loop::testing::tiny_models(name);
  return out;
}
// `laser CMD --config CONFIG ARGS` without progress bars: its output, the exit status in *rc.
static std::string laser_on(const std::string& cmd, const std::string& config, const std::string& args, int* rc) {
  return sh("LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " " + cmd + " --config " + config + " " + args, rc);
}

// Writes `cfg` as out/<name>.toml and runs `laser compare ARGS` on it: its output in *log, the exit
// status in *rc, and compare.json (null when the command failed; the caller asserts *rc).
static json compare_on(const std::string& out, const std::string& name, const std::string& cfg, const std::string& args, int* rc,
                       std::string* log) {
  io::write_file_atomic(out + "/" + name + ".toml", cfg);
  *log = laser_on("compare", out + "/" + name + ".toml", args, rc);
  return *rc == 0 ? io::read_json(out + "/runs/" + name + "-compare/compare.json") : json();
}

TEST(Compare, RoutingCountsEveryArmNamedForTheCategory) {
  // Last iteration (2): add prompts to spec-add, spec2-add (a second specialist) and generalist;
  // name prompts to aspect-name and noisy; a cmp prompt to spec-add. Iteration 1 is not counted.
  std::string dir = tmp("routing-of");
  io::remove_all(dir);
  io::make_dirs(dir);
  {
    laser::io::JsonlWriter w(dir + "/decisions.jsonl", false);
    auto d = [&](int it, const std::string& cat, const std::string& arm) {
      w.write({{"iteration", it}, {"category", cat}, {"arm", 0}, {"arm_name", arm}});
    };
    d(1, "add", "noisy");
    d(2, "add", "spec-add");
    d(2, "add", "spec2-add");
    d(2, "add", "generalist");
    d(2, "name", "aspect-name");
    d(2, "name", "noisy");
    d(2, "cmp", "spec-add");
    d(2, "cmp", "xcmp");  // no dash: not a specialist of cmp
  }
  json r = laser::loop::routing_of(dir);
  EXPECT_EQ(r["decisions"], 7);
  EXPECT_NEAR(r["match_share"].get<double>(), 3.0 / 7.0, 1e-12);
  EXPECT_NEAR(r["noisy_share"].get<double>(), 1.0 / 7.0, 1e-12);
  // No arm named for any category and no noisy RM: both shares are null.
  {
    laser::io::JsonlWriter w(dir + "/decisions.jsonl", false);
    w.write({{"iteration", 1}, {"category", "add"}, {"arm", 0}, {"arm_name", "generalist"}});
  }
  r = laser::loop::routing_of(dir);
  EXPECT_TRUE(r["match_share"].is_null());
  EXPECT_TRUE(r["noisy_share"].is_null());
  // An ensemble's decisions (arm -1) have no routing.
  {
    laser::io::JsonlWriter w(dir + "/decisions.jsonl", false);
    w.write({{"iteration", 1}, {"category", "add"}, {"arm", -1}, {"arm_name", "score-ensemble"}});
  }
  EXPECT_TRUE(laser::loop::routing_of(dir).empty());
}

TEST(Compare, SeedsGiveMeansIntervalsPairedDifferencesAndAPage) {
  std::string out = fresh_models_dir("compare-seeds");
  std::string cfg = tiny_run_config(out, "c", 8, lm_rm(out, "a", "rm-a") + lm_rm(out, "b", "rm-b"));
  int rc = 0;
  std::string log;
  auto c = compare_on(out, "c", cfg, "--strategies sft,laser,random --seeds 2", &rc, &log);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_EQ(c["seeds"], 2);
  ASSERT_EQ(c["rows"].size(), 3u);
  for (auto& r : c["rows"]) {
    auto acc = r["accuracies"].get<std::vector<double>>();
    ASSERT_EQ(acc.size(), 2u) << r["strategy"];
    // The row's mean and interval are the t-interval of its seeds' accuracies (t_{0.975,1} = 12.706).
    double m = (acc[0] + acc[1]) / 2, hw = 12.706204736 * std::abs(acc[0] - acc[1]) / std::sqrt(2.0) / std::sqrt(2.0);
    EXPECT_NEAR(r["accuracy"].get<double>(), m, 1e-12);
    EXPECT_NEAR(r["accuracy_ci"].get<double>(), hw, 1e-6);
    ASSERT_EQ(r["runs"].size(), 2u);
    for (auto& d : r["runs"]) EXPECT_TRUE(io::file_exists(d.get<std::string>() + "/summary.json")) << d;
  }
  // Seeds differ in data order and sampling: the two LASeR runs made different decisions.
  EXPECT_NE(io::read_file(c["rows"][1]["runs"][0].get<std::string>() + "/decisions.jsonl"),
            io::read_file(c["rows"][1]["runs"][1].get<std::string>() + "/decisions.jsonl"));
  // LASeR minus each baseline, paired by seed.
  ASSERT_EQ(c["paired"].size(), 2u);
  auto la = c["rows"][1]["accuracies"].get<std::vector<double>>(), sf = c["rows"][0]["accuracies"].get<std::vector<double>>();
  EXPECT_EQ(c["paired"][0]["baseline"], "sft");
  EXPECT_NEAR(c["paired"][0]["mean"].get<double>(), ((la[0] - sf[0]) + (la[1] - sf[1])) / 2, 1e-12);
  auto md = io::read_file(out + "/runs/c-compare/compare.md");
  EXPECT_NE(md.find("Mean over 2 seeds"), std::string::npos) << md;
  EXPECT_NE(md.find("±"), std::string::npos) << md;
  EXPECT_NE(md.find("| sft |"), std::string::npos) << md;
  auto html = io::read_file(out + "/runs/c-compare/compare.html");
  EXPECT_NE(html.find("Test accuracy"), std::string::npos);
  EXPECT_NE(html.find("Accuracy vs RM cost"), std::string::npos);
  EXPECT_NE(html.find("arm share per category (last iteration, all seeds)"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

// A strategy with overrides of its own (laser@key=value, as `laser world --ablations` lists them),
// the reference-free rm-agreement signal end to end (the probe's RM work is counted), every
// signal logged per decision, and the routing table of the compare page.
TEST(Compare, StrategyOverridesAndTheRmAgreementSignal) {
  std::string out = fresh_models_dir("compare-overrides");
  std::string cfg = tiny_run_config(out, "o", 4,
                                    lm_rm(out, "a", "rm-a") + noisy_rm(out, "rm-b"));
  int rc = 0;
  std::string log;
  auto c = compare_on(out, "o", cfg, "--strategies laser,laser@strategy.reward_signal=rm-agreement@strategy.log_signals=true@rm.noisy.sigma=0.5",
                      &rc, &log);
  ASSERT_EQ(rc, 0) << log;
  ASSERT_EQ(c["rows"].size(), 2u);
  EXPECT_EQ(c["rows"][1]["strategy"], "laser@strategy.reward_signal=rm-agreement@strategy.log_signals=true@rm.noisy.sigma=0.5");
  std::string rd = c["rows"][1]["run_dir"].get<std::string>();
  auto resolved = io::read_file(rd + "/config.toml");
  EXPECT_NE(resolved.find("reward_signal = 'rm-agreement'"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("sigma = 0.5"), std::string::npos) << resolved;
  // With two arms the probe re-scores every prompt with the other arm: twice the RM items.
  EXPECT_EQ(c["rows"][1]["rm_items"].get<int64_t>(), 2 * c["rows"][0]["rm_items"].get<int64_t>());
  int with_reward = 0;
  for (auto& d : io::read_jsonl(rd + "/decisions.jsonl")) {
    ASSERT_TRUE(d.contains("signals")) << d;
    if (d["raw_reward"].is_null()) continue;
    ++with_reward;
    double r = d["raw_reward"].get<double>();
    EXPECT_GE(r, 0.0);
    EXPECT_LE(r, 1.0);
    EXPECT_DOUBLE_EQ(r, d["signals"]["rm-agreement"].get<double>());  // the bandit learned from the probe's agreement
  }
  EXPECT_GT(with_reward, 0);
  // The default laser row resolved "auto" to the verifier (the world has answers) and logs no signals.
  for (auto& d : io::read_jsonl(c["rows"][0]["run_dir"].get<std::string>() + "/decisions.jsonl")) EXPECT_FALSE(d.contains("signals"));
  auto md = io::read_file(out + "/runs/o-compare/compare.md");
  EXPECT_NE(md.find("| noisy RM |"), std::string::npos) << md;
  // An override naming an unknown key fails before anything runs, naming the strategy.
  log = sh(std::string(LASER_BIN) + " compare --config " + out + "/o.toml --strategies laser@bandit.alpah=2", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("bandit.alpha"), std::string::npos) << log;
}

// strategy.unlabelled_signal end to end: with no answer visible (answer_rate 0) the verifier
// signal rewards nothing; with unlabelled_signal = rm-agreement the probe's consensus judges every
// prompt instead, so the rewards are the probe's agreements and the probe's RM work is counted.
TEST(Compare, UnlabelledPromptsAreJudgedByTheProbe) {
  std::string out = fresh_models_dir("compare-unlabelled");
  int rc = 0;
  std::string log;
  auto c = compare_on(out, "u", tiny_run_config(out, "u", 4, lm_rm(out, "a", "rm-a") + lm_rm(out, "b", "rm-b")),
                      "--strategies laser@strategy.answer_rate=0,laser@strategy.answer_rate=0@strategy.unlabelled_signal=rm-agreement@strategy.log_signals=true",
                      &rc, &log);
  ASSERT_EQ(rc, 0) << log;
  ASSERT_EQ(c["rows"].size(), 2u);
  for (auto& d : io::read_jsonl(c["rows"][0]["run_dir"].get<std::string>() + "/decisions.jsonl")) EXPECT_TRUE(d["raw_reward"].is_null()) << d;
  int with_reward = 0;
  for (auto& d : io::read_jsonl(c["rows"][1]["run_dir"].get<std::string>() + "/decisions.jsonl")) {
    if (d["raw_reward"].is_null()) continue;
    ++with_reward;
    EXPECT_DOUBLE_EQ(d["raw_reward"].get<double>(), d["signals"]["rm-agreement"].get<double>()) << d;
  }
  EXPECT_GT(with_reward, 0);
  EXPECT_EQ(c["rows"][1]["rm_items"].get<int64_t>(), 2 * c["rows"][0]["rm_items"].get<int64_t>());
  // It stands in for the verifier signal's answers only.
  auto msg = laser_on("train", out + "/u.toml", "--set strategy.unlabelled_signal=rm-agreement --set strategy.reward_signal=neg-loss", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(msg.find("strategy.unlabelled_signal"), std::string::npos) << msg;
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 1) << msg;
}

// strategy.log_signals is a diagnostic: the probe it runs calls the noisy RM, whose random state
// is put back afterwards, so a logged run makes the same decisions, rewards and model as an
// unlogged one.
TEST(Compare, LoggingSignalsDoesNotChangeTheRun) {
  std::string out = fresh_models_dir("compare-logged");
  std::string cfg = tiny_run_config(out, "l", 8,
                                    lm_rm(out, "a", "rm-a") + noisy_rm(out, "rm-b"));
  int rc = 0;
  std::string log;
  auto c = compare_on(out, "l", cfg, "--strategies laser@strategy.reward_signal=neg-loss,laser@strategy.reward_signal=neg-loss@strategy.log_signals=true",
                      &rc, &log);
  ASSERT_EQ(rc, 0) << log;
  ASSERT_EQ(c["rows"].size(), 2u);
  auto plain = io::read_jsonl(c["rows"][0]["run_dir"].get<std::string>() + "/decisions.jsonl");
  auto logged = io::read_jsonl(c["rows"][1]["run_dir"].get<std::string>() + "/decisions.jsonl");
  ASSERT_EQ(plain.size(), logged.size());
  ASSERT_FALSE(plain.empty());
  int noisy = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i]["arm_name"], logged[i]["arm_name"]) << i;
    EXPECT_EQ(plain[i]["raw_reward"], logged[i]["raw_reward"]) << i;
    EXPECT_TRUE(logged[i].contains("signals"));
    noisy += plain[i]["arm_name"] == "noisy";
  }
  EXPECT_GT(noisy, 0);  // the noisy RM was chosen, so its draws mattered
  EXPECT_EQ(c["rows"][0]["accuracy"], c["rows"][1]["accuracy"]);
  // The probe's RM work is counted: the logged run scored more items.
  EXPECT_GT(c["rows"][1]["rm_items"].get<int64_t>(), c["rows"][0]["rm_items"].get<int64_t>());
}

// The ablation grid: default LASeR first, then one change per row, every answer-free signal
// among them; the noise rows only where an RM is named "noisy".
TEST(Ablations, GridChangesOneThingPerRow) {
  auto g = laser::loop::ablation_grid({"a", "b", "noisy"});
  ASSERT_FALSE(g.empty());
  EXPECT_EQ(g[0].strategy, "laser");
  std::set<std::string> seen;
  std::vector<std::string> signals;
  int noise = 0;
  for (size_t i = 1; i < g.size(); ++i) {
    const auto& s = g[i].strategy;
    EXPECT_TRUE(seen.insert(s).second) << "twice: " << s;
    if (s == "random") continue;
    ASSERT_EQ(s.rfind("laser@", 0), 0u) << s;
    EXPECT_EQ(s.find('@', 6), std::string::npos) << "more than one change: " << s;
    if (g[i].group == "signal") signals.push_back(s.substr(s.find('=') + 1));
    if (g[i].group == "noise") ++noise;
  }
  EXPECT_EQ(signals, (std::vector<std::string>{"rm-agreement", "neg-loss", "implicit-margin", "grad-coherence"}));
  EXPECT_EQ(noise, 3);
  for (auto& a : laser::loop::ablation_grid({"a", "b"})) EXPECT_NE(a.group, "noise") << a.strategy;
}

// The reference-free implicit-margin signal end to end: no RM work beyond the chosen arm's, no
// reward on the first step (policy == reference, every margin 0), then rewards that are the
// logged implicit-margin agreement, a share in [0, 1].
TEST(Compare, TheImplicitMarginSignal) {
  std::string out = fresh_models_dir("compare-margin");
  std::string cfg = tiny_run_config(out, "m", 4, lm_rm(out, "a", "rm-a") + lm_rm(out, "b", "rm-b"));
  int rc = 0;
  std::string log;
  auto c = compare_on(out, "m", cfg, "--strategies laser,laser@strategy.reward_signal=implicit-margin", &rc, &log);
  ASSERT_EQ(rc, 0) << log;
  ASSERT_EQ(c["rows"].size(), 2u);
  EXPECT_EQ(c["rows"][1]["rm_items"].get<int64_t>(), c["rows"][0]["rm_items"].get<int64_t>());  // no probe
  std::string rd = c["rows"][1]["run_dir"].get<std::string>();
  EXPECT_NE(io::read_file(rd + "/config.toml").find("reward_signal = 'implicit-margin'"), std::string::npos);
  // The same run again with every signal logged, to compare the reward with the logged margin.
  log = laser_on("train", out + "/m.toml",
                 "--set strategy.reward_signal=implicit-margin --set strategy.log_signals=true --set run.name=logged", &rc);
  ASSERT_EQ(rc, 0) << log;
  int with_reward = 0, first_step = 0;
  for (auto& d : io::read_jsonl(out + "/runs/logged/decisions.jsonl")) {
    ASSERT_TRUE(d.contains("signals")) << d;
    if (d["step"].get<int64_t>() == 1) {
      ++first_step;
      EXPECT_TRUE(d["raw_reward"].is_null()) << d;  // before any update every margin is 0
      continue;
    }
    if (d["raw_reward"].is_null()) continue;
    ++with_reward;
    double r = d["raw_reward"].get<double>();
    EXPECT_GE(r, 0.0);
    EXPECT_LE(r, 1.0);
    EXPECT_DOUBLE_EQ(r, d["signals"]["implicit-margin"].get<double>());
  }
  EXPECT_GT(first_step, 0);
  EXPECT_GT(with_reward, 0);
}

// The answer-free grad-coherence signal end to end, on prompts that have no reference answer: the
// bandit learns from mean gradient cosines (in [-1, 1], some strictly inside; under GRPO too), no
// RM works beyond the chosen arm, and with a memory of earlier steps prompts alone with their RM are
// rewarded too.
TEST(Compare, TheGradCoherenceSignalNeedsNoAnswers) {
  std::string out = fresh_models_dir("compare-coherence");
  std::string questions;
  for (int i = 0; i < 40; ++i) questions += "{\"question\": \"" + std::to_string(i % 9 + 1) + "+" + std::to_string(i / 9 + 1) + "=?\"}\n";
  io::write_file_atomic(out + "/q.jsonl", questions);
  io::write_file_atomic(out + "/g.toml", tiny_run_config(out, "g", 4, lm_rm(out, "a", "rm-a") + lm_rm(out, "b", "rm-b")));
  const std::string args = "--set data.format=jsonl --set data.path=" + out + "/q.jsonl --set strategy.reward_signal=grad-coherence";
  int rc = 0;
  std::string log = laser_on("train", out + "/g.toml", args, &rc);
  ASSERT_EQ(rc, 0) << log;
  int64_t decisions = 0, rewarded = 0, strictly_inside = 0;
  for (auto& d : io::read_jsonl(out + "/runs/g/decisions.jsonl")) {
    ++decisions;
    if (d["raw_reward"].is_null()) continue;
    ++rewarded;
    const double r = d["raw_reward"].get<double>();
    EXPECT_GE(r, -1.0 - 1e-9) << d;
    EXPECT_LE(r, 1.0 + 1e-9) << d;
    if (r != 0.0 && std::abs(r) < 0.999) ++strictly_inside;
  }
  EXPECT_GT(rewarded, 0) << log;
  EXPECT_GT(strictly_inside, 0) << "no gradient cosine among the rewards";
  EXPECT_EQ(io::read_json(out + "/runs/g/summary.json")["rm_items"].get<int64_t>(), 3 * decisions) << "only the chosen RM scores (n = 3)";
  // strategy.coherence_memory: earlier steps' gradients join the comparison, so a prompt alone with
  // its RM in a batch is rewarded too. Round robin over two RMs with two prompts a batch leaves
  // every prompt alone with its RM: no reward without memory, rewards from step 2 on with it.
  std::map<std::string, std::pair<int64_t, int64_t>> alone;  // run -> (decisions, rewarded)
  for (std::string mem : {"0", "0.5"}) {
    const std::string name = "pairs" + mem;
    log = laser_on("train", out + "/g.toml", args + " --set data.batch_size=2 --set bandit.algorithm=round_robin --set run.name=" + name + " --set strategy.coherence_memory=" + mem, &rc);
    ASSERT_EQ(rc, 0) << log;
    for (auto& d : io::read_jsonl(out + "/runs/" + name + "/decisions.jsonl")) {
      ++alone[mem].first;
      if (d["raw_reward"].is_null()) continue;
      ++alone[mem].second;
      EXPECT_LE(std::abs(d["raw_reward"].get<double>()), 1.0 + 1e-9) << d;
    }
  }
  EXPECT_EQ(alone["0.5"].first, alone["0"].first);
  EXPECT_EQ(alone["0"].second, 0) << "a prompt alone with its RM has nothing to compare with";
  EXPECT_GE(alone["0.5"].second, alone["0.5"].first - 2) << "memory rewards every prompt after step 1's two";
  // Inside GRPO: each group's policy-gradient loss is measured the same way.
  log = laser_on("train", out + "/g.toml", args + " --set run.name=grpo --set train.algorithm=grpo", &rc);
  ASSERT_EQ(rc, 0) << log;
  int64_t grpo_rewarded = 0;
  for (auto& d : io::read_jsonl(out + "/runs/grpo/decisions.jsonl")) {
    if (d["raw_reward"].is_null()) continue;
    const double r = d["raw_reward"].get<double>();
    EXPECT_LE(std::abs(r), 1.0 + 1e-9) << d;
    grpo_rewarded += r != 0.0;
  }
  EXPECT_GT(grpo_rewarded, 0) << log;
}

// strategy.signal_pairs = group: the agreement signals judge every pair of a prompt's samples the
// chosen RM orders, not only the training pairs (rank 1 against the rest). Step 1 is the same in
// both runs (no feedback yet): every prompt rewarded from the training pairs is rewarded from the
// group too, and with n = 4 (six pairs against three) the rm-agreement shares differ.
TEST(Compare, GroupSignalPairsJudgeEveryOrderedPair) {
  std::string out = fresh_models_dir("compare-group-pairs");
  io::write_file_atomic(out + "/g.toml", tiny_run_config(out, "g", 4, lm_rm(out, "a", "rm-a") + lm_rm(out, "b", "rm-b")));
  std::map<std::string, std::map<std::string, double>> reward;  // mode -> prompt id -> step-1 reward
  for (std::string mode : {"train", "group"}) {
    int rc = 0;
    auto log = laser_on("train", out + "/g.toml",
                        "--set strategy.reward_signal=rm-agreement --set generation.n=4 --set strategy.signal_pairs=" + mode +
                            " --set run.name=" + mode,
                        &rc);
    ASSERT_EQ(rc, 0) << log;
    EXPECT_NE(io::read_file(out + "/runs/" + mode + "/config.toml").find("signal_pairs = '" + mode + "'"), std::string::npos);
    for (auto& d : io::read_jsonl(out + "/runs/" + mode + "/decisions.jsonl"))
      if (d["step"].get<int64_t>() == 1 && d["raw_reward"].is_number())
        reward[mode][d["prompt_id"].get<std::string>()] = d["raw_reward"].get<double>();
  }
  ASSERT_GT(reward["train"].size(), 0u);
  int differ = 0;
  for (auto& [id, r] : reward["train"]) {
    ASSERT_TRUE(reward["group"].count(id)) << id;
    differ += reward["group"][id] != r;
  }
  EXPECT_GT(differ, 0) << "the group judged the same pairs as training";
}
