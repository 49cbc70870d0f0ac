// Mean, sample std, Student t distribution (CDF through the regularized incomplete beta function,
// quantile by bisection on the CDF) and t-intervals. See stats.h.
#include "laser/core/stats.h"

#include <cmath>
#include <limits>

#include <fmt/core.h>

#include "laser/core/error.h"

namespace laser::stats {

double mean(const std::vector<double>& x) {
  LASER_CHECK(!x.empty(), "stats::mean", "no values", "give at least one value");
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double sample_std(const std::vector<double>& x) {
  double m = mean(x);
  if (x.size() < 2) return 0.0;
  double ss = 0;
  for (double v : x) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

namespace {
// Continued fraction of the incomplete beta function (modified Lentz), valid for x < (a+1)/(a+b+2).
double beta_fraction(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-15;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::abs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double f = d;
  for (int m = 1; m <= 10000; ++m) {
    // Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)).
    double num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
    d = 1.0 + num * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + num / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    f *= d * c;
    // Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    num = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
    d = 1.0 + num * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1.0 + num / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double step = d * c;
    f *= step;
    if (std::abs(step - 1.0) < eps) break;
  }
  return f;
}

// Regularized incomplete beta I_x(a, b) for a, b > 0, x in [0, 1].
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0.0;
  if (x >= 1) return 1.0;
  double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_fraction(a, b, x) / a;
  return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}
}  // namespace

double student_t_cdf(double t, double df) {
  LASER_CHECK(df > 0 && std::isfinite(df), "stats::student_t_cdf", "degrees of freedom must be > 0", "df = n - 1 for n values");
  LASER_CHECK(!std::isnan(t), "stats::student_t_cdf", "t is NaN", "give a number");
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
  double tail = 0.5 * incomplete_beta(0.5 * df, 0.5, df / (df + t * t));
  return t >= 0 ? 1.0 - tail : tail;
}

double student_t_quantile(double p, double df) {
  LASER_CHECK(p > 0 && p < 1, "stats::student_t_quantile", "p must be in (0, 1), got " + std::to_string(p),
              "e.g. 0.975 for a two-sided 95% interval");
  LASER_CHECK(df > 0 && std::isfinite(df), "stats::student_t_quantile", "degrees of freedom must be > 0",
              "df = n - 1 for n values");
  if (p < 0.5) return -student_t_quantile(1.0 - p, df);
  if (p == 0.5) return 0.0;
  double lo = 0.0, hi = 1.0;
  while (student_t_cdf(hi, df) < p) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e300) return std::numeric_limits<double>::infinity();
  }
  for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; ++i) {
    double mid = 0.5 * (lo + hi);
    if (student_t_cdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

Interval t_interval(const std::vector<double>& x, double level) {
  LASER_CHECK(level > 0 && level < 1, "stats::t_interval", "level must be in (0, 1)", "e.g. 0.95");
  Interval r;
  r.n = static_cast<int>(x.size());
  r.mean = mean(x);
  r.sd = sample_std(x);
  if (r.n < 2) {
    r.half_width = std::numeric_limits<double>::infinity();
    return r;
  }
  r.half_width = student_t_quantile(0.5 * (1.0 + level), r.n - 1.0) * r.sd / std::sqrt(static_cast<double>(r.n));
  return r;
}

Interval paired_difference(const std::vector<double>& a, const std::vector<double>& b, double level) {
  LASER_CHECK(a.size() == b.size() && !a.empty(), "stats::paired_difference",
              "paired samples need the same non-zero size, got " + std::to_string(a.size()) + " and " + std::to_string(b.size()),
              "pair each run with the run of the same seed");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return t_interval(d, level);
}

std::string format_interval(const Interval& i, int decimals) {
  if (!std::isfinite(i.half_width)) return fmt::format("{:.{}f} ± n/a", i.mean, decimals);
  return fmt::format("{:.{}f} ± {:.{}f}", i.mean, decimals, i.half_width, decimals);
}

}  // namespace laser::stats
