// Random projection (seeded, norm-preserving on average) and L2 normalization.
#include <gtest/gtest.h>

#include "laser/bandit/context_reducer.h"
#include "laser/core/error.h"
#include "laser/core/rng.h"

using namespace laser;
using namespace laser::bandit;

TEST(ContextReducer, RandomProjectionIsSeededAndKeepsNorms) {
  RandomProjection a(512, 64, 7), b(512, 64, 7), c(512, 64, 8);
  EXPECT_EQ(a.matrix(), b.matrix());
  EXPECT_NE(a.matrix(), c.matrix());
  Rng rng(1);
  double ratio_sum = 0;
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    Eigen::VectorXd x(512);
    for (int k = 0; k < 512; ++k) x[k] = rng.normal();
    Eigen::VectorXd y = a.apply(x);
    ASSERT_EQ(y.size(), 64);
    ratio_sum += y.squaredNorm() / x.squaredNorm();
  }
  EXPECT_NEAR(ratio_sum / n, 1.0, 0.05);
  EXPECT_THROW(a.apply(Eigen::VectorXd::Zero(511)), Error);
  auto back = load_context_reducer(a.save(), "r.json");
  EXPECT_EQ(back->output_dim(), 64);
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(512, -1, 1);
  EXPECT_EQ(back->apply(x), a.apply(x));
}

TEST(ContextReducer, L2Normalize) {
  L2Normalize n(3);
  Eigen::VectorXd x(3);
  x << 3, 0, 4;
  Eigen::VectorXd y = n.apply(x);
  EXPECT_NEAR(y[0], 0.6, 1e-15);
  EXPECT_NEAR(y[2], 0.8, 1e-15);
  EXPECT_EQ(n.apply(Eigen::VectorXd::Zero(3)), Eigen::VectorXd::Zero(3));
  EXPECT_THROW(n.apply(Eigen::VectorXd::Zero(4)), Error);
  nlohmann::json j = n.save();
  j["format_version"] = 7;
  EXPECT_THROW(load_context_reducer(j, "r.json"), Error);
}
