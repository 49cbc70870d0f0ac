// Linear Thompson sampling with disjoint arms (Agrawal & Goyal 2013): theta_k ~ N(mu_k, v^2 A_k^-1),
// arm = argmax c.theta_k. Only the scalar c.theta_k is needed, which is N(c.mu_k, v^2 c^T A_k^-1 c),
// so each arm's score is drawn exactly from that distribution in O(d^2) (no d x d Cholesky).
// Options: ts_scale v (> 0, default 0.1), ridge (> 0, default 1). The probability of the chosen arm
// is P(its draw is the largest), computed by 1-D numerical integration (error below 1e-7).
#pragma once
#include "laser/bandit/linear_bandit.h"

namespace laser::bandit {

class LinearTS : public LinearBandit {
 public:
  LinearTS(const BanditConfig& config, int num_arms, int dim) : LinearBandit(config, num_arms, dim) {}
  // scores[k] = the sampled c.theta_k.
  Decision select(const Eigen::VectorXd& context) override;

 protected:
  Decision decide(const Eigen::VectorXd& context, const std::vector<Eigen::VectorXd>& u) override;
};

// P(X_a > X_j for all j != a) for independent X_j ~ N(means[j], sds[j]^2) (sd 0 = a point mass).
double prob_gaussian_max(const std::vector<double>& means, const std::vector<double>& sds, int a);

}  // namespace laser::bandit
