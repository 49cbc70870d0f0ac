// Teacher-forced log-probabilities of given responses: for each (prompt, response) pair,
// log p(response_t | prompt, response_<t) for every response token, batched with left padding.
// No gradients (scoring and reference use); the trainer computes its own with gradients.
#pragma once
#include <cstdint>
#include <vector>

#include "laser/model/causal_lm.h"

namespace laser::gen {

std::vector<std::vector<float>> response_logprobs(model::CausalLM& m, const std::vector<std::vector<int32_t>>& prompts,
                                                  const std::vector<std::vector<int32_t>>& responses, int batch_size = 16);

}  // namespace laser::gen
