// Tests of the token sampler: exact support of top-k / top-p on fixed logits, temperature,
// greedy, seeded reproducibility, and a chi-square goodness-of-fit of sampled frequencies against
// the filtered distribution computed independently in double precision.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/gen/sampling.h"

using namespace laser;

namespace {

std::vector<int64_t> support(const torch::Tensor& probs) {
  std::vector<int64_t> s;
  for (int64_t i = 0; i < probs.size(0); ++i)
    if (probs[i].item<float>() > 0) s.push_back(i);
  return s;
}

torch::Tensor logits_of(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return torch::tensor(l);
}

}  // namespace

TEST(Sampling, TopKKeepsExactlyTheKLargest) {
  auto logits = torch::tensor({1.0f, 3.0f, 2.0f, 5.0f, 4.0f, -1.0f});
  auto p = gen::filtered_probs(logits, 1.0, 2, 1.0);
  EXPECT_EQ(support(p), (std::vector<int64_t>{3, 4}));
  double z = std::exp(5.0) + std::exp(4.0);
  EXPECT_NEAR(p[3].item<double>(), std::exp(5.0) / z, 1e-6);
  EXPECT_NEAR(p[4].item<double>(), std::exp(4.0) / z, 1e-6);
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 4, 1.0)), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 0, 1.0)).size(), 6u);   // off
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 99, 1.0)).size(), 6u);  // k >= V
}

TEST(Sampling, TopPKeepsTheSmallestPrefixReachingP) {
  // probabilities 0.1, 0.5, 0.15, 0.25 (sorted: 0.5 0.25 0.15 0.1; cumulative 0.5 0.75 0.9 1.0)
  auto logits = logits_of({0.1, 0.5, 0.15, 0.25});
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 0, 0.4)), (std::vector<int64_t>{1}));
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 0, 0.6)), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 0, 0.8)), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 0, 0.95)), (std::vector<int64_t>{0, 1, 2, 3}));
  auto p = gen::filtered_probs(logits, 1.0, 0, 0.8);
  EXPECT_NEAR(p[1].item<double>(), 0.5 / 0.9, 1e-6);
  EXPECT_NEAR(p[2].item<double>(), 0.15 / 0.9, 1e-6);
  EXPECT_NEAR(p.sum().item<double>(), 1.0, 1e-6);
  // Even a tiny p keeps the most likely token.
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 0, 1e-6)), (std::vector<int64_t>{1}));
  // top-k first (keeps 0.5, 0.25, 0.15 renormalized to 0.556 0.278 0.167), then top-p 0.8.
  EXPECT_EQ(support(gen::filtered_probs(logits, 1.0, 3, 0.8)), (std::vector<int64_t>{1, 3}));
}

TEST(Sampling, TemperatureAndGreedy) {
  auto logits = torch::tensor({0.5f, 2.0f, -1.0f, 1.0f});
  auto p = gen::filtered_probs(logits, 0.5, 0, 1.0);
  std::vector<double> e;
  double z = 0;
  for (double l : {0.5, 2.0, -1.0, 1.0}) { e.push_back(std::exp(l / 0.5)); z += e.back(); }
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(p[i].item<double>(), e[i] / z, 1e-6);
  auto g = gen::filtered_probs(logits, 0.0, 0, 1.0);
  EXPECT_EQ(support(g), (std::vector<int64_t>{1}));
  EXPECT_FLOAT_EQ(g[1].item<float>(), 1.0f);
  gen::SamplingParams sp;
  sp.temperature = 0;
  Rng rng(1);
  EXPECT_EQ(gen::sample_token(logits, sp, rng), 1);
  // Batched rows are filtered independently.
  auto two = torch::stack({logits, -logits});
  auto pb = gen::filtered_probs(two, 1.0, 1, 1.0);
  EXPECT_EQ(support(pb[0]), (std::vector<int64_t>{1}));
  EXPECT_EQ(support(pb[1]), (std::vector<int64_t>{2}));
}

