// Count sketch of gradients (train/grad_sketch.h): its entries are the hashed, signed sums the
// definition gives; it is linear and does not depend on how the vector is split into parts or
// chunks; it keeps cosines of long vectors to within a few standard deviations of its error; it is
// not applied where the gradient is no longer than the sketch.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/train/grad_sketch.h"

using namespace laser::train;

namespace {

// The definition, written out: SplitMix64's finalizer of i; bucket = floor(h * dims / 2^64), sign
// + where h is odd.
uint64_t sketch_test_hash(uint64_t i) {
  uint64_t z = i + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double sketch_test_cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.dot(b) / (a.norm() * b.norm())).item<double>();
}

}  // namespace

TEST(GradSketch, EntriesAreTheDefinitionsSignedSums) {
  auto a = torch::tensor({1.0, 2.0, 3.0}), b = torch::tensor({{4.0, 5.0}, {6.0, 7.0}});
  const int64_t dims = 5;
  auto s = count_sketch({a, b}, dims);
  ASSERT_EQ(s.numel(), dims);
  std::vector<double> want(dims, 0.0);
  const std::vector<double> v{1, 2, 3, 4, 5, 6, 7};
  for (uint64_t i = 0; i < 7; ++i) {
    const uint64_t h = sketch_test_hash(i);
    const auto bucket = static_cast<size_t>(static_cast<long double>(h) * dims / 18446744073709551616.0L);
    want[bucket] += (h % 2 == 1 ? 1.0 : -1.0) * v[i];
  }
  for (int64_t k = 0; k < dims; ++k) EXPECT_DOUBLE_EQ(s[k].item<double>(), want[k]) << "bucket " << k;
  EXPECT_THROW(count_sketch({a}, 0), laser::Error);
}

TEST(GradSketch, LinearAndIndependentOfPartsAndChunks) {
  torch::manual_seed(1);
  // Longer than one chunk (2^22 entries), so chunk boundaries inside a part are crossed.
  auto v = torch::randn({(1 << 22) + 1000}, torch::kFloat64), w = torch::randn({(1 << 22) + 1000}, torch::kFloat64);
  const int64_t dims = 4096;
  auto whole = count_sketch({v}, dims);
  auto parts = count_sketch({v.narrow(0, 0, 777), v.narrow(0, 777, (1 << 22) - 500).reshape({-1, 1}), v.narrow(0, (1 << 22) + 277, 723)}, dims);
  EXPECT_LT((whole - parts).abs().max().item<double>(), 1e-9);
  auto sum = count_sketch({v * 2 - w}, dims);
  EXPECT_LT((sum - (whole * 2 - count_sketch({w}, dims))).abs().max().item<double>(), 1e-8);
  EXPECT_LT((count_sketch({-v}, dims) + whole).abs().max().item<double>(), 1e-12) << "a negated gradient: the sketch negated";
}

TEST(GradSketch, KeepsCosinesOfLongVectors) {
  torch::manual_seed(2);
  const int64_t P = 500000, dims = 65536;  // error sd about sqrt((1 + c^2) / dims) <= 0.0056
  auto x = torch::randn({P}, torch::kFloat64), y = torch::randn({P}, torch::kFloat64);
  for (double c : {0.0, 0.3, 0.9, -0.5}) {
    auto z = c * x / x.norm() + std::sqrt(1 - c * c) * (y - y.dot(x) / x.dot(x) * x) / (y - y.dot(x) / x.dot(x) * x).norm();
    ASSERT_NEAR(sketch_test_cosine(x, z), c, 1e-9);
    const double got = sketch_test_cosine(count_sketch({x}, dims), count_sketch({z}, dims));
    EXPECT_NEAR(got, c, 0.03) << "cosine " << c;
  }
  // A long vector's norm is kept too (the squared norm's relative error sd is about sqrt(2 / dims)).
  EXPECT_NEAR(count_sketch({x}, dims).norm().item<double>() / x.norm().item<double>(), 1.0, 0.03);
}

TEST(GradSketch, ExactWhereTheGradientIsShort) {
  auto a = torch::tensor({1.0f, -2.0f}), b = torch::tensor({{3.0f}, {4.0f}});
  for (int64_t dims : {0, 4, 100}) {
    auto v = gradient_direction_vector({a, b}, dims);
    ASSERT_EQ(v.scalar_type(), torch::kFloat64);
    ASSERT_EQ(v.numel(), 4) << "dims " << dims;
    EXPECT_TRUE(torch::equal(v, torch::tensor({1.0, -2.0, 3.0, 4.0}))) << "dims " << dims;
    EXPECT_EQ(gradient_direction_length(4, dims), 4);
  }
  EXPECT_EQ(gradient_direction_vector({a, b}, 3).numel(), 3);
  EXPECT_EQ(gradient_direction_length(4, 3), 3);
  EXPECT_TRUE(torch::equal(gradient_direction_vector({a, b}, 3), count_sketch({a, b}, 3)));
}
