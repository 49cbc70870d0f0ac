// Preference losses (see losses.h). Formulas follow TRL's DPOTrainer.dpo_loss for sigmoid, ipo and
// hinge, and the SimPO paper for simpo (length-normalized log-probs, no reference).
#include "laser/train/losses.h"

#include "laser/core/error.h"

namespace laser::train {

void LossConfig::validate(const std::string& where) const {
  LASER_CHECK(type == "sigmoid" || type == "ipo" || type == "hinge" || type == "simpo", where + ".type",
              "unknown loss type '" + type + "'", "use sigmoid, ipo, hinge or simpo");
  LASER_CHECK(beta > 0, where + ".beta", "beta must be positive", "the paper uses 0.1");
  LASER_CHECK(dpo_weight >= 0 && nll_weight >= 0 && dpo_weight + nll_weight > 0, where + ".dpo_weight",
              "loss weights must be non-negative and not both zero", "use dpo_weight=1, nll_weight=1");
  LASER_CHECK(label_smoothing >= 0 && label_smoothing < 0.5, where + ".label_smoothing",
              "label smoothing must be in [0, 0.5)", "use 0 (plain DPO)");
}

LossOutput preference_loss(const LossInputs& in, const LossConfig& cfg) {
  const auto& pc = in.policy_chosen;
  const auto& pr = in.policy_rejected;
  LASER_CHECK(pc.dim() == 1 && pr.sizes() == pc.sizes(), "preference_loss", "policy log-probs must be (P) and equal in size",
              "pass one summed log-prob per pair");
  torch::Tensor chosen_rewards, rejected_rewards, pref;
  if (cfg.type == "simpo") {
    // SimPO: r = beta * logp / |y|; loss = -log sigmoid(r_c - r_r - gamma)
    chosen_rewards = cfg.beta * pc / in.chosen_tokens.clamp_min(1.0);
    rejected_rewards = cfg.beta * pr / in.rejected_tokens.clamp_min(1.0);
    pref = -torch::log_sigmoid(chosen_rewards - rejected_rewards - cfg.simpo_gamma);
  } else {
    auto rc = in.reference_chosen.detach(), rr = in.reference_rejected.detach();
    auto logits = (pc - rc) - (pr - rr);  // (P)
    chosen_rewards = cfg.beta * (pc - rc);
    rejected_rewards = cfg.beta * (pr - rr);
    if (cfg.type == "sigmoid") {
      pref = -torch::log_sigmoid(cfg.beta * logits) * (1 - cfg.label_smoothing) -
             torch::log_sigmoid(-cfg.beta * logits) * cfg.label_smoothing;
    } else if (cfg.type == "ipo") {
      pref = (logits - 1.0 / (2.0 * cfg.beta)).pow(2);
    } else {  // hinge
      pref = torch::relu(1.0 - cfg.beta * logits);
    }
  }
  auto dpo = pref.mean();
  auto nll = in.chosen_nll.defined() && in.chosen_nll.numel() > 0 ? in.chosen_nll.mean() : torch::zeros({}, pc.options());
  torch::Tensor loss;
  if (cfg.dpo_weight > 0 && cfg.nll_weight > 0) loss = cfg.dpo_weight * dpo + cfg.nll_weight * nll;
  else if (cfg.dpo_weight > 0) loss = cfg.dpo_weight * dpo;
  else loss = cfg.nll_weight * nll;
  LossOutput out;
  out.loss = loss;
  {
    auto pp = torch::zeros_like(pref);
    if (cfg.dpo_weight > 0) pp = pp + cfg.dpo_weight * pref;
    if (cfg.nll_weight > 0 && in.chosen_nll.defined() && in.chosen_nll.numel() == pref.numel()) pp = pp + cfg.nll_weight * in.chosen_nll;
    out.per_pair_loss = pp;
    out.per_pair = pp.detach().to(torch::kCPU).to(torch::kFloat64);
  }
  auto d = [](const torch::Tensor& t) { return t.detach().to(torch::kFloat64).item<double>(); };
  out.metrics["loss"] = d(loss);
  out.metrics["dpo"] = d(dpo);
  out.metrics["nll"] = d(nll);
  out.metrics["rewards/chosen"] = d(chosen_rewards.mean());
  out.metrics["rewards/rejected"] = d(rejected_rewards.mean());
  out.metrics["rewards/margins"] = d((chosen_rewards - rejected_rewards).mean());
  out.metrics["rewards/accuracies"] = d((chosen_rewards > rejected_rewards).to(torch::kFloat64).mean());
  out.metrics["logps/chosen"] = d(pc.mean());
  out.metrics["logps/rejected"] = d(pr.mean());
  return out;
}

}  // namespace laser::train
