// Known answers for the preference losses on fixed log-probs (values computed by hand from the
// formulas in Rafailov et al., Azar et al., Meng et al.), and log 2 when policy == reference.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/train/losses.h"

using namespace laser::train;

namespace {
LossInputs fixed() {
  LossInputs in;
  in.policy_chosen = torch::tensor({-10.0f});
  in.policy_rejected = torch::tensor({-12.0f});
  in.reference_chosen = torch::tensor({-11.0f});
  in.reference_rejected = torch::tensor({-11.0f});
  in.chosen_tokens = torch::tensor({5.0f});
  in.rejected_tokens = torch::tensor({4.0f});
  in.chosen_nll = torch::tensor({2.0f});
  return in;
}
LossConfig dpo_only(const std::string& type) {
  LossConfig c;
  c.type = type;
  c.nll_weight = 0;
  return c;
}
}  // namespace

TEST(Losses, SigmoidKnownAnswerAndMetrics) {
  auto out = preference_loss(fixed(), dpo_only("sigmoid"));
  EXPECT_NEAR(out.loss.item<double>(), 0.5981388693815918, 1e-6);
  EXPECT_NEAR(out.metrics["rewards/chosen"], 0.1, 1e-6);
  EXPECT_NEAR(out.metrics["rewards/rejected"], -0.1, 1e-6);
  EXPECT_NEAR(out.metrics["rewards/margins"], 0.2, 1e-6);
  EXPECT_EQ(out.metrics["rewards/accuracies"], 1.0);
  EXPECT_EQ(out.metrics["logps/chosen"], -10.0);
  EXPECT_EQ(out.metrics["logps/rejected"], -12.0);
}

TEST(Losses, SigmoidGradientKnownAnswer) {
  auto in = fixed();
  in.policy_chosen.set_requires_grad(true);
  auto out = preference_loss(in, dpo_only("sigmoid"));
  out.loss.backward();
  // d/dpc -log sigmoid(beta*z) = -beta * sigmoid(-beta*z), z = 2
  EXPECT_NEAR(in.policy_chosen.grad().item<double>(), -0.04501660026875222, 1e-7);
}

TEST(Losses, ExactlyLog2WhenPolicyEqualsReference) {
  LossInputs in;
  in.policy_chosen = torch::tensor({-3.5f, -20.0f, -7.25f});
  in.policy_rejected = torch::tensor({-4.0f, -1.0f, -9.0f});
  in.reference_chosen = in.policy_chosen.clone();
  in.reference_rejected = in.policy_rejected.clone();
  in.chosen_tokens = in.rejected_tokens = torch::ones({3});
  auto out = preference_loss(in, dpo_only("sigmoid"));
  EXPECT_FLOAT_EQ(static_cast<float>(out.loss.item<double>()), static_cast<float>(std::log(2.0)));
  EXPECT_EQ(out.metrics["rewards/margins"], 0.0);
  EXPECT_EQ(out.metrics["rewards/accuracies"], 0.0);
}

TEST(Losses, IpoHingeSimpoKnownAnswers) {
  EXPECT_NEAR(preference_loss(fixed(), dpo_only("ipo")).loss.item<double>(), 9.0, 1e-5);   // (2 - 1/0.2)^2
  EXPECT_NEAR(preference_loss(fixed(), dpo_only("hinge")).loss.item<double>(), 0.8, 1e-6); // relu(1 - 0.2)
  auto s = preference_loss(fixed(), dpo_only("simpo"));  // -log sigmoid(-0.2 + 0.3 - 0.5)
  EXPECT_NEAR(s.loss.item<double>(), 0.9130152523999526, 1e-6);
  EXPECT_NEAR(s.metrics["rewards/chosen"], -0.2, 1e-6);
}

TEST(Losses, LabelSmoothingAndNllCombination) {
  auto c = dpo_only("sigmoid");
  c.label_smoothing = 0.1;
  EXPECT_NEAR(preference_loss(fixed(), c).loss.item<double>(), 0.6181388693815918, 1e-6);
  LossConfig both;  // DPO + NLL, weights 1 and 1 (METHOD default)
  auto out = preference_loss(fixed(), both);
  EXPECT_NEAR(out.loss.item<double>(), 0.5981388693815918 + 2.0, 1e-6);
  EXPECT_NEAR(out.metrics["nll"], 2.0, 1e-6);
  EXPECT_NEAR(out.metrics["dpo"], 0.5981388693815918, 1e-6);
  both.nll_weight = 0.5;
  both.dpo_weight = 2.0;
  EXPECT_NEAR(preference_loss(fixed(), both).loss.item<double>(), 2 * 0.5981388693815918 + 1.0, 1e-6);
}

TEST(Losses, ConfigValidation) {
  LossConfig c;
  c.type = "kto";
  EXPECT_THROW(c.validate("loss"), laser::Error);
  c.type = "sigmoid";
  c.beta = 0;
  EXPECT_THROW(c.validate("loss"), laser::Error);
  c.beta = 0.1;
  EXPECT_NO_THROW(c.validate("loss"));
}
