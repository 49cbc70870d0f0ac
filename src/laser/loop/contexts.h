// Bandit contexts from prompts: left-pads token ids, pools them with the policy's embed(), and
// returns an Eigen matrix. Shared by the training loop and reranking. Not a bandit.
#pragma once
#include <Eigen/Dense>

#include <cstdint>
#include <vector>

#include "laser/model/causal_lm.h"

namespace laser::loop {

// prompts (B lists of ids) -> contexts (B,d) in f64.
Eigen::MatrixXd prompt_contexts(model::CausalLM& policy, const std::vector<std::vector<int32_t>>& prompts,
                                const model::Pooling& pooling);

}  // namespace laser::loop
