// Bandit contexts from prompts through the policy's embed() (see contexts.h).
#include "laser/loop/contexts.h"

#include "laser/model/left_pad.h"

namespace laser::loop {

Eigen::MatrixXd prompt_contexts(model::CausalLM& policy, const std::vector<std::vector<int32_t>>& prompts,
                                const model::Pooling& pooling) {
  auto padded = model::left_pad(prompts);
  auto emb = policy->embed(padded.ids, padded.mask, pooling).to(torch::kCPU).to(torch::kFloat64).contiguous();  // (B,d)
  return Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(emb.data_ptr<double>(), emb.size(0),
                                                                                           emb.size(1));
}

}  // namespace laser::loop
