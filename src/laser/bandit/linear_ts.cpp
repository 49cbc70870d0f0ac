// Linear Thompson sampling policy and the probability that one Gaussian draw is the largest.
#include "laser/bandit/linear_ts.h"

#include <cmath>

namespace laser::bandit {

namespace {
double norm_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
}  // namespace

double prob_gaussian_max(const std::vector<double>& means, const std::vector<double>& sds, int a) {
  int K = static_cast<int>(means.size());
  auto cdf = [&](int j, double x) {
    if (sds[j] <= 0) return x > means[j] ? 1.0 : (x == means[j] ? 0.5 : 0.0);
    return norm_cdf((x - means[j]) / sds[j]);
  };
  if (sds[a] <= 0) {
    double p = 1.0;
    for (int j = 0; j < K; ++j)
      if (j != a) p *= cdf(j, means[a]);
    return p;
  }
  // Simpson's rule over z in [-9, 9] of phi(z) * prod_j Phi((mu_a + sd_a z - mu_j) / sd_j).
  const int n = 2048;
  const double lo = -9.0, hi = 9.0, h = (hi - lo) / n;
  double sum = 0;
  for (int i = 0; i <= n; ++i) {
    double z = lo + i * h;
    double x = means[a] + sds[a] * z;
    double f = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
    for (int j = 0; j < K && f > 0; ++j)
      if (j != a) f *= cdf(j, x);
    double w = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    sum += w * f;
  }
  double p = sum * h / 3.0;
  return std::min(1.0, std::max(0.0, p));
}

Decision LinearTS::select(const Eigen::VectorXd& context) {
  check_context(context);
  solve_all(context);
  return decide(context, cache_u_);
}

Decision LinearTS::decide(const Eigen::VectorXd& context, const std::vector<Eigen::VectorXd>& u) {
  std::vector<double> means(num_arms_), sds(num_arms_), scores(num_arms_);
  for (int k = 0; k < num_arms_; ++k) {
    means[k] = arms_[k].mean(context);
    sds[k] = config_.ts_scale * std::sqrt(std::max(0.0, context.dot(u[k])));
    scores[k] = means[k] + sds[k] * rng_.normal();
  }
  Decision d = argmax_decision(std::move(scores));
  bool all_point = true;
  for (double s : sds) all_point = all_point && s <= 0;
  if (!all_point) d.probability = prob_gaussian_max(means, sds, d.arm);
  return d;
}

}  // namespace laser::bandit
