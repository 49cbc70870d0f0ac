// LinUCB policy (Li et al. 2010): upper confidence bound over disjoint ridge regressions.
#include "laser/bandit/linucb.h"

#include <cmath>

namespace laser::bandit {

Decision LinUCB::select(const Eigen::VectorXd& context) {
  check_context(context);
  solve_all(context);
  return decide(context, cache_u_);
}

Decision LinUCB::decide(const Eigen::VectorXd& context, const std::vector<Eigen::VectorXd>& u) {
  std::vector<double> scores(num_arms_);
  for (int k = 0; k < num_arms_; ++k) {
    double var = std::max(0.0, context.dot(u[k]));
    scores[k] = arms_[k].mean(context) + config_.alpha * std::sqrt(var);
  }
  return argmax_decision(std::move(scores));
}

}  // namespace laser::bandit
