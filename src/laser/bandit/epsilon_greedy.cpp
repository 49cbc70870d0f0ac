// Epsilon-greedy policy with exact arm probabilities.
#include "laser/bandit/epsilon_greedy.h"

#include <cmath>

#include "laser/core/error.h"

namespace laser::bandit {

double EpsilonGreedy::current_epsilon() const {
  return config_.epsilon / (1.0 + config_.epsilon_decay * static_cast<double>(updates_));
}

Decision EpsilonGreedy::select(const Eigen::VectorXd&) {
  std::vector<int> greedy = stats_.unpulled();
  if (greedy.empty()) {
    double best = -INFINITY;
    for (double m : stats_.mean) best = std::max(best, m);
    double tol = 1e-12 * std::max(1.0, std::abs(best));
    for (int k = 0; k < num_arms_; ++k)
      if (stats_.mean[k] >= best - tol) greedy.push_back(k);
  }
  double eps = current_epsilon();
  std::vector<double> probs(num_arms_, eps / num_arms_);
  for (int k : greedy) probs[k] += (1.0 - eps) / static_cast<double>(greedy.size());
  return sample_decision(probs, stats_.mean);
}

void EpsilonGreedy::update(const Eigen::VectorXd&, int arm, double reward) {
  check_update(arm, reward);
  stats_.update(arm, reward);
  ++updates_;
}

void EpsilonGreedy::load_state(const nlohmann::json& s, const std::string& where) {
  LASER_CHECK(s.is_object() && s.contains("stats"), where, "state lacks 'stats'", "the state file is corrupted");
  stats_.load(s["stats"], num_arms_, where + ".stats");
}

}  // namespace laser::bandit
