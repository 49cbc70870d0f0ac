// Softmax (Boltzmann) exploration with exact probabilities.
#include "laser/bandit/softmax.h"

#include <algorithm>
#include <cmath>

#include "laser/core/error.h"

namespace laser::bandit {

std::vector<double> Softmax::probabilities() const {
  std::vector<double> p(num_arms_);
  double mx = *std::max_element(stats_.mean.begin(), stats_.mean.end());
  double z = 0;
  for (int k = 0; k < num_arms_; ++k) z += (p[k] = std::exp((stats_.mean[k] - mx) / config_.temperature));
  for (double& x : p) x /= z;
  return p;
}

Decision Softmax::select(const Eigen::VectorXd&) { return sample_decision(probabilities(), stats_.mean); }

void Softmax::update(const Eigen::VectorXd&, int arm, double reward) {
  check_update(arm, reward);
  stats_.update(arm, reward);
  ++updates_;
}

void Softmax::load_state(const nlohmann::json& s, const std::string& where) {
  LASER_CHECK(s.is_object() && s.contains("stats"), where, "state lacks 'stats'", "the state file is corrupted");
  stats_.load(s["stats"], num_arms_, where + ".stats");
}

}  // namespace laser::bandit
