// The simulator's problems and the `laser bandit-sim` command.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "laser/bandit/factory.h"
#include "laser/bandit/simulator.h"
#include "laser/core/error.h"
#include "laser/core/stats.h"

using namespace laser;
using namespace laser::bandit;

TEST(Simulator, RoundsAreDeterministicAndCommonToAlgorithms) {
  SimSpec s;
  s.problem = "noise_arm";
  SimProblem p(s), q(s);
  for (int t = 0; t < 20; ++t) {
    auto a = p.round(t), b = q.round(t);
    EXPECT_EQ(a.context, b.context);
    EXPECT_EQ(a.rewards, b.rewards);
    EXPECT_EQ(a.means[s.arms - 1], 0.5);  // the noise arm
    EXPECT_LT(a.means[s.arms - 1], *std::max_element(a.means.begin(), a.means.end()));
  }
}

TEST(Simulator, ShiftChangesTheBestArmMidRun) {
  SimSpec s;
  s.problem = "shift";
  s.rounds = 1000;
  SimProblem p(s);
  auto best = [](const SimRound& r) { return std::max_element(r.means.begin(), r.means.end()) - r.means.begin(); };
  // Same cluster before and after the shift: find rounds with identical cluster (same means pattern).
  int changed = 0, checked = 0;
  for (int t = 0; t < 100; ++t) {
    auto a = p.round(t);
    auto b = p.round(t + 500);
    // rotate b back by one arm: if it matches a, same cluster
    std::vector<double> back(s.arms);
    for (int k = 0; k < s.arms; ++k) back[k] = b.means[(k + 1) % s.arms];
    if (back == a.means) {
      ++checked;
      changed += best(a) != best(b);
    }
  }
  EXPECT_GT(checked, 0);
  EXPECT_EQ(changed, checked);
}

TEST(Simulator, LinUCBBeatsNonContextualOnLinearProblem) {
  SimSpec s;
  s.problem = "linear";
  s.rounds = 1500;
  BanditConfig base;
  base.alpha = 1.0;
  auto res = simulate_all(s, {"linucb", "linear_ts", "ucb1", "uniform"}, base);
  EXPECT_LT(res[0].cumulative_regret, res[2].cumulative_regret);
  EXPECT_LT(res[1].cumulative_regret, res[3].cumulative_regret);
  EXPECT_LT(res[0].cumulative_regret, res[3].cumulative_regret / 3);
}

// strategy.context_dim in the simulator: LinUCB on 1024-dimensional embedding-like contexts projected
// to 64 dimensions still beats uniform by far, and the projection changes the run (same seed).
TEST(Simulator, ProjectedContextsKeepLinUCBWellAboveUniform) {
  SimSpec s;
  s.problem = "lowrank";
  s.dim = 1024;
  s.rounds = 300;
  s.context_dim = 64;
  BanditConfig base;
  auto res = simulate_all(s, {"linucb", "uniform"}, base);
  EXPECT_LT(res[0].cumulative_regret, res[1].cumulative_regret / 2);
  SimSpec exact = s;
  exact.context_dim = 0;
  EXPECT_NE(simulate(exact, [] { BanditConfig c; c.algorithm = "linucb"; return c; }()).arms, res[0].arms);
  s.context_dim = -1;
  EXPECT_THROW(s.validate("sim"), laser::Error);
}

TEST(Simulator, DriftMovesTheBestArmOverTheRun) {
  SimSpec s;
  s.problem = "drift";
  s.rounds = 1000;
  s.noise = 0;
  SimProblem p(s);
  // Same round index, same cluster draw: compare the first and last round's tables via many rounds.
  int moved = 0, seen = 0;
  auto argmax = [](const std::vector<double>& m) { return std::max_element(m.begin(), m.end()) - m.begin(); };
  for (int t = 0; t < 40; ++t) {
    auto a = p.round(t), b = p.round(999 - t);
    if (a.context.head(s.resolved().dim - 1).dot(b.context.head(s.resolved().dim - 1)) < 0.8) continue;  // other cluster
    ++seen;
    moved += argmax(a.means) != argmax(b.means);
  }
  EXPECT_GT(seen, 0);
  EXPECT_EQ(moved, seen);
}

