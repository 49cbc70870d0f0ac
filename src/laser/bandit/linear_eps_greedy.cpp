// Linear epsilon-greedy policy with exact arm probabilities.
#include "laser/bandit/linear_eps_greedy.h"

#include <cmath>

namespace laser::bandit {

double LinearEpsGreedy::current_epsilon() const {
  return config_.epsilon / (1.0 + config_.epsilon_decay * static_cast<double>(updates_));
}

Decision LinearEpsGreedy::select(const Eigen::VectorXd& context) {
  check_context(context);
  // The greedy choice needs only c.theta_k; no A^-1 pass.
  std::vector<double> scores(num_arms_);
  for (int k = 0; k < num_arms_; ++k) scores[k] = arms_[k].mean(context);
  std::vector<int> greedy;
  double best = -INFINITY;
  for (double s : scores) best = std::max(best, s);
  double tol = 1e-12 * std::max(1.0, std::abs(best));
  for (int k = 0; k < num_arms_; ++k)
    if (scores[k] >= best - tol) greedy.push_back(k);
  double eps = current_epsilon();
  std::vector<double> probs(num_arms_, eps / num_arms_);
  for (int k : greedy) probs[k] += (1.0 - eps) / static_cast<double>(greedy.size());
  return sample_decision(probs, std::move(scores));
}

Decision LinearEpsGreedy::decide(const Eigen::VectorXd& context, const std::vector<Eigen::VectorXd>&) {
  return select(context);
}

}  // namespace laser::bandit
