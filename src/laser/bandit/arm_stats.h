// ArmStats: per-arm pull counts and running mean rewards, the state of the non-contextual bandits
// (epsilon-greedy, UCB1, softmax). Not a policy.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace laser::bandit {

struct ArmStats {
  std::vector<int64_t> count;
  std::vector<double> mean;

  explicit ArmStats(int num_arms = 0) : count(num_arms, 0), mean(num_arms, 0.0) {}
  void add_arm() {
    count.push_back(0);
    mean.push_back(0.0);
  }
  void update(int arm, double reward) {
    ++count[arm];
    mean[arm] += (reward - mean[arm]) / static_cast<double>(count[arm]);
  }
  // Arms never updated, in index order.
  std::vector<int> unpulled() const;
  int64_t total() const;
  nlohmann::json save() const;
  void load(const nlohmann::json& j, int num_arms, const std::string& where);
};

}  // namespace laser::bandit