TEST(Simulator, LowRankContextsLookLikeRawPromptEmbeddings) {
  SimSpec s;
  s.problem = "lowrank";
  SimSpec r = s.resolved();
  EXPECT_EQ(r.dim, 256);
  EXPECT_EQ(r.rounds, 500);
  SimProblem p(s);
  auto a = p.round(0), b = p.round(1);
  EXPECT_EQ(a.context.size(), 256);
  // Not unit norm, no constant feature, a large shared component (cosine well above 0).
  EXPECT_GT(std::abs(a.context.norm() - 1.0), 0.2);
  EXPECT_NE(a.context[255], 1.0);
  EXPECT_GT(a.context.dot(b.context) / (a.context.norm() * b.context.norm()), 0.5);
  // Each of the 2K clusters has a best arm; every arm is best somewhere.
  std::vector<int> best(s.arms, 0);
  for (int t = 0; t < 200; ++t) {
    auto x = p.round(t);
    best[std::max_element(x.means.begin(), x.means.end()) - x.means.begin()]++;
  }
  for (int k = 0; k < s.arms; ++k) EXPECT_GT(best[k], 0) << k;
}

TEST(Simulator, PresetsSetTheRewardAndContextSide) {
  SimSpec s;
  EXPECT_EQ(s.normalizer, "auto");
  EXPECT_EQ(s.context, "l2");
  apply_sim_preset("paper", s, "--preset");
  EXPECT_EQ(s.normalizer, "percentile");
  EXPECT_EQ(s.context, "raw");
  apply_sim_preset("laser", s, "--preset");
  EXPECT_EQ(s.normalizer, "auto");
  EXPECT_EQ(s.context, "l2");
  EXPECT_THROW(apply_sim_preset("nope", s, "--preset"), Error);
}

// The point of laser's defaults: at its defaults every bandit beats uniform (mean regret over
// seeds), where the paper's LinUCB (alpha 0.1, percentile rewards, raw contexts) does not on the
// high-dimensional problem. Small, fast versions of the bandit-sim problems.
TEST(Simulator, EveryBanditAtItsDefaultsBeatsUniform) {
  const int seeds = 3;
  std::vector<std::string> contextual = {"linucb", "linear_ts", "linear_epsilon_greedy"};
  std::vector<std::string> context_free = {"epsilon_greedy", "ucb1", "exp3", "softmax"};
  struct Case {
    std::string problem;
    int dim, rounds;
    bool context_free;
  };
  std::vector<Case> cases = {{"linear", 8, 300, false}, {"cluster", 8, 300, false}, {"noise_arm", 8, 600, true},
                             {"shift", 8, 400, false},  {"drift", 8, 400, false},   {"lowrank", 32, 500, false}};
  for (auto& cs : cases) {
    SimSpec s;
    s.problem = cs.problem;
    s.dim = cs.dim;
    s.rounds = cs.rounds;
    s.seed = 11;
    std::vector<std::string> algos = contextual;
    if (cs.context_free) algos.insert(algos.end(), context_free.begin(), context_free.end());
    auto sums = simulate_seeds(s, algos, BanditConfig(), seeds);
    ASSERT_EQ(sums.size(), algos.size());
    for (auto& r : sums) {
      SCOPED_TRACE(cs.problem + " " + r.algorithm);
      EXPECT_EQ(r.regret.size(), static_cast<size_t>(seeds));
      EXPECT_LT(r.vs_uniform.mean, 0.0);
      // LinUCB and linear TS: better than uniform by the whole 95% interval of the paired difference.
      if (r.algorithm == "linucb" || r.algorithm == "linear_ts") EXPECT_LT(r.vs_uniform.hi(), 0.0);
    }
  }
}

