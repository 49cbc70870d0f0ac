// GRPO and RLOO losses and advantages (see policy_gradient.h). Written out from TRL's GRPOTrainer
// (_compute_loss: coef_1, coef_2, per_token_kl = exp(ref - logp) - (ref - logp) - 1, loss_type) and
// RLOOTrainer (baseline = (sum - r_i) / (k - 1), rlhf_reward = score - beta * sum kl).
#include "laser/train/policy_gradient.h"

#include "laser/core/error.h"

namespace laser::train {

void PolicyGradientConfig::validate(const std::string& w) const {
  LASER_CHECK(algorithm == "dpo" || algorithm == "grpo" || algorithm == "rloo", w + ".algorithm", "unknown algorithm '" + algorithm + "'",
              "use dpo, grpo or rloo");
  LASER_CHECK(scale_rewards == "group" || scale_rewards == "batch" || scale_rewards == "none", w + ".scale_rewards",
              "unknown scale_rewards '" + scale_rewards + "'", "use group, batch or none");
  LASER_CHECK(loss_aggregation == "grpo" || loss_aggregation == "dr_grpo" || loss_aggregation == "dapo", w + ".loss_aggregation",
              "unknown loss_aggregation '" + loss_aggregation + "'", "use grpo, dr_grpo or dapo");
  LASER_CHECK(epsilon_low >= 0 && epsilon_low < 1 && epsilon_high >= 0, w + ".epsilon_low",
              "clip range must satisfy 0 <= epsilon_low < 1 and epsilon_high >= 0", "TRL uses 0.2 for both");
  LASER_CHECK(kl_beta >= 0, w + ".kl_beta", "kl_beta must be >= 0", "use 0 (off) or 0.04");
  LASER_CHECK(num_iterations >= 1, w + ".num_iterations", "num_iterations must be >= 1", "use 1 (on-policy)");
  if (!enabled()) return;
  LASER_CHECK(temperature > 0, w + ".temperature", "log-prob temperature must be positive", "use the sampling temperature");
  LASER_CHECK(loss_aggregation != "dr_grpo" || max_completion_length > 0, w + ".loss_aggregation",
              "dr_grpo needs the maximum completion length", "set generation.max_new_tokens");
}

torch::Tensor grpo_advantages(const torch::Tensor& rewards, const std::string& scale) {
  LASER_CHECK(rewards.dim() == 2 && rewards.size(1) >= 2, "grpo_advantages", "rewards must be (G,n) with n >= 2",
              "sample at least 2 responses per prompt (generation.n)");
  auto r = rewards.to(torch::kFloat64);                    // (G,n)
  auto a = r - r.mean(1, true);                            // (G,n)
  if (scale == "group") a = a / (r.std(1, true, true) + 1e-4);
  else if (scale == "batch") a = a / (r.std() + 1e-4);
  return a;
}

torch::Tensor rloo_advantages(const torch::Tensor& rewards) {
  LASER_CHECK(rewards.dim() == 2 && rewards.size(1) >= 2, "rloo_advantages", "rewards must be (G,n) with n >= 2",
              "sample at least 2 responses per prompt (generation.n)");
  auto r = rewards.to(torch::kFloat64);                                          // (G,n)
  auto baseline = (r.sum(1, true) - r) / static_cast<double>(r.size(1) - 1);     // (G,n)
  return r - baseline;
}

torch::Tensor rloo_kl_rewards(const torch::Tensor& rewards, const torch::Tensor& old_logp, const torch::Tensor& ref_logp,
                              const torch::Tensor& seq, double kl_beta) {
  auto r = rewards.to(torch::kFloat64);  // (N)
  if (kl_beta == 0) return r;
  auto kl = torch::zeros_like(r).index_add(0, seq, (old_logp - ref_logp).detach().to(torch::kFloat64));  // (N)
  return r - kl_beta * kl;
}

namespace {
double d(const torch::Tensor& t) { return t.detach().to(torch::kFloat64).item<double>(); }

void check_inputs(const PolicyGradientInputs& in) {
  LASER_CHECK(in.logp.dim() == 1 && in.seq.sizes() == in.logp.sizes(), "policy_gradient_loss", "logp and seq must be (Ntok) and equal in size",
              "pass one entry per response token");
  LASER_CHECK(!in.old_logp.defined() || in.old_logp.sizes() == in.logp.sizes(), "policy_gradient_loss", "old_logp must be (Ntok)",
              "pass the sampling policy's per-token log-probs, or none");
  LASER_CHECK(in.advantages.dim() == 1 && in.advantages.size(0) > 0, "policy_gradient_loss", "advantages must be (N), N > 0",
              "pass one advantage per sequence");
}

// TRL's clip_ratio metrics: the share of ratios clipped below (negative advantage) or above
// (positive advantage) the trust region, and of either. coef1, adv: the same shape (tokens or
// sequences).
void add_clip_metrics(const torch::Tensor& coef1, const torch::Tensor& adv, const PolicyGradientConfig& cfg,
                      std::map<std::string, double>& metrics) {
  auto low = (coef1 < 1 - cfg.epsilon_low) & (adv < 0);
  auto high = (coef1 > 1 + cfg.epsilon_high) & (adv > 0);
  metrics["clip_ratio/low_mean"] = d(low.to(torch::kFloat64).mean());
  metrics["clip_ratio/high_mean"] = d(high.to(torch::kFloat64).mean());
  metrics["clip_ratio/region_mean"] = d((low | high).to(torch::kFloat64).mean());
}
}  // namespace

PolicyGradientOutput grpo_loss(const PolicyGradientInputs& in, const PolicyGradientConfig& cfg) {
  check_inputs(in);
  const int64_t N = in.advantages.size(0);
  const double n_seq = in.batch_sequences > 0 ? in.batch_sequences : static_cast<double>(N);
  const double n_tok = in.batch_tokens > 0 ? in.batch_tokens : static_cast<double>(in.logp.size(0));
  auto old = in.old_logp.defined() ? in.old_logp.detach() : in.logp.detach();     // (Ntok)
  auto adv = in.advantages.to(in.logp.scalar_type()).index_select(0, in.seq);     // (Ntok)
  auto coef1 = torch::exp(in.logp - old);                                         // (Ntok)
  auto coef2 = torch::clamp(coef1, 1 - cfg.epsilon_low, 1 + cfg.epsilon_high);    // (Ntok)
  auto per_token = -torch::min(coef1 * adv, coef2 * adv);                          // (Ntok)
  PolicyGradientOutput out;
  if (cfg.kl_beta > 0) {
    LASER_CHECK(in.ref_logp.defined() && in.ref_logp.sizes() == in.logp.sizes(), "grpo_loss", "kl_beta > 0 needs ref_logp (Ntok)",
                "pass the reference's per-token log-probs");
    auto diff = in.ref_logp.detach() - in.logp;                                    // (Ntok)
    auto kl = torch::exp(diff) - diff - 1;                                         // (Ntok) k3
    per_token = per_token + cfg.kl_beta * kl;
    out.metrics["kl"] = d(kl.mean());
  }
  if (cfg.loss_aggregation == "grpo") {
    auto lens = torch::zeros({N}, per_token.options()).index_add(0, in.seq, torch::ones_like(per_token));  // (N)
    auto per_seq = torch::zeros({N}, per_token.options()).index_add(0, in.seq, per_token);              // (N)
    out.loss = (per_seq / lens.clamp_min(1.0)).sum() / n_seq;
  } else if (cfg.loss_aggregation == "dr_grpo") {
    out.loss = per_token.sum() / (n_seq * static_cast<double>(cfg.max_completion_length));
  } else {  // dapo
    out.loss = per_token.sum() / n_tok;
  }
  add_clip_metrics(coef1, adv, cfg, out.metrics);
  return out;
}

PolicyGradientOutput rloo_loss(const PolicyGradientInputs& in, const PolicyGradientConfig& cfg) {
  check_inputs(in);
  const int64_t N = in.advantages.size(0);
  const double n_seq = in.batch_sequences > 0 ? in.batch_sequences : static_cast<double>(N);
  auto old = in.old_logp.defined() ? in.old_logp.detach() : in.logp.detach();               // (Ntok)
  auto log_ratio = torch::zeros({N}, in.logp.options()).index_add(0, in.seq, in.logp - old);  // (N)
  auto adv = in.advantages.to(in.logp.scalar_type());                                       // (N)
  auto coef1 = torch::exp(log_ratio);                                                       // (N)
  auto coef2 = torch::clamp(coef1, 1 - cfg.epsilon_low, 1 + cfg.epsilon_high);              // (N)
  auto per_seq = -torch::min(coef1 * adv, coef2 * adv);                                      // (N)
  PolicyGradientOutput out;
  out.loss = per_seq.sum() / n_seq;
  add_clip_metrics(coef1, adv, cfg, out.metrics);
  return out;
}

}  // namespace laser::train
