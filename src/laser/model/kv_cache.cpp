// KVCache: in-place appends into preallocated per-layer buffers, row selection for n samples
// per prompt and for dropping finished rows. Follows the "static cache" idea of llama.cpp / HF.
#include "laser/model/kv_cache.h"

#include "laser/core/error.h"

namespace laser::model {

std::pair<torch::Tensor, torch::Tensor> KVCache::append(size_t layer, const torch::Tensor& k_new, const torch::Tensor& v_new) {
  LASER_CHECK(layer < k.size(), "KVCache::append", "layer " + std::to_string(layer) + " but the cache has " + std::to_string(k.size()) + " layers",
              "size k and v to the number of layers first");
  int64_t B = k_new.size(0), T = k_new.size(2), need = len_ + T;
  auto& kb = k[layer];
  auto& vb = v[layer];
  if (!kb.defined() || kb.size(2) < need) {
    int64_t cap = kb.defined() ? std::max(need, 2 * kb.size(2)) : std::max(need, reserve_);
    auto nk = torch::empty({B, k_new.size(1), cap, k_new.size(3)}, k_new.options());
    auto nv = torch::empty({B, v_new.size(1), cap, v_new.size(3)}, v_new.options());
    if (kb.defined() && len_ > 0) {
      nk.narrow(2, 0, len_).copy_(kb.narrow(2, 0, len_));
      nv.narrow(2, 0, len_).copy_(vb.narrow(2, 0, len_));
    }
    kb = nk;
    vb = nv;
  }
  LASER_CHECK(kb.size(0) == B, "KVCache::append", "batch " + std::to_string(B) + " but the cache holds " + std::to_string(kb.size(0)) + " rows",
              "select_rows the cache to the batch first");
  kb.narrow(2, len_, T).copy_(k_new);
  vb.narrow(2, len_, T).copy_(v_new);
  return {kb.narrow(2, 0, need), vb.narrow(2, 0, need)};
}

void KVCache::select_rows(const torch::Tensor& index) {
  for (size_t i = 0; i < k.size(); ++i) {
    if (!k[i].defined()) continue;
    auto idx = index.to(k[i].device(), torch::kLong);
    k[i] = k[i].index_select(0, idx);
    v[i] = v[i].index_select(0, idx);
  }
}

}  // namespace laser::model