TEST(Simulator, SeedsGiveIntervalsAndPairedDifferencesAgainstUniform) {
  SimSpec s;
  s.problem = "cluster";
  s.rounds = 200;
  auto sums = simulate_seeds(s, {"linucb", "uniform"}, BanditConfig(), 4);
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums[1].algorithm, "uniform");
  EXPECT_EQ(sums[1].vs_uniform.mean, 0.0);
  EXPECT_EQ(sums[0].regret_ci.n, 4);
  EXPECT_NEAR(sums[0].regret_ci.mean, stats::mean(sums[0].regret), 1e-12);
  EXPECT_NEAR(sums[0].vs_uniform.mean, sums[0].regret_ci.mean - sums[1].regret_ci.mean, 1e-9);
  // Seed i of the summary is the single run with seed s.seed + i.
  SimSpec one = s;
  one.seed = 2;
  BanditConfig c;
  c.seed = 2;
  EXPECT_DOUBLE_EQ(simulate(one, c).cumulative_regret, sums[0].regret[2]);
}

TEST(Simulator, BadSpecIsAnError) {
  SimSpec s;
  s.problem = "clustr";
  EXPECT_THROW(s.validate("sim"), Error);
  s = SimSpec();
  s.arms = 1;
  EXPECT_THROW(s.validate("sim"), Error);
  s = SimSpec();
  s.context = "l3";
  EXPECT_THROW(s.validate("sim"), Error);
  s = SimSpec();
  s.normalizer = "zscor";
  EXPECT_THROW(s.validate("sim"), Error);
}

TEST(BanditSimCli, PrintsEveryAlgorithmAndWritesCsv) {
  std::string dir = LASER_TEST_TMP;
  std::system(("mkdir -p " + dir).c_str());
  std::string csv = dir + "/bandit_sim.csv";
  std::remove(csv.c_str());
  std::string out = dir + "/bandit_sim.out";
  std::string cmd = std::string(LASER_BIN) + " bandit-sim --problem cluster --rounds 300 --seeds 2 --seed 3 --csv " + csv + " > " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  for (auto& name : bandit_names()) EXPECT_NE(text.find(name), std::string::npos) << name;
  EXPECT_NE(text.find("cumulative_regret"), std::string::npos);
  EXPECT_NE(text.find("regret_vs_uniform"), std::string::npos);
  EXPECT_NE(text.find(" ± "), std::string::npos);
  EXPECT_NE(text.find("preset laser: alpha 1.5 ridge 1 "), std::string::npos) << text;
  std::ifstream c(csv);
  std::string line;
  int lines = 0;
  std::getline(c, line);
  EXPECT_EQ(line, "problem,algorithm,round,arm,best,cumulative_regret,best_arm_share");
  while (std::getline(c, line)) ++lines;
  EXPECT_EQ(lines, 300 * static_cast<int>(bandit_names().size()));
  // A bad option is a usage or input error, not a crash.
  int rc = std::system((std::string(LASER_BIN) + " bandit-sim --problem nope > /dev/null 2>&1").c_str());
  EXPECT_NE(rc, 0);
  rc = std::system((std::string(LASER_BIN) + " bandit-sim --set alpha=-1 --rounds 5 > /dev/null 2>&1").c_str());
  EXPECT_NE(rc, 0);
  rc = std::system((std::string(LASER_BIN) + " bandit-sim --preset papr --rounds 5 > /dev/null 2>&1").c_str());
  EXPECT_NE(rc, 0);
}

TEST(BanditSimCli, PaperPresetPrintsTheAuthorsSettings) {
  std::string dir = LASER_TEST_TMP;
  std::system(("mkdir -p " + dir).c_str());
  std::string out = dir + "/bandit_sim_paper.out";
  std::string cmd = std::string(LASER_BIN) +
                    " bandit-sim --preset paper --problem cluster --algorithms linucb,uniform --rounds 100 --seeds 2 > " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  EXPECT_NE(text.find("preset paper: alpha 0.1 ridge 1 "), std::string::npos) << text;
  EXPECT_NE(text.find("normalizer percentile, context raw"), std::string::npos) << text;
}
