// Policy-gradient losses and advantages for online RL on groups of n samples per prompt: GRPO
// (group-normalized advantages, clipped surrogate, k3 KL to the reference, grpo/dr_grpo/dapo loss
// aggregation) and RLOO (leave-one-out baseline, sequence-level clipped REINFORCE, KL in the reward).
// Pure functions on tensors, no forward pass (the trainer computes log-probs). Formulas follow TRL's
// GRPOTrainer._compute_loss / _generate_and_score_completions and RLOOTrainer; metric names are TRL's.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>

namespace laser::train {

struct PolicyGradientConfig {
  std::string algorithm = "dpo";        // "dpo" (preference pairs, losses.h), "grpo", "rloo"
  std::string scale_rewards = "group";  // GRPO: divide advantages by the group's std, the batch's std, or "none" (Dr. GRPO)
  double epsilon_low = 0.2;             // clip ratio below at 1 - epsilon_low
  double epsilon_high = 0.2;            // clip ratio above at 1 + epsilon_high (DAPO: 0.28)
  double kl_beta = 0.0;                 // KL coefficient (TRL's beta); 0 = off, no reference forward
  std::string loss_aggregation = "dapo";// GRPO: "grpo" (token mean per sequence, then mean), "dr_grpo", "dapo" (token mean)
  int64_t num_iterations = 1;           // policy updates per generation batch (TRL's num_iterations)
  // Not config keys: the run fills them from [generation].
  int64_t max_completion_length = 0;    // dr_grpo's denominator (generation.max_new_tokens)
  double temperature = 1.0;             // log-probs are of softmax(logits / temperature), as TRL computes them
  bool enabled() const { return algorithm != "dpo"; }
  void validate(const std::string& where) const;
};

// rewards (G,n): n samples of each of G prompts -> advantages (G,n), f64.
// GRPO: r - mean_group(r), divided by (std + 1e-4) of the group ("group") or of all rewards
// ("batch"), or not ("none"); std is torch's unbiased one, as in TRL.
torch::Tensor grpo_advantages(const torch::Tensor& rewards, const std::string& scale_rewards);
// RLOO: r_i - (sum_group(r) - r_i) / (n - 1). Needs n >= 2.
torch::Tensor rloo_advantages(const torch::Tensor& rewards);

struct PolicyGradientInputs {
  torch::Tensor logp;        // (Ntok) f32, per-token log-probs under the policy (with grad)
  torch::Tensor old_logp;    // (Ntok) the sampling policy's; undefined = logp.detach() (ratio 1)
  torch::Tensor ref_logp;    // (Ntok) the reference's; used by GRPO when kl_beta > 0
  torch::Tensor seq;         // (Ntok) long: the sequence (0..N-1) of each token
  torch::Tensor advantages;  // (N) f32
  // Denominators of the whole batch this input is a chunk of (0: this input's own): sequences
  // and tokens, so that chunked losses sum to the loss of the batch.
  double batch_sequences = 0, batch_tokens = 0;
};

struct PolicyGradientOutput {
  torch::Tensor loss;                     // scalar: this chunk's share of the batch loss
  std::map<std::string, double> metrics;  // means over this chunk's tokens (GRPO; RLOO: sequences): kl, clip_ratio/*
};

// GRPO: per-token -min(rho A, clip(rho, 1-eps_low, 1+eps_high) A) + kl_beta * k3(ref, logp), with
// rho = exp(logp - old_logp), aggregated as cfg.loss_aggregation says.
PolicyGradientOutput grpo_loss(const PolicyGradientInputs& in, const PolicyGradientConfig& cfg);
// RLOO: per-sequence -min(rho A, clip(rho) A) with rho = exp(sum_t (logp - old_logp)), mean over
// sequences (KL enters through the reward, see rloo_kl_rewards).
PolicyGradientOutput rloo_loss(const PolicyGradientInputs& in, const PolicyGradientConfig& cfg);
// RLOO's KL-penalized rewards: r_i - kl_beta * sum_t (old_logp - ref_logp) over sequence i (k1).
// rewards (N), old/ref (Ntok), seq (Ntok) -> (N) f64.
torch::Tensor rloo_kl_rewards(const torch::Tensor& rewards, const torch::Tensor& old_logp, const torch::Tensor& ref_logp,
                              const torch::Tensor& seq, double kl_beta);

}  // namespace laser::train