TEST(Sampling, FixedSeedIsReproducible) {
  auto logits = torch::randn({50}, torch::TensorOptions().dtype(torch::kFloat32));
  gen::SamplingParams sp;
  sp.temperature = 1.0;
  auto draw = [&](uint64_t seed) {
    Rng rng(seed);
    std::vector<int64_t> v;
    for (int i = 0; i < 200; ++i) v.push_back(gen::sample_token(logits, sp, rng));
    return v;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

TEST(Sampling, NeverReturnsAZeroProbabilityToken) {
  auto probs = torch::tensor({0.0f, 0.3f, 0.0f, 0.7f, 0.0f}).view({1, 5});
  for (double u : {0.0, 0.29999, 0.3, 0.5, 0.9999999, 1.0 - 1e-17}) {
    int64_t id = gen::sample_from_probs(probs, {u}).item<int64_t>();
    EXPECT_TRUE(id == 1 || id == 3) << u;
  }
  EXPECT_EQ(gen::sample_from_probs(probs, {0.1}).item<int64_t>(), 1);
  EXPECT_EQ(gen::sample_from_probs(probs, {0.31}).item<int64_t>(), 3);
}

TEST(Sampling, SampledFrequenciesMatchTheDistributionChiSquare) {
  // Logits over 6 tokens, temperature 0.7, top-k 5 (drops token 5): expected probabilities
  // computed here in double, then 40000 seeded draws. Chi-square with 4 degrees of freedom must
  // stay below 18.47 (p = 0.001); a zero-probability token must never appear.
  std::vector<double> l = {1.0, 0.2, -0.5, 1.5, 0.7, -2.0};
  double T = 0.7;
  std::vector<double> e(6, 0.0);
  double z = 0;
  for (int i = 0; i < 5; ++i) {  // the five largest logits are tokens 0..4; token 5 (-2.0) is dropped
    e[i] = std::exp(l[i] / T);
    z += e[i];
  }
  for (auto& x : e) x /= z;
  std::vector<float> lf(l.begin(), l.end());
  auto logits = torch::tensor(lf);
  gen::SamplingParams sp;
  sp.temperature = T;
  sp.top_k = 5;
  const int N = 40000;
  std::vector<int> count(6, 0);
  Rng rng(12345);
  // Draw in batches of rows through the batched path as generation does.
  std::vector<Rng*> rr(100, &rng);
  auto batch = logits.view({1, -1}).expand({100, 6}).contiguous();
  for (int i = 0; i < N / 100; ++i) {
    auto ids = gen::sample_tokens(batch, sp, rr);
    for (int64_t b = 0; b < 100; ++b) count[ids[b].item<int64_t>()]++;
  }
  EXPECT_EQ(count[5], 0);
  double chi2 = 0;
  for (int i = 0; i < 5; ++i) chi2 += std::pow(count[i] - N * e[i], 2) / (N * e[i]);
  EXPECT_LT(chi2, 18.47) << "counts " << count[0] << " " << count[1] << " " << count[2] << " " << count[3] << " " << count[4];
  // The same test must fail for a wrong distribution (temperature 1 instead of 0.7): the check has power.
  double chi2_wrong = 0, zw = 0;
  std::vector<double> w(5);
  for (int i = 0; i < 5; ++i) { w[i] = std::exp(l[i]); zw += w[i]; }
  for (int i = 0; i < 5; ++i) chi2_wrong += std::pow(count[i] - N * w[i] / zw, 2) / (N * w[i] / zw);
  EXPECT_GT(chi2_wrong, 18.47);
}

TEST(Sampling, ValidateRejectsBadParameters) {
  gen::SamplingParams p;
  EXPECT_NO_THROW(p.validate("sampling"));
  auto bad = p;
  bad.n = 0;
  EXPECT_THROW(bad.validate("sampling"), Error);
  bad = p;
  bad.top_p = 0;
  EXPECT_THROW(bad.validate("sampling"), Error);
  bad = p;
  bad.temperature = -1;
  EXPECT_THROW(bad.validate("sampling"), Error);
  bad = p;
  bad.top_k = -2;
  EXPECT_THROW(bad.validate("sampling"), Error);
  bad = p;
  bad.max_new_tokens = 0;
  EXPECT_THROW(bad.validate("sampling"), Error);
  bad = p;
  bad.stop_strings = {""};
  EXPECT_THROW(bad.validate("sampling"), Error);
}
