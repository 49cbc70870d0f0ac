// The simulator's problems and the `laser bandit-sim` command.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "laser/bandit/factory.h"
#include "laser/bandit/simulator.h"
#include "laser/core/error.h"

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

TEST(Simulator, BadSpecIsAnError) {
  SimSpec s;
  s.problem = "clustr";
  EXPECT_THROW(s.validate("sim"), Error);
  s = SimSpec();
  s.arms = 1;
  EXPECT_THROW(s.validate("sim"), Error);
}

TEST(BanditSimCli, PrintsEveryAlgorithmAndWritesCsv) {
  std::string dir = LASER_TEST_TMP;
  std::system(("mkdir -p " + dir).c_str());
  std::string csv = dir + "/bandit_sim.csv";
  std::remove(csv.c_str());
  std::string out = dir + "/bandit_sim.out";
  std::string cmd = std::string(LASER_BIN) + " bandit-sim --problem cluster --rounds 300 --seed 3 --csv " + csv + " > " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  for (auto& name : bandit_names()) EXPECT_NE(text.find(name), std::string::npos) << name;
  EXPECT_NE(text.find("cumulative_regret"), std::string::npos);
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
}
