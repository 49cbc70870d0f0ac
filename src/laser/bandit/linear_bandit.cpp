// Shared update/save/load of the disjoint linear bandits. The policies are in linucb.cpp and
// linear_ts.cpp.
#include "laser/bandit/linear_bandit.h"

#include "laser/core/error.h"

namespace laser::bandit {

LinearBandit::LinearBandit(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim) {
  arms_.reserve(num_arms);
  for (int k = 0; k < num_arms; ++k) arms_.emplace_back(dim, config.ridge);
  cache_u_.assign(num_arms, Eigen::VectorXd());
  cache_valid_.assign(num_arms, 0);
}

void LinearBandit::solve_all(const Eigen::VectorXd& context) {
  bool same = cache_context_.size() == context.size() && cache_context_ == context;
  if (!same) {
    cache_context_ = context;
    std::fill(cache_valid_.begin(), cache_valid_.end(), 0);
  }
  for (int k = 0; k < num_arms_; ++k) {
    if (cache_valid_[k]) continue;
    cache_u_[k].resize(dim_);
    arms_[k].solve(context, cache_u_[k]);
    cache_valid_[k] = 1;
  }
}

void LinearBandit::update(const Eigen::VectorXd& context, int arm, double reward) {
  check_update(arm, reward);
  check_context(context);
  bool cached = cache_valid_[arm] && cache_context_.size() == context.size() && cache_context_ == context;
  if (!cached) {
    Eigen::VectorXd u(dim_);
    arms_[arm].solve(context, u);
    arms_[arm].update(context, reward, u);
  } else {
    arms_[arm].update(context, reward, cache_u_[arm]);
  }
  cache_valid_[arm] = 0;  // this arm's A^-1 changed; the others' cached solves stay valid
  ++updates_;
}

void LinearBandit::add_arm_state() {
  arms_.emplace_back(dim_, config_.ridge);
  cache_u_.emplace_back();
  cache_valid_.push_back(0);
}

nlohmann::json LinearBandit::save_state() const {
  nlohmann::json arms = nlohmann::json::array();
  for (auto& a : arms_) arms.push_back(a.save());
  return {{"arms", arms}};
}

void LinearBandit::load_state(const nlohmann::json& state, const std::string& where) {
  LASER_CHECK(state.is_object() && state.contains("arms") && state["arms"].is_array() &&
                  state["arms"].size() == static_cast<size_t>(num_arms_),
              where + ".arms", "expected " + std::to_string(num_arms_) + " arm states", "the state file is corrupted");
  for (int k = 0; k < num_arms_; ++k) arms_[k].load(state["arms"][k], where + ".arms[" + std::to_string(k) + "]");
  std::fill(cache_valid_.begin(), cache_valid_.end(), 0);
}

}  // namespace laser::bandit
