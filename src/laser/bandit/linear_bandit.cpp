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
  batch_u_.assign(num_arms, Eigen::MatrixXd());
  batch_valid_.assign(num_arms, 0);
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
  batch_valid_[arm] = 0;
  ++updates_;
}

std::vector<Decision> LinearBandit::select_batch(const Eigen::MatrixXd& contexts) {
  const Eigen::Index B = contexts.rows();
  LASER_CHECK(B == 0 || contexts.cols() == dim_, "bandit " + name() + " select_batch",
              "contexts have " + std::to_string(contexts.cols()) + " columns, the bandit's dimension is " + std::to_string(dim_),
              "give one context of the bandit's dimension per row");
  for (Eigen::Index b = 0; b < B; ++b) check_context(contexts.row(b).transpose());
  batch_context_ = contexts;
  for (int k = 0; k < num_arms_; ++k) {
    arms_[k].solve_many(contexts, batch_u_[k]);
    batch_valid_[k] = 1;
  }
  std::vector<Decision> out;
  out.reserve(static_cast<size_t>(B));
  std::vector<Eigen::VectorXd> u(num_arms_);
  for (Eigen::Index b = 0; b < B; ++b) {
    for (int k = 0; k < num_arms_; ++k) u[k] = batch_u_[k].col(b);
    out.push_back(decide(contexts.row(b).transpose(), u));
  }
  return out;
}

void LinearBandit::update_batch(const Eigen::MatrixXd& contexts, const std::vector<int>& arms, const std::vector<double>& rewards) {
  const Eigen::Index n = contexts.rows();
  check_batch(contexts, arms, rewards);
  for (Eigen::Index i = 0; i < n; ++i) {
    check_update(arms[i], rewards[i]);
    check_context(contexts.row(i).transpose());
  }
  for (int k = 0; k < num_arms_; ++k) {
    std::vector<Eigen::Index> rows;
    for (Eigen::Index i = 0; i < n; ++i)
      if (arms[i] == k) rows.push_back(i);
    if (rows.empty()) continue;
    const Eigen::Index m = static_cast<Eigen::Index>(rows.size());
    Eigen::MatrixXd C(m, dim_), U(dim_, m);
    Eigen::VectorXd r(m);
    bool all_cached = batch_valid_[k] != 0;
    for (Eigen::Index j = 0; j < m; ++j) {
      C.row(j) = contexts.row(rows[j]);
      r[j] = rewards[rows[j]];
      if (!all_cached) continue;
      // Reuse A_k^-1 c from select_batch when this context was one of its rows.
      Eigen::Index hit = -1;
      for (Eigen::Index b = 0; b < batch_context_.rows() && hit < 0; ++b)
        if (batch_context_.row(b) == C.row(j)) hit = b;
      if (hit < 0) all_cached = false;
      else U.col(j) = batch_u_[k].col(hit);
    }
    if (!all_cached) arms_[k].solve_many(C, U);
    arms_[k].update_many(C, r, U);
    cache_valid_[k] = 0;
    batch_valid_[k] = 0;
    updates_ += m;
  }
}

void LinearBandit::add_arm_state() {
  arms_.emplace_back(dim_, config_.ridge);
  cache_u_.emplace_back();
  cache_valid_.push_back(0);
  batch_u_.emplace_back();
  batch_valid_.push_back(0);
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
  std::fill(batch_valid_.begin(), batch_valid_.end(), 0);
}

}  // namespace laser::bandit
