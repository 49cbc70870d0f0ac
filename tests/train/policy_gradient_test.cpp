// Known answers for GRPO and RLOO (policy_gradient.h) on a fixed hand-built batch: advantages under
// each scale_rewards, the clipped surrogate with the clip active and inactive, the k3 KL on and off,
// each loss aggregation, chunked batches, and RLOO's KL-shaped rewards. Values worked out by hand
// from TRL's formulas (GRPOTrainer._compute_loss, RLOOTrainer).
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/train/policy_gradient.h"

using namespace laser::train;

namespace {
// Two sequences: seq 0 has tokens 0 and 1, seq 1 has token 2; advantages 1 and -0.5.
// Ratios exp(logp - old): 1, exp(0.3) = 1.3499 (> 1.2, A > 0: clipped high), exp(-0.3) = 0.7408 (< 0.8, A < 0: clipped low).
PolicyGradientInputs pg_batch(bool with_old) {
  PolicyGradientInputs in;
  in.logp = torch::tensor({-1.0f, -2.0f, -0.5f}).requires_grad_(true);
  if (with_old) in.old_logp = torch::tensor({-1.0f, -2.3f, -0.2f});
  in.ref_logp = torch::tensor({-1.5f, -2.0f, 0.0f});
  in.seq = torch::tensor({0, 0, 1}, torch::kLong);
  in.advantages = torch::tensor({1.0f, -0.5f});
  return in;
}
PolicyGradientConfig grpo(const std::string& agg, double beta = 0.0) {
  PolicyGradientConfig c;
  c.algorithm = "grpo";
  c.loss_aggregation = agg;
  c.kl_beta = beta;
  c.max_completion_length = 4;
  return c;
}
double v(const torch::Tensor& t) { return t.item<double>(); }
}  // namespace

TEST(PolicyGradient, GrpoAdvantagesEachScale) {
  auto r = torch::tensor({1.0, 2.0, 3.0, 0.0, 0.0, 0.0}).view({2, 3});
  auto g = grpo_advantages(r, "group");  // group 1: mean 2, std 1; group 2: std 0 -> 0
  EXPECT_NEAR(v(g[0][0]), -1 / 1.0001, 1e-12);
  EXPECT_NEAR(v(g[0][1]), 0.0, 1e-12);
  EXPECT_NEAR(v(g[0][2]), 1 / 1.0001, 1e-12);
  EXPECT_EQ(v(g[1].abs().sum()), 0.0);
  auto b = grpo_advantages(r, "batch");  // batch std: sqrt(8/5)
  EXPECT_NEAR(v(b[0][2]), 1 / (std::sqrt(1.6) + 1e-4), 1e-12);
  auto n = grpo_advantages(r, "none");
  EXPECT_NEAR(v(n[0][0]), -1.0, 1e-12);
  EXPECT_NEAR(v(n[0][2]), 1.0, 1e-12);
  EXPECT_THROW(grpo_advantages(torch::ones({2, 1}), "group"), laser::Error);
}

TEST(PolicyGradient, RlooLeaveOneOutBaseline) {
  auto a = rloo_advantages(torch::tensor({1.0, 2.0, 3.0, 4.0, 4.0, 4.0}).view({2, 3}));
  EXPECT_NEAR(v(a[0][0]), 1 - 2.5, 1e-12);  // baseline (6 - 1) / 2
  EXPECT_NEAR(v(a[0][1]), 0.0, 1e-12);
  EXPECT_NEAR(v(a[0][2]), 3 - 1.5, 1e-12);
  EXPECT_EQ(v(a[1].abs().sum()), 0.0);
}

TEST(PolicyGradient, GrpoClipActiveEachAggregation) {
  // Per-token losses: -1 (ratio 1), -min(1.3499, 1.2) = -1.2, -min(-0.3704, -0.4) = 0.4.
  auto in = pg_batch(true);
  EXPECT_NEAR(v(grpo_loss(in, grpo("grpo")).loss), (-1.1 + 0.4) / 2, 1e-6);  // mean per sequence, then mean
  EXPECT_NEAR(v(grpo_loss(in, grpo("dapo")).loss), -1.8 / 3, 1e-6);          // sum / tokens
  EXPECT_NEAR(v(grpo_loss(in, grpo("dr_grpo")).loss), -1.8 / (2 * 4), 1e-6); // sum / (B * max length)
  auto out = grpo_loss(in, grpo("dapo"));
  EXPECT_NEAR(out.metrics["clip_ratio/low_mean"], 1.0 / 3, 1e-12);
  EXPECT_NEAR(out.metrics["clip_ratio/high_mean"], 1.0 / 3, 1e-12);
  EXPECT_NEAR(out.metrics["clip_ratio/region_mean"], 2.0 / 3, 1e-12);
  EXPECT_EQ(out.metrics.count("kl"), 0u);  // KL off
  // Clipped tokens carry no gradient; the unclipped one gets -A / 3.
  out.loss.backward();
  auto gr = in.logp.grad();
  EXPECT_NEAR(v(gr[0]), -1.0 / 3, 1e-6);
  EXPECT_EQ(v(gr[1]), 0.0);
  EXPECT_EQ(v(gr[2]), 0.0);
}

