#include "laser/loop/contexts.h"

#include <algorithm>

namespace laser::loop {

Eigen::MatrixXd prompt_contexts(model::CausalLM& policy, const std::vector<std::vector<int32_t>>& prompts,
                                const model::Pooling& pooling) {
  const int64_t nb = static_cast<int64_t>(prompts.size());
  int64_t T = 0;
  for (auto& p : prompts) T = std::max<int64_t>(T, static_cast<int64_t>(p.size()));
  auto ids = torch::zeros({nb, T}, torch::kLong), mask = torch::zeros({nb, T}, torch::kLong);
  auto ia = ids.accessor<int64_t, 2>(), ma = mask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t off = T - static_cast<int64_t>(prompts[b].size());
    for (size_t t = 0; t < prompts[b].size(); ++t) {
      ia[b][off + static_cast<int64_t>(t)] = prompts[b][t];
      ma[b][off + static_cast<int64_t>(t)] = 1;
    }
  }
  auto emb = policy->embed(ids, mask, pooling).to(torch::kCPU).to(torch::kFloat64).contiguous();  // (B,d)
  return Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(emb.data_ptr<double>(), emb.size(0),
                                                                                           emb.size(1));
}

}  // namespace laser::loop
