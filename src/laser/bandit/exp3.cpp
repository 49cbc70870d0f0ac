// Exp3 policy (Auer et al. 2002) with log-domain weights.
#include "laser/bandit/exp3.h"

#include <algorithm>
#include <cmath>

#include "laser/core/error.h"

namespace laser::bandit {

std::vector<double> Exp3::probabilities() const {
  double mx = *std::max_element(log_w_.begin(), log_w_.end());
  std::vector<double> p(num_arms_);
  double z = 0;
  for (int k = 0; k < num_arms_; ++k) z += (p[k] = std::exp(log_w_[k] - mx));
  double g = config_.exp3_gamma;
  for (int k = 0; k < num_arms_; ++k) p[k] = (1.0 - g) * p[k] / z + g / num_arms_;
  return p;
}

Decision Exp3::select(const Eigen::VectorXd&) {
  auto p = probabilities();
  return sample_decision(p, p);
}

void Exp3::update(const Eigen::VectorXd&, int arm, double reward) {
  check_update(arm, reward);
  LASER_CHECK(reward >= 0 && reward <= 1, "bandit exp3 update", "reward " + std::to_string(reward) + " is outside [0, 1]",
              "exp3 needs rewards in [0, 1]: use the percentile normalizer");
  double p = probabilities()[arm];
  log_w_[arm] += config_.exp3_gamma * (reward / p) / num_arms_;
  // Keep the largest log-weight at 0 so that the logs stay bounded.
  double mx = *std::max_element(log_w_.begin(), log_w_.end());
  for (double& w : log_w_) w -= mx;
  ++updates_;
}

void Exp3::add_arm_state() {
  // log of the mean of the existing weights
  double mx = *std::max_element(log_w_.begin(), log_w_.end());
  double s = 0;
  for (double w : log_w_) s += std::exp(w - mx);
  log_w_.push_back(mx + std::log(s / static_cast<double>(log_w_.size())));
}

void Exp3::load_state(const nlohmann::json& s, const std::string& where) {
  LASER_CHECK(s.is_object() && s.contains("log_weights"), where, "state lacks 'log_weights'", "the state file is corrupted");
  log_w_ = doubles_from_json(s["log_weights"], num_arms_, where + ".log_weights");
}

}  // namespace laser::bandit
