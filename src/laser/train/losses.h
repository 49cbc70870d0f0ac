// Preference losses on per-sequence summed log-probs: DPO (sigmoid, with optional label smoothing),
// IPO, hinge, SimPO (reference-free), plus NLL on the chosen response, combined with weights.
// Not a forward pass: the trainer computes the log-probs. Follows Rafailov et al. 2023, Azar et al.
// 2023 (IPO), Meng et al. 2024 (SimPO), Pang et al. 2024 (DPO+NLL) and TRL's DPOTrainer metric names.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>

namespace laser::train {

struct LossConfig {
  double dpo_weight = 1.0;        // weight of the preference term (0: off)
  double nll_weight = 1.0;        // weight of the chosen-response NLL (METHOD: DPO + NLL; 0: DPO alone)
  double beta = 0.1;              // DPO/IPO/hinge temperature; SimPO's beta
  std::string type = "sigmoid";   // "sigmoid" (DPO), "ipo", "hinge", "simpo"
  double simpo_gamma = 0.5;       // SimPO target reward margin
  double label_smoothing = 0.0;   // conservative DPO (sigmoid only), in [0, 0.5)
  void validate(const std::string& where) const;
};

struct LossInputs {
  // All (P) f32, one entry per pair. Reference log-probs are ignored by "simpo".
  torch::Tensor policy_chosen, policy_rejected;        // summed response log-probs (with grad)
  torch::Tensor reference_chosen, reference_rejected;  // summed response log-probs (no grad)
  torch::Tensor chosen_tokens, rejected_tokens;        // response token counts (f32)
  torch::Tensor chosen_nll;                            // per-token mean NLL of the chosen response (P)
};

struct LossOutput {
  torch::Tensor loss;                      // scalar: dpo_weight * mean(pref) + nll_weight * mean(nll)
  std::map<std::string, double> metrics;   // loss, dpo, nll, rewards/*, logps/*
  torch::Tensor per_pair;                  // (P) f64, detached: dpo_weight * pref_i + nll_weight * nll_i
  torch::Tensor per_pair_loss;             // (P) the same terms with their graph (a subset's mean is its loss)
};

// Pure: the same inputs give the same loss. Shapes: every input (P) -> loss ().
LossOutput preference_loss(const LossInputs& in, const LossConfig& cfg);

}  // namespace laser::train
