// Round-robin, uniform random and fixed-arm policies (the paper's Sequential, Random and Best RM).
#include "laser/bandit/baselines.h"

#include "laser/core/error.h"

namespace laser::bandit {

Decision RoundRobin::select(const Eigen::VectorXd&) {
  std::vector<double> scores(num_arms_, 0.0);
  int arm = static_cast<int>(selects_ % num_arms_);
  ++selects_;
  scores[arm] = 1.0;
  return {arm, 1.0, scores};
}

void RoundRobin::update(const Eigen::VectorXd&, int arm, double reward) {
  check_update(arm, reward);
  ++updates_;
}

void RoundRobin::load_state(const nlohmann::json& s, const std::string& where) {
  LASER_CHECK(s.is_object() && s.contains("selects") && s["selects"].is_number_integer() && s["selects"].get<int64_t>() >= 0,
              where + ".selects", "state lacks a valid 'selects' count", "the state file is corrupted");
  selects_ = s["selects"].get<int64_t>();
}

Decision UniformRandom::select(const Eigen::VectorXd&) {
  std::vector<double> p(num_arms_, 1.0 / num_arms_);
  return sample_decision(p, p);
}

void UniformRandom::update(const Eigen::VectorXd&, int arm, double reward) {
  check_update(arm, reward);
  ++updates_;
}

FixedArm::FixedArm(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim) {
  LASER_CHECK(config.fixed_arm >= 0 && config.fixed_arm < num_arms, "bandit.fixed_arm",
              "fixed_arm " + std::to_string(config.fixed_arm) + " is not an arm of " + std::to_string(num_arms),
              "give an index in [0, " + std::to_string(num_arms) + ")");
}

Decision FixedArm::select(const Eigen::VectorXd&) {
  std::vector<double> scores(num_arms_, 0.0);
  scores[config_.fixed_arm] = 1.0;
  return {config_.fixed_arm, 1.0, scores};
}

void FixedArm::update(const Eigen::VectorXd&, int arm, double reward) {
  check_update(arm, reward);
  ++updates_;
}

}  // namespace laser::bandit
