// Bandit simulator: synthetic problems with known mean rewards, so that every algorithm's cumulative
// (expected) regret and best-arm share can be measured on the same seeded rounds (common random
// numbers: round t has the same context and the same per-arm reward noise for every algorithm).
// Not a model of language-model training; the problems mimic the situations LASeR meets.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "laser/bandit/bandit_config.h"

namespace laser::bandit {

// Problems (contexts are [u, 1]: u a unit vector in dim-1 dimensions plus a constant feature):
//  linear    mean_k(c) = 0.5 + 0.3 u.theta_k, theta_k random unit vectors (linear-realizable).
//  cluster   contexts come from `arms` clusters (prompt categories); each cluster has its own best
//            arm (mean 0.8), the other arms have means in [0.2, 0.6] (the LASeR situation).
//  noise_arm cluster, but the last arm is pure noise: rewards uniform in [0, 1] whatever the
//            context (mean 0.5), never the best.
//  shift     cluster, but at round rounds/2 every cluster's means rotate by one arm, so the best
//            arm changes mid-run.
// Observed rewards are mean + N(0, noise^2), clipped to [0, 1].
std::vector<std::string> problem_names();

struct SimSpec {
  std::string problem = "cluster";  // one of problem_names()
  int dim = 16;                     // context dimension, [2, 8192]
  int arms = 4;                     // [2, 64]
  double noise = 0.1;               // reward noise sigma, >= 0
  int rounds = 2000;                // >= 1
  uint64_t seed = 0;                // problem instance, contexts and noise
  std::string normalizer = "none";  // reward normalizer applied before update: percentile|zscore|none
  void validate(const std::string& where) const;
};

// One round of a problem: the context, every arm's mean reward and every arm's observed reward.
struct SimRound {
  Eigen::VectorXd context;
  std::vector<double> means;
  std::vector<double> rewards;
};

class SimProblem {
 public:
  explicit SimProblem(const SimSpec& spec);
  // Deterministic in (spec.seed, t).
  SimRound round(int t) const;

 private:
  SimSpec spec_;
  std::vector<Eigen::VectorXd> theta_;    // linear: per arm (dim-1)
  std::vector<Eigen::VectorXd> centers_;  // cluster kinds: per cluster (dim-1)
  std::vector<std::vector<double>> cluster_means_;  // [cluster][arm]
};

struct SimResult {
  std::string algorithm;
  double cumulative_regret = 0;  // sum over rounds of max_k mean_k - mean_chosen
  double best_arm_share = 0;     // fraction of rounds where the chosen arm had the largest mean
  std::vector<int> arms;         // chosen arm per round
  std::vector<char> best;        // 1 where the chosen arm was a best arm
  std::vector<double> regret;    // cumulative regret after each round
  // Share of best-arm picks over the last n rounds.
  double best_share_last(int n) const;
};

// Runs one bandit (made by make_bandit(config, spec.arms, spec.dim)) for spec.rounds rounds.
SimResult simulate(const SimSpec& spec, const BanditConfig& config);

// Runs every algorithm of `algorithms` on the problem, each with `base`'s options (algorithm
// replaced; seed = spec.seed unless base.seed is non-zero).
std::vector<SimResult> simulate_all(const SimSpec& spec, const std::vector<std::string>& algorithms,
                                    const BanditConfig& base = BanditConfig());

// Writes problem,algorithm,round,arm,best,cumulative_regret,best_arm_share rows (one per round).
std::string sim_csv_header();
std::string sim_csv_rows(const std::string& problem, const SimResult& r);

}  // namespace laser::bandit
