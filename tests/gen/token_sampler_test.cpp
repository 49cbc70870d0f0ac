// Tests of the decoding loop's sampler (gen::TokenSampler, gen::inverse_cdf) against the previous
// sampler, kept here as the reference: filtered_probs, then a float64 cumsum over the row and
// the count of cumulative values <= u * total. Same uniforms must give the same ids, hence the
// same sampled-token frequencies on a fixed logit table; log-probs equal log_softmax's.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "laser/core/error.h"
#include "laser/gen/sampling.h"

using namespace laser;

namespace {

// The sampler before TokenSampler (commit 9657db9's sample_from_probs): probs (B,V), u (B) -> ids (B).
torch::Tensor old_sample_from_probs(const torch::Tensor& probs, const std::vector<double>& u) {
  auto cdf = probs.to(torch::kFloat64).cumsum(1);  // (B,V)
  auto total = cdf.narrow(1, cdf.size(1) - 1, 1);  // (B,1)
  auto ut = torch::tensor(u, torch::TensorOptions().dtype(torch::kFloat64)).view({-1, 1});
  auto x = torch::minimum(ut * total, total * (1.0 - 1e-15));
  return (cdf <= x).sum(1).clamp_max(cdf.size(1) - 1);
}

// Old path of sample_tokens: logits (B,V) -> ids (B).
std::vector<int64_t> old_sample(const torch::Tensor& logits, const gen::SamplingParams& p, std::vector<Rng>& rngs) {
  std::vector<int64_t> out;
  if (p.temperature <= 0) {
    auto a = logits.argmax(1);
    for (int64_t b = 0; b < a.size(0); ++b) out.push_back(a[b].item<int64_t>());
    return out;
  }
  std::vector<double> u;
  for (auto& r : rngs) u.push_back(r.uniform());
  auto ids = old_sample_from_probs(gen::filtered_probs(logits, p.temperature, p.top_k, p.top_p), u);
  for (int64_t b = 0; b < ids.size(0); ++b) out.push_back(ids[b].item<int64_t>());
  return out;
}

// A fixed logit table (B,V): seeded uniform logits in [-2,2), token 3 at -inf in every row, one at -80.
torch::Tensor logit_table(int64_t B, int64_t V, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(B * V));
  for (auto& x : v) x = static_cast<float>(4.0 * (rng.uniform() - 0.5));
  for (int64_t b = 0; b < B; ++b) v[static_cast<size_t>(b * V + 3)] = -std::numeric_limits<float>::infinity();  // token 3: never
  v[static_cast<size_t>(V + 1)] = -80.0f;
  return torch::tensor(v).view({B, V});
}

}  // namespace

TEST(TokenSampler, InverseCdfEqualsTheFloat64CumsumOnEveryDraw) {
  auto probs = torch::softmax(logit_table(4, 300, 1), 1);  // (4,300)
  probs.select(0, 2).narrow(0, 10, 50).zero_();            // zero-mass stretch inside a row
  auto pc = probs.contiguous();
  Rng rng(2);
  int64_t differ = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<double> u(4);
    for (auto& x : u) x = rng.uniform();
    if (i == 0) u = {0.0, 1.0 - 1e-17, 0.5, std::nextafter(1.0, 0.0)};
    auto old = old_sample_from_probs(pc, u);
    for (int64_t b = 0; b < 4; ++b) {
      int64_t id = gen::inverse_cdf(pc.data_ptr<float>() + b * 300, 300, u[b]);
      differ += id != old[b].item<int64_t>();
      EXPECT_GT(pc[b][id].item<float>(), 0.0f);
    }
  }
  EXPECT_EQ(differ, 0);
  EXPECT_TRUE(gen::sample_from_probs(pc, {0.1, 0.2, 0.3, 0.4}).equal(old_sample_from_probs(pc, {0.1, 0.2, 0.3, 0.4})));
}

TEST(TokenSampler, SameIdsAndFrequenciesAsTheOldSamplerAndLogSoftmaxLogprobs) {
  // Fixed table of 6 rows over 40 tokens; 3000 steps per setting, the batch shrinking like a
  // decoding batch whose rows finish. Per-token frequencies of old and new must be equal (they
  // draw the same ids from the same uniforms), and must differ between two settings (the
  // comparison has power).
  auto table = logit_table(6, 40, 3);
  std::vector<gen::SamplingParams> settings(5);
  settings[0].temperature = 0.8;
  settings[1].temperature = 1.0;
  settings[2].temperature = 1.0, settings[2].top_k = 5;
  settings[3].temperature = 0.7, settings[3].top_p = 0.9;
  settings[4].temperature = 0.0;
  std::vector<std::vector<int>> freq_new(settings.size(), std::vector<int>(40, 0));
  for (size_t si = 0; si < settings.size(); ++si) {
    const auto& p = settings[si];
    gen::TokenSampler sampler(p);
    std::vector<Rng> ra, rb;
    for (int b = 0; b < 6; ++b) ra.emplace_back(100 + b), rb.emplace_back(100 + b);
    std::vector<int> freq_old(40, 0);
    std::vector<int64_t> ids;
    std::vector<float> lps;
    for (int step = 0; step < 3000; ++step) {
      int64_t B = 6 - (step / 600);  // 6, 5, 4, 3, 2 rows
      auto logits = table.narrow(0, 0, B).contiguous();
      std::vector<Rng> rold(ra.begin(), ra.begin() + B);
      auto old = old_sample(logits, p, rold);
      std::copy(rold.begin(), rold.end(), ra.begin());
      std::vector<Rng*> rr;
      for (int64_t b = 0; b < B; ++b) rr.push_back(&rb[b]);
      sampler.sample(logits, rr, ids, lps);
      ASSERT_EQ(static_cast<int64_t>(ids.size()), B);
      auto lsm = torch::log_softmax(logits, 1);
      for (int64_t b = 0; b < B; ++b) {
        freq_old[old[b]]++;
        freq_new[si][ids[b]]++;
        ASSERT_FLOAT_EQ(lps[b], lsm[b][ids[b]].item<float>()) << si << " " << step << " " << b;
      }
    }
    EXPECT_EQ(freq_new[si], freq_old) << "setting " << si;
  }
  EXPECT_NE(freq_new[0], freq_new[1]);
  // Greedy: only each row's argmax.
  int greedy_tokens = 0;
  for (int c : freq_new[4]) greedy_tokens += c > 0;
  EXPECT_LE(greedy_tokens, 6);
  // top-k 5 over 6 rows: at most 30 distinct tokens, and a -inf logit never drawn.
  EXPECT_EQ(freq_new[2][3], 0);
  EXPECT_EQ(freq_new[0][3], 0);
}

TEST(TokenSampler, RejectsMismatchedRows) {
  gen::SamplingParams p;
  gen::TokenSampler s(p);
  Rng r(1);
  std::vector<Rng*> one{&r};
  std::vector<int64_t> ids;
  std::vector<float> lps;
  EXPECT_THROW(s.sample(torch::zeros({2, 5}), one, ids, lps), Error);
  EXPECT_THROW(s.sample(torch::zeros({5}), one, ids, lps), Error);
}
