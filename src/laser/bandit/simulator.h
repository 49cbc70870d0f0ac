// Bandit simulator: synthetic problems with known mean rewards, so that every algorithm's cumulative
// (expected) regret and best-arm share can be measured on the same seeded rounds (common random
// numbers: round t has the same context and the same per-arm reward noise for every algorithm),
// over several seeds with 95% t-intervals. Not a model of language-model training; the problems
// mimic the situations LASeR meets.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "laser/bandit/bandit_config.h"
#include "laser/core/stats.h"

namespace laser::bandit {

// Problems (the first five: contexts are [u, 1], u a unit vector in dim-1 dimensions plus a constant):
//  linear    mean_k(c) = 0.5 + 0.3 u.theta_k, theta_k random unit vectors (linear-realizable).
//  cluster   contexts come from `arms` clusters (prompt categories); each cluster has its own best
//            arm (mean 0.8), the other arms have means in [0.2, 0.6] (the LASeR situation).
//  noise_arm cluster, but the last arm is pure noise: rewards uniform in [0, 1] whatever the
//            context (mean 0.5, sd 0.29), never the best.
//  shift     cluster, but at round rounds/2 every cluster's means rotate by one arm, so the best
//            arm changes mid-run.
//  drift     cluster, but every arm's mean moves linearly over the run from one random table to
//            another whose best arm per cluster differs (rewards shift as the policy learns).
//  lowrank   prompt-embedding-like contexts in a large dimension (default d 256, 500 rounds): no
//            constant feature, unnormalized (norm about 0.5), a shared mean direction plus a rank-8
//            cluster structure plus isotropic noise, as mean input embeddings look. 2*arms clusters,
//            each with its own best arm. Try --dim 64..4096.
// Observed rewards are mean + N(0, noise^2), clipped to [0, 1].
std::vector<std::string> problem_names();
// Context preprocessing before the bandit sees it: an optional random projection (context_dim, as
// strategy.context_dim), then raw or l2 (unit norm, as strategy.context_l2).
std::vector<std::string> sim_context_names();

struct SimSpec {
  std::string problem = "cluster";  // one of problem_names()
  int dim = 0;                      // context dimension, [2, 8192]; 0 = the problem's (16; lowrank 256)
  int arms = 4;                     // [2, 64]
  double noise = 0.1;               // reward noise sigma, >= 0
  int rounds = 0;                   // >= 1; 0 = the problem's (2000; lowrank 500)
  uint64_t seed = 0;                // problem instance, contexts and noise
  std::string normalizer = "auto";  // reward normalizer before update: auto|percentile|zscore|arm-zscore|none (resolve_normalizer)
  std::string context = "l2";       // context preprocessing: raw|l2
  int context_dim = 0;              // seeded random projection to this many dimensions before the l2 step (strategy.context_dim); 0 = off
  void validate(const std::string& where) const;
  // This spec with dim and rounds set (the problem's own where 0).
  SimSpec resolved() const;
};

// Sets the simulator's side of a preset: "laser" (the defaults above) or "paper" (METHOD.md: the
// percentile normalizer, raw contexts). The bandit's side is bandit_preset().
void apply_sim_preset(const std::string& preset, SimSpec& spec, const std::string& where);

// One round of a problem: the context, every arm's mean reward and every arm's observed reward.
struct SimRound {
  Eigen::VectorXd context;
  std::vector<double> means;
  std::vector<double> rewards;
};

class SimProblem {
 public:
  explicit SimProblem(const SimSpec& spec);
  // Deterministic in (spec.seed, t). The raw context (no preprocessing).
  SimRound round(int t) const;
  const SimSpec& spec() const { return spec_; }

 private:
  SimSpec spec_;                                    // resolved
  std::vector<Eigen::VectorXd> theta_;              // linear: per arm (dim-1)
  std::vector<Eigen::VectorXd> centers_;            // cluster kinds: per cluster (dim-1); lowrank: latent (rank)
  std::vector<std::vector<double>> cluster_means_;  // [cluster][arm]
  std::vector<std::vector<double>> end_means_;      // drift: [cluster][arm] at the last round
  Eigen::VectorXd common_;                          // lowrank: shared mean direction (dim)
  Eigen::MatrixXd basis_;                           // lowrank: dim x rank
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

// Runs one bandit (made by make_bandit(config, spec.arms, dim)) for spec's rounds.
SimResult simulate(const SimSpec& spec, const BanditConfig& config);

// Runs every algorithm of `algorithms` on the problem, each with `base`'s options (algorithm
// replaced; seed = spec.seed unless base.seed is non-zero).
std::vector<SimResult> simulate_all(const SimSpec& spec, const std::vector<std::string>& algorithms,
                                    const BanditConfig& base = BanditConfig());

// One algorithm over seeds spec.seed, spec.seed + 1, ...: per-seed numbers and their 95% intervals;
// vs_uniform is the paired difference of regret against uniform on the same seeds (negative =
// better than uniform; n == 0 when uniform was not run).
struct SeedSummary {
  std::string algorithm;
  std::vector<double> regret, share, share_last;
  stats::Interval regret_ci, share_ci, share_last_ci, vs_uniform;
};
// Runs simulate_all for `seeds` consecutive seeds (each run's bandit seed = its problem seed unless
// base.seed is non-zero). uniform is run too (for vs_uniform) but reported only when asked for.
std::vector<SeedSummary> simulate_seeds(const SimSpec& spec, const std::vector<std::string>& algorithms,
                                        const BanditConfig& base, int seeds);

// Writes problem,algorithm,round,arm,best,cumulative_regret,best_arm_share rows (one per round).
std::string sim_csv_header();
std::string sim_csv_rows(const std::string& problem, const SimResult& r);

}  // namespace laser::bandit
