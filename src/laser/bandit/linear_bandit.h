// LinearBandit: the common part of the disjoint linear bandits (LinUCB, linear Thompson sampling):
// one RidgeArm per arm, context checks, update, add_arm, save/load, and a cache of A_k^-1 c from the
// last select() so that the update that follows costs one rank-1 update, not another O(d^2) solve.
// Not a policy: subclasses define select(). Follows Li et al. 2010 (disjoint LinUCB model).
#pragma once
#include <vector>

#include "laser/bandit/bandit.h"
#include "laser/bandit/ridge_arm.h"

namespace laser::bandit {

class LinearBandit : public Bandit {
 public:
  void update(const Eigen::VectorXd& context, int arm, double reward) override;
  std::vector<Decision> select_batch(const Eigen::MatrixXd& contexts) override;
  void update_batch(const Eigen::MatrixXd& contexts, const std::vector<int>& arms, const std::vector<double>& rewards) override;
  // Full symmetric A_k^-1 (d x d) and theta_k of one arm, for tests and diagnostics.
  Eigen::MatrixXd a_inverse(int arm) const { return arms_.at(arm).inverse(); }
  const Eigen::VectorXd& theta(int arm) const { return arms_.at(arm).theta(); }

 protected:
  LinearBandit(const BanditConfig& config, int num_arms, int dim);
  void add_arm_state() override;
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state, const std::string& where) override;
  // Computes u_k = A_k^-1 c for every arm (reusing the cache when c is the cached context) and
  // leaves them in cache_u_. O(K d^2).
  void solve_all(const Eigen::VectorXd& context);
  // The policy: a decision for `context` given u_k = A_k^-1 context of every arm (u[k]).
  virtual Decision decide(const Eigen::VectorXd& context, const std::vector<Eigen::VectorXd>& u) = 0;

  std::vector<RidgeArm> arms_;
  Eigen::VectorXd cache_context_;
  std::vector<Eigen::VectorXd> cache_u_;
  std::vector<char> cache_valid_;
  // From the last select_batch: its contexts (B x d) and U_k = A_k^-1 C^T (d x B) per arm, so that
  // update_batch reuses them for arms not updated since.
  Eigen::MatrixXd batch_context_;
  std::vector<Eigen::MatrixXd> batch_u_;
  std::vector<char> batch_valid_;
};

}  // namespace laser::bandit
