// RidgeArm: online ridge regression for one arm (A = lambda*I + sum c c^T, b = sum r c,
// theta = A^-1 b) with A^-1 kept by Sherman-Morrison rank-1 updates: O(d^2) per update, never an
// O(d^3) inverse. Only the lower triangle of A^-1 is stored/updated (it is symmetric), halving the
// memory traffic. Shared by LinUCB and linear Thompson sampling. Not a bandit by itself.
#pragma once
#include <Eigen/Dense>
#include <nlohmann/json.hpp>
#include <string>

namespace laser::bandit {

class RidgeArm {
 public:
  RidgeArm(int dim, double ridge);
  // u = A^-1 c. c (d) -> u (d). O(d^2).
  void solve(const Eigen::VectorXd& c, Eigen::VectorXd& u) const;
  // Estimated mean reward c.theta. O(d).
  double mean(const Eigen::VectorXd& c) const { return c.dot(theta_); }
  // Adds one observation (c, r). u must be A^-1 c computed *before* this update (from solve()).
  // A^-1 <- A^-1 - u u^T / (1 + c.u); theta <- theta + u (r - c.theta) / (1 + c.u). O(d^2).
  void update(const Eigen::VectorXd& c, double r, const Eigen::VectorXd& u);
  // U = A^-1 C^T for the rows of C (m x d) -> U (d x m): one pass over A^-1 for all of them.
  void solve_many(const Eigen::MatrixXd& C, Eigen::MatrixXd& U) const;
  // Adds m observations at once (Woodbury): with U = A^-1 C^T computed before this update and
  // S = I + C U, A^-1 <- A^-1 - U S^-1 U^T and theta <- theta + U S^-1 (r - C theta). One
  // O(d^2 m) pass instead of m rank-1 passes; the same result as m update() calls up to rounding.
  void update_many(const Eigen::MatrixXd& C, const Eigen::VectorXd& r, const Eigen::MatrixXd& U);
  // The full symmetric A^-1 (d x d), for tests and diagnostics.
  Eigen::MatrixXd inverse() const;
  const Eigen::VectorXd& theta() const { return theta_; }
  const Eigen::VectorXd& b() const { return b_; }
  int64_t count() const { return count_; }

  // {"a_inv_lower": packed lower triangle (base64 doubles), "b": [...], "theta": [...], "count": n}
  nlohmann::json save() const;
  void load(const nlohmann::json& j, const std::string& where);

 private:
  int dim_;
  Eigen::MatrixXd a_inv_;  // lower triangle valid
  Eigen::VectorXd b_, theta_;
  int64_t count_ = 0;
};

}  // namespace laser::bandit
