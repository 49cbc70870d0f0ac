// Key/value cache for incremental decoding: per layer, keys and values (B, H_kv, T_past, D).
// Not a paged cache: tensors grow by concatenation, which is fine for laser's short responses.
#pragma once
#include <torch/torch.h>

#include <vector>

namespace laser::model {

struct KVCache {
  std::vector<torch::Tensor> k, v;  // one entry per layer, undefined before the first forward
  int64_t length() const { return k.empty() || !k[0].defined() ? 0 : k[0].size(2); }
  bool empty() const { return length() == 0; }
  void clear() { k.clear(); v.clear(); }
  // Keeps the batch rows in `index` (B') in that order: used to expand a prefilled prompt to n
  // samples (repeat_interleave) or drop finished rows.
  void select_rows(const torch::Tensor& index);
};

}  // namespace laser::model
