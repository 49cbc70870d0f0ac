// Reward normalizers against brute-force recomputation from the full history.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "laser/bandit/factory.h"
#include "laser/bandit/normalizer.h"
#include "laser/core/error.h"
#include "laser/core/rng.h"

using namespace laser;
using namespace laser::bandit;

namespace {
// numpy.percentile(x, 100*q) with the default linear interpolation.
double np_percentile(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  double pos = q * (x.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  if (lo + 1 >= x.size()) return x[lo];
  return x[lo] + (pos - lo) * (x[lo + 1] - x[lo]);
}
}  // namespace

TEST(Normalizer, PercentileMatchesBruteForce) {
  PercentileNormalizer n;
  Rng rng(3);
  std::vector<double> hist;
  for (int t = 0; t < 600; ++t) {
    // Mix of continuous values and repeats (ties).
    double raw = t % 7 == 0 ? 0.25 : -std::abs(rng.normal(1.0, 0.5));
    hist.push_back(raw);
    double got = n.normalize(raw);
    if (hist.size() < 2) {
      EXPECT_EQ(got, raw);
      continue;
    }
    double lo = np_percentile(hist, 0.2), hi = np_percentile(hist, 0.8);
    ASSERT_DOUBLE_EQ(n.low(), lo) << t;
    ASSERT_DOUBLE_EQ(n.high(), hi) << t;
    double want = hi > lo ? std::min(1.0, std::max(0.0, (raw - lo) / (hi - lo))) : (raw < lo ? 0 : raw > hi ? 1 : 0.5);
    ASSERT_NEAR(got, want, 1e-12) << t;
    ASSERT_GE(got, 0.0);
    ASSERT_LE(got, 1.0);
  }
}

TEST(Normalizer, PercentileFirstValueIsRawThenClipped) {
  auto n = make_normalizer("percentile");
  EXPECT_EQ(n->normalize(-3.5), -3.5);  // fewer than 2 entries: raw
  EXPECT_EQ(n->normalize(-1.0), 1.0);   // above the 80th percentile
  EXPECT_EQ(n->normalize(-9.0), 0.0);   // below the 20th
  EXPECT_EQ(n->count(), 3);
}

TEST(Normalizer, ZScoreMatchesTwoPass) {
  ZScoreNormalizer z;
  Rng rng(8);
  std::vector<double> h;
  EXPECT_EQ(z.normalize(2.0), 0.0);
  h.push_back(2.0);
  for (int t = 0; t < 100; ++t) {
    double raw = rng.normal(-1.0, 3.0);
    h.push_back(raw);
    double mean = 0;
    for (double x : h) mean += x;
    mean /= h.size();
    double var = 0;
    for (double x : h) var += (x - mean) * (x - mean);
    double sd = std::sqrt(var / (h.size() - 1));
    ASSERT_NEAR(z.normalize(raw), (raw - mean) / sd, 1e-9);
  }
}

TEST(Normalizer, NoneIsIdentityAndNamesAreChecked) {
  auto n = make_normalizer("none");
  EXPECT_EQ(n->normalize(-7.25), -7.25);
  EXPECT_THROW(n->normalize(NAN), Error);
  try {
    make_normalizer("percentil");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'percentile'"), std::string::npos);
  }
}

// BayesianRouter's per-arm moving z-score, against values worked by hand (rate 0.5 keeps them short).
TEST(Normalizer, ArmZScoreWarmsUpPerArmThenMovesAndClips) {
  ArmZScoreNormalizer n(0.5, 2.0, 2);
  EXPECT_TRUE(std::isnan(n.normalize_for(1, 1.0)));  // arm 1's warm-up: no update
  EXPECT_TRUE(std::isnan(n.normalize_for(0, 5.0)));  // arm 0 warms up on its own
  EXPECT_TRUE(std::isnan(n.normalize_for(1, 3.0)));  // arm 1: mean 2, sample variance 2
  // (4 - 2) / sqrt(2); then d = 2: mean 3, var 0.5 * (2 + 0.5 * 4) = 2
  EXPECT_NEAR(n.normalize_for(1, 4.0), std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(n.normalize_for(1, 3.0), 0.0, 1e-12);  // 3 is arm 1's mean; var 0.5 * 2 = 1, mean 3
  EXPECT_EQ(n.normalize_for(1, 100.0), 2.0);         // (100 - 3) / 1, clipped to +2
  EXPECT_TRUE(std::isnan(n.normalize_for(0, 5.0)));  // arm 0: two equal rewards, variance 0
  EXPECT_EQ(n.normalize_for(0, 9.0), 0.0);           // no spread yet: 0, not infinity
  EXPECT_EQ(n.count(), 8);
  // The same rewards as a shared drift: every arm's reward falls by 10, and so does its mean.
  ArmZScoreNormalizer a(0.01, 2.0, 5), b(0.01, 2.0, 5);
  Rng rng(4);
  for (int t = 0; t < 200; ++t) {
    int arm = t % 3;
    double r = rng.normal(arm, 1.0);
    double za = a.normalize_for(arm, r), zb = b.normalize_for(arm, r - 10.0);
    if (t < 15) {
      ASSERT_TRUE(std::isnan(za) && std::isnan(zb)) << t;
    } else {
      ASSERT_NEAR(za, zb, 1e-9) << t;
      ASSERT_LE(std::abs(za), 2.0) << t;
    }
  }
  EXPECT_THROW(ArmZScoreNormalizer(0.0, 2.0, 5), Error);
  EXPECT_THROW(n.normalize_for(-1, 1.0), Error);
}

TEST(Normalizer, SaveLoadContinuesExactly) {
  for (std::string name : {"percentile", "zscore", "arm-zscore", "none"}) {
    auto a = make_normalizer(name);
    Rng rng(1);
    for (int t = 0; t < 50; ++t) a->normalize_for(t % 3, rng.normal());
    auto b = load_normalizer(nlohmann::json::parse(a->save().dump()), "norm.json");
    EXPECT_EQ(b->name(), name);
    EXPECT_EQ(b->count(), 50);
    for (int t = 0; t < 50; ++t) {
      double r = rng.normal();
      double x = a->normalize_for(t % 4, r), y = b->normalize_for(t % 4, r);  // arm 3 is new: NaN in both
      ASSERT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << name << " " << x << " " << y;
    }
  }
  auto a = make_normalizer("percentile");
  nlohmann::json j = a->save();
  j["format_version"] = 2;
  EXPECT_THROW(load_normalizer(j, "norm.json"), Error);
  j = a->save();
  j["state"]["history"] = "oops";
  EXPECT_THROW(load_normalizer(j, "norm.json"), Error);
}

TEST(Normalizer, AutoIsZScoreExceptPercentileForExp3) {
  EXPECT_EQ(resolve_normalizer("auto", "linucb"), "zscore");
  EXPECT_EQ(resolve_normalizer("auto", "epsilon_greedy"), "zscore");
  EXPECT_EQ(resolve_normalizer("auto", "exp3"), "percentile");
  EXPECT_EQ(resolve_normalizer("percentile", "linucb"), "percentile");
  EXPECT_THROW(make_normalizer("auto"), laser::Error);
}
