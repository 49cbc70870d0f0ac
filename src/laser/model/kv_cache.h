// Key/value cache for incremental decoding: per layer, keys and values in preallocated buffers
// (B, H_kv, capacity, D) of which the first length() positions are valid. Appending writes in
// place (no per-step concatenation); the buffer grows geometrically when full.
// Not a paged cache: one contiguous buffer per layer, which suits laser's short responses.
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

namespace laser::model {

struct KVCache {
  std::vector<torch::Tensor> k, v;  // one buffer per layer (B,H_kv,capacity,D), undefined before the first forward

  int64_t length() const { return len_; }
  int64_t capacity() const { return k.empty() || !k[0].defined() ? 0 : k[0].size(2); }
  int64_t batch() const { return k.empty() || !k[0].defined() ? 0 : k[0].size(0); }
  bool empty() const { return len_ == 0; }
  void clear() { k.clear(); v.clear(); len_ = 0; reserve_ = 0; }
  // Capacity (in positions) to allocate at the first append, so that a prompt plus its
  // max_new_tokens never reallocates. 0: exactly what the first step needs, then doubling.
  void reserve(int64_t positions) { reserve_ = positions; }

  // Writes this step's keys/values k_new, v_new (B,H_kv,T,D) for `layer` at positions
  // [length(), length()+T) and returns views of all valid keys/values (B,H_kv,length()+T,D).
  // length() itself moves on only at advance(T), once every layer has appended.
  std::pair<torch::Tensor, torch::Tensor> append(size_t layer, const torch::Tensor& k_new, const torch::Tensor& v_new);
  void advance(int64_t T) { len_ += T; }
  // Valid keys/values of one layer, (B,H_kv,length(),D) views.
  torch::Tensor keys(size_t layer) const { return k[layer].narrow(2, 0, len_); }
  torch::Tensor values(size_t layer) const { return v[layer].narrow(2, 0, len_); }

  // Keeps the batch rows in `index` (B') in that order: used to expand a prefilled prompt to n
  // samples (repeat_interleave) or drop finished rows.
  void select_rows(const torch::Tensor& index);

 private:
  int64_t len_ = 0;
  int64_t reserve_ = 0;
};

}  // namespace laser::model
