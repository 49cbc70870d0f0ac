// Summed response log-probs of many (prompt, response) sequences in one forward, the way the
// trainer needs them: each unique prompt is encoded once and its key/value cache is shared by all of
// its responses (chosen and rejected), and the LM head runs on real response tokens only (no prompt
// positions, no padding). Gradients flow unless the caller holds a NoGradGuard.
// Not a sampler (gen/) and not a loss (losses.h). Semantics match TRL's get_batch_logps.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "laser/model/causal_lm.h"

namespace laser::train {

struct SequenceLogps {
  torch::Tensor sum;     // (N) f32: sum over response tokens of log p(token | prefix)
  torch::Tensor tokens;  // (N) f32: response token counts
  torch::Tensor token;   // (Ntok) f32: each real response token's log-prob, sequence-major (the terms of `sum`)
  torch::Tensor seq;     // (Ntok) long: the sequence (0..N-1) of each entry of `token`
};

// prompts: unique prompts (each non-empty); responses (N) with response_prompt[i] the index of its
// prompt. prompts (Pn, Tp_i), responses (N, Tr_i) -> SequenceLogps over N.
// temperature != 1: log-probs of softmax(logits / temperature) (TRL's GRPO log-probs of sampled text).
SequenceLogps sequence_logprobs(model::CausalLM& m, const std::vector<std::vector<int32_t>>& prompts,
                                const std::vector<std::vector<int32_t>>& responses, const std::vector<size_t>& response_prompt,
                                double temperature = 1.0);

}  // namespace laser::train
