// LinUCB with disjoint arms (Li, Chu, Langford, Schapire 2010, Algorithm 1), as LASeR uses it.
// Options: alpha (exploration width, >= 0, default 0.1), ridge (A starts at ridge*I, > 0, default 1).
// score_k = c.theta_k + alpha * sqrt(c^T A_k^-1 c); arm = argmax (exact ties broken uniformly at
// random, probability 1/#tied; otherwise probability 1). Not the hybrid (shared-feature) LinUCB.
#pragma once
#include "laser/bandit/linear_bandit.h"

namespace laser::bandit {

class LinUCB : public LinearBandit {
 public:
  LinUCB(const BanditConfig& config, int num_arms, int dim) : LinearBandit(config, num_arms, dim) {}
  // scores[k] = the upper confidence bound of arm k. O(K d^2).
  Decision select(const Eigen::VectorXd& context) override;

 protected:
  Decision decide(const Eigen::VectorXd& context, const std::vector<Eigen::VectorXd>& u) override;
};

}  // namespace laser::bandit
