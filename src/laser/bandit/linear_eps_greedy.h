// Linear epsilon-greedy with disjoint arms: the ridge regressions of LinUCB, but exploration by
// chance instead of by confidence width. With probability 1 - epsilon_t the arm with the largest
// c.theta_k (exact ties uniformly), otherwise a uniform arm. Options: epsilon, epsilon_decay, ridge.
// Not the context-free epsilon_greedy (epsilon_greedy.h), which keeps one mean per arm.
#pragma once
#include "laser/bandit/linear_bandit.h"

namespace laser::bandit {

class LinearEpsGreedy : public LinearBandit {
 public:
  LinearEpsGreedy(const BanditConfig& config, int num_arms, int dim) : LinearBandit(config, num_arms, dim) {}
  // scores[k] = c.theta_k; probability = eps/K + (1 - eps)/#greedy for a greedy arm, eps/K otherwise.
  Decision select(const Eigen::VectorXd& context) override;
  // epsilon / (1 + epsilon_decay * updates()).
  double current_epsilon() const;

 protected:
  Decision decide(const Eigen::VectorXd& context, const std::vector<Eigen::VectorXd>& u) override;
};

}  // namespace laser::bandit
