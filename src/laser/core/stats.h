// Small-sample statistics for comparing runs over seeds: mean, sample standard deviation, Student t
// quantiles, the 95% t-interval of a mean and of a paired difference. Torch-free, no state.
// Not a statistics library: just what `laser bandit-sim --seeds N` (and later compare/world) print.
#pragma once
#include <string>
#include <vector>

namespace laser::stats {

// Arithmetic mean; laser::Error when x is empty.
double mean(const std::vector<double>& x);
// Sample standard deviation (divisor n - 1); 0 when x has one value, laser::Error when empty.
double sample_std(const std::vector<double>& x);

// P(T <= t) for Student's t with df > 0 degrees of freedom (any real df; +-inf t allowed).
double student_t_cdf(double t, double df);
// The p-quantile of Student's t with df > 0 degrees of freedom, p in (0, 1): t such that
// student_t_cdf(t, df) = p, to about 1e-12 relative. E.g. (0.975, 4) -> 2.776, (0.975, 9) -> 2.262.
double student_t_quantile(double p, double df);

// A mean with its two-sided confidence interval mean +- half_width. With n == 1 the width is
// unknown: half_width is +infinity (printed as "n/a").
struct Interval {
  int n = 0;
  double mean = 0, sd = 0, half_width = 0;
  double lo() const { return mean - half_width; }
  double hi() const { return mean + half_width; }
};

// t-interval of the mean of x at `level` (default 95%): mean +- t_{(1+level)/2, n-1} sd / sqrt(n).
Interval t_interval(const std::vector<double>& x, double level = 0.95);
// t-interval of the mean of the paired differences a[i] - b[i] (same seed i); laser::Error when the
// sizes differ or are 0.
Interval paired_difference(const std::vector<double>& a, const std::vector<double>& b, double level = 0.95);

// "12.300 ± 1.250" with `decimals` decimals ("12.300 ± n/a" when n == 1).
std::string format_interval(const Interval& i, int decimals = 3);

}  // namespace laser::stats
