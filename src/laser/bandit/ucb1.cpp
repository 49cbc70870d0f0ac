// UCB1 policy (Auer et al. 2002).
#include "laser/bandit/ucb1.h"

#include <cmath>

#include "laser/core/error.h"

namespace laser::bandit {

Decision UCB1::select(const Eigen::VectorXd&) {
  std::vector<int> untried = stats_.unpulled();
  std::vector<double> scores(num_arms_);
  double t = static_cast<double>(std::max<int64_t>(1, stats_.total()));
  for (int k = 0; k < num_arms_; ++k)
    scores[k] = stats_.count[k] == 0 ? INFINITY
                                     : stats_.mean[k] + std::sqrt(2.0 * std::log(t) / static_cast<double>(stats_.count[k]));
  if (!untried.empty()) return uniform_among(untried, std::move(scores));
  return argmax_decision(std::move(scores));
}

void UCB1::update(const Eigen::VectorXd&, int arm, double reward) {
  check_update(arm, reward);
  stats_.update(arm, reward);
  ++updates_;
}

void UCB1::load_state(const nlohmann::json& s, const std::string& where) {
  LASER_CHECK(s.is_object() && s.contains("stats"), where, "state lacks 'stats'", "the state file is corrupted");
  stats_.load(s["stats"], num_arms_, where + ".stats");
}

}  // namespace laser::bandit
