// Epsilon-greedy over per-arm mean rewards (Sutton & Barto 2018, sec. 2.2), fixed or decaying.
// Options: epsilon in [0,1] (default 0.1), epsilon_decay >= 0 (default 0 = fixed):
// epsilon_t = epsilon / (1 + epsilon_decay * t), t = updates so far. Arms never updated count as the
// greedy set (so each arm is tried once first). p_k = epsilon_t/K + (1-epsilon_t)*[k greedy]/#greedy,
// exact. scores[k] = mean reward of arm k (0 before its first update). Ignores the context.
#pragma once
#include "laser/bandit/arm_stats.h"
#include "laser/bandit/bandit.h"

namespace laser::bandit {

class EpsilonGreedy : public Bandit {
 public:
  EpsilonGreedy(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim), stats_(num_arms) {}
  Decision select(const Eigen::VectorXd& context) override;
  void update(const Eigen::VectorXd& context, int arm, double reward) override;
  double current_epsilon() const;

 protected:
  void add_arm_state() override { stats_.add_arm(); }
  nlohmann::json save_state() const override { return {{"stats", stats_.save()}}; }
  void load_state(const nlohmann::json& s, const std::string& where) override;

 private:
  ArmStats stats_;
};

}  // namespace laser::bandit
