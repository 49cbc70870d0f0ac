// core/stats: mean, sample std, Student t CDF and quantiles against textbook values, and the
// t-intervals of a mean and of a paired difference against hand-computed numbers.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/core/stats.h"

using namespace laser;
using namespace laser::stats;

TEST(Stats, MeanAndSampleStd) {
  EXPECT_DOUBLE_EQ(mean({1, 2, 3, 4, 5}), 3.0);
  EXPECT_NEAR(sample_std({1, 2, 3, 4, 5}), std::sqrt(2.5), 1e-12);
  EXPECT_NEAR(sample_std({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_EQ(sample_std({7}), 0.0);
  EXPECT_THROW(mean({}), Error);
  EXPECT_THROW(sample_std({}), Error);
}

TEST(Stats, StudentTCdfKnownValues) {
  EXPECT_NEAR(student_t_cdf(0.0, 3.0), 0.5, 1e-14);
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi.
  EXPECT_NEAR(student_t_cdf(1.0, 1.0), 0.75, 1e-12);
  EXPECT_NEAR(student_t_cdf(-3.0, 1.0), 0.5 + std::atan(-3.0) / M_PI, 1e-12);
  // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
  EXPECT_NEAR(student_t_cdf(1.0, 2.0), 0.5 + 1.0 / (2.0 * std::sqrt(3.0)), 1e-12);
  EXPECT_NEAR(student_t_cdf(-2.5, 2.0), 0.5 - 2.5 / (2.0 * std::sqrt(8.25)), 1e-12);
  // Large df approaches the normal: Phi(1.96) = 0.9750021.
  EXPECT_NEAR(student_t_cdf(1.96, 1e7), 0.9750021, 1e-6);
  EXPECT_EQ(student_t_cdf(INFINITY, 4.0), 1.0);
  EXPECT_EQ(student_t_cdf(-INFINITY, 4.0), 0.0);
  EXPECT_THROW(student_t_cdf(1.0, 0.0), Error);
}

TEST(Stats, StudentTQuantileTextbookTable) {
  // Two-sided 95% (p = 0.975) column of the t table.
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.7062, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.3027, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 3), 3.1824, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.7764, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 9), 2.2622, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 29), 2.0452, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 120), 1.9799, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 1e9), 1.959964, 1e-5);
  // One-sided 95% and 99.5%.
  EXPECT_NEAR(student_t_quantile(0.95, 10), 1.8125, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.995, 5), 4.0321, 5e-4);
  // Symmetry, the median, and exact inversion of the CDF.
  EXPECT_NEAR(student_t_quantile(0.025, 4), -student_t_quantile(0.975, 4), 1e-12);
  EXPECT_EQ(student_t_quantile(0.5, 7), 0.0);
  for (double df : {1.0, 2.5, 9.0, 50.0})
    for (double p : {0.6, 0.9, 0.975, 0.999}) EXPECT_NEAR(student_t_cdf(student_t_quantile(p, df), df), p, 1e-12);
  EXPECT_THROW(student_t_quantile(1.0, 4), Error);
  EXPECT_THROW(student_t_quantile(0.975, -1), Error);
}

TEST(Stats, TIntervalOfAMean) {
  // 1..5: mean 3, sd sqrt(2.5), half width t_{.975,4} sd / sqrt(5) = 2.776445 * 0.707107 = 1.963243.
  Interval i = t_interval({1, 2, 3, 4, 5});
  EXPECT_EQ(i.n, 5);
  EXPECT_DOUBLE_EQ(i.mean, 3.0);
  EXPECT_NEAR(i.half_width, 1.963243, 1e-5);
  EXPECT_NEAR(i.lo(), 3.0 - 1.963243, 1e-5);
  EXPECT_EQ(format_interval(i, 2), "3.00 ± 1.96");
  // A single value has no width.
  Interval one = t_interval({4.0});
  EXPECT_TRUE(std::isinf(one.half_width));
  EXPECT_EQ(format_interval(one, 1), "4.0 ± n/a");
  EXPECT_THROW(t_interval({1, 2}, 1.0), Error);
}

TEST(Stats, PairedDifference) {
  // d = {2, 1, 0, 3}: mean 1.5, sd sqrt(5/3) = 1.290994, t_{.975,3} = 3.182446 -> half 2.054259.
  Interval d = paired_difference({10, 12, 9, 11}, {8, 11, 9, 8});
  EXPECT_EQ(d.n, 4);
  EXPECT_DOUBLE_EQ(d.mean, 1.5);
  EXPECT_NEAR(d.sd, 1.290994, 1e-6);
  EXPECT_NEAR(d.half_width, 2.054259, 1e-5);
  EXPECT_THROW(paired_difference({1, 2}, {1}), Error);
  EXPECT_THROW(paired_difference({}, {}), Error);
}