TEST(PolicyGradient, GrpoClipInactiveOnThePessimisticSide) {
  // Ratios past the clip range with the advantage's sign against them stay unclipped.
  auto in = pg_batch(true);
  in.advantages = torch::tensor({-1.0f, 0.5f});
  auto out = grpo_loss(in, grpo("dapo"));
  // Per token: 1, -min(-1.3499, -1.2) = 1.3499, -min(0.3704, 0.4) = -0.3704.
  EXPECT_NEAR(v(out.loss), (1 + std::exp(0.3) - 0.5 * std::exp(-0.3)) / 3, 1e-6);
  EXPECT_EQ(out.metrics["clip_ratio/region_mean"], 0.0);
  out.loss.backward();
  EXPECT_NEAR(v(in.logp.grad()[1]), std::exp(0.3) / 3, 1e-6);  // d/dlogp of rho * (-A) / 3
}

TEST(PolicyGradient, GrpoOnPolicyIsReinforceWithRatioOne) {
  auto in = pg_batch(false);  // old = logp.detach(): every ratio is 1
  auto out = grpo_loss(in, grpo("dapo"));
  EXPECT_NEAR(v(out.loss), (-1 - 1 + 0.5) / 3, 1e-6);
  EXPECT_EQ(out.metrics["clip_ratio/region_mean"], 0.0);
  out.loss.backward();
  EXPECT_NEAR(v(in.logp.grad()[2]), 0.5 / 3, 1e-6);
}

TEST(PolicyGradient, GrpoKlOnAddsK3) {
  // ref - logp = -0.5, 0, 0.5 -> k3 = e^-0.5 - 0.5, 0, e^0.5 - 1.5.
  const double k0 = std::exp(-0.5) - 0.5, k2 = std::exp(0.5) - 1.5;
  auto out = grpo_loss(pg_batch(true), grpo("dapo", 0.1));
  EXPECT_NEAR(v(out.loss), (-1.8 + 0.1 * (k0 + k2)) / 3, 1e-6);
  EXPECT_NEAR(out.metrics["kl"], (k0 + k2) / 3, 1e-6);
  auto g = grpo_loss(pg_batch(true), grpo("grpo", 0.1));
  EXPECT_NEAR(v(g.loss), ((-2.2 + 0.1 * k0) / 2 + (0.4 + 0.1 * k2)) / 2, 1e-6);
}

TEST(PolicyGradient, ChunksSumToTheBatchLoss) {
  for (std::string agg : {"grpo", "dapo", "dr_grpo"}) {
    auto full = v(grpo_loss(pg_batch(true), grpo(agg, 0.1)).loss);
    auto b = pg_batch(true);
    PolicyGradientInputs c0, c1;
    c0.logp = b.logp.narrow(0, 0, 2); c0.old_logp = b.old_logp.narrow(0, 0, 2); c0.ref_logp = b.ref_logp.narrow(0, 0, 2);
    c0.seq = torch::tensor({0, 0}, torch::kLong); c0.advantages = b.advantages.narrow(0, 0, 1);
    c1.logp = b.logp.narrow(0, 2, 1); c1.old_logp = b.old_logp.narrow(0, 2, 1); c1.ref_logp = b.ref_logp.narrow(0, 2, 1);
    c1.seq = torch::tensor({0}, torch::kLong); c1.advantages = b.advantages.narrow(0, 1, 1);
    for (auto* c : {&c0, &c1}) { c->batch_sequences = 2; c->batch_tokens = 3; }
    EXPECT_NEAR(v(grpo_loss(c0, grpo(agg, 0.1)).loss) + v(grpo_loss(c1, grpo(agg, 0.1)).loss), full, 1e-6) << agg;
  }
}

TEST(PolicyGradient, RlooSequenceLevelClipAndKlRewards) {
  // Sequence log-ratios 0.3 and -0.3: -min(1.3499, 1.2) = -1.2 and -min(-0.3704, -0.4) = 0.4.
  PolicyGradientConfig c;
  c.algorithm = "rloo";
  auto in = pg_batch(true);
  auto out = rloo_loss(in, c);
  EXPECT_NEAR(v(out.loss), (-1.2 + 0.4) / 2, 1e-6);
  EXPECT_NEAR(out.metrics["clip_ratio/region_mean"], 1.0, 1e-12);
  auto on = rloo_loss(pg_batch(false), c);  // ratio 1: REINFORCE, -mean(A)
  EXPECT_NEAR(v(on.loss), -(1.0 - 0.5) / 2, 1e-6);
  // KL in the reward: sum over each sequence of old - ref = 0.5 - 0.3 = 0.2 and -0.2.
  auto r = rloo_kl_rewards(torch::tensor({1.0, 2.0}), in.old_logp, in.ref_logp, in.seq, 0.1);
  EXPECT_NEAR(v(r[0]), 0.98, 1e-6);
  EXPECT_NEAR(v(r[1]), 2.02, 1e-6);
  EXPECT_NEAR(v(rloo_kl_rewards(torch::tensor({1.0, 2.0}), in.old_logp, in.ref_logp, in.seq, 0.0)[1]), 2.0, 0);
}

TEST(PolicyGradient, ConfigRefusesBadValues) {
  PolicyGradientConfig c;
  c.algorithm = "ppo";
  EXPECT_THROW(c.validate("[train]"), laser::Error);
  c = grpo("dr_grpo");
  c.max_completion_length = 0;
  EXPECT_THROW(c.validate("[train]"), laser::Error);
  c = grpo("dapo");
  c.epsilon_low = 1.0;
  EXPECT_THROW(c.validate("[train]"), laser::Error);
  c = grpo("dapo");
  EXPECT_NO_THROW(c.validate("[train]"));
}
