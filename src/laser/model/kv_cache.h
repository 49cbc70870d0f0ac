// Key/value cache for incremental decoding, written in place (a "static" cache): per layer, keys
// and values in buffers (B, H_kv, capacity, D) of which the first length() positions are valid.
// Appending writes in place; a buffer grows (doubling) only when a step does not fit its
// reservation. Dropping rows compacts them within the buffers. The cache also keeps, per row,
// which cached positions are padding and how many real tokens the row holds (the position of its
// next token), so that a decoding step needs no mask from the caller and no cumulative sum.
// Separate buffers per layer and for k and v (not one shared allocation): autograd tracks
// in-place writes per storage, so a layer's append must not touch what another layer saved.
// Not a paged cache: one contiguous buffer per layer, which suits laser's short responses.
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

namespace laser::model {

struct KVCache {
  // One buffer per layer (B,H_kv,capacity,D), undefined before the first forward. A caller may
  // replace them (for example with index_select'ed rows, as train/sequence_logprobs does); it must
  // then pass the whole mask at its next step, so that the padding state is rebuilt.
  std::vector<torch::Tensor> k, v;

  int64_t length() const { return len_; }
  int64_t capacity() const { return k.empty() || !k[0].defined() ? 0 : k[0].size(2); }
  int64_t batch() const { return k.empty() || !k[0].defined() ? 0 : k[0].size(0); }
  bool empty() const { return len_ == 0; }
  void clear();
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
  // samples (repeat_interleave) or drop finished rows. Strictly increasing rows (dropping) are
  // compacted within the existing buffers, no allocation; anything else (expanding, reordering)
  // allocates the buffers once at B' rows. Only the valid positions are copied. Under autograd
  // (buffers that require grad) rows are gathered out of place instead.
  void select_rows(const std::vector<int64_t>& index);
  void select_rows(const torch::Tensor& index);  // (B') int64 on any device (read on the host)

  // ---- padding and positions, kept by CausalLM::hidden_states
  // Whether the cache knows the padding of all its length() positions for `rows` rows.
  bool has_mask(int64_t rows) const;
  // Records the mask of the whole sequence including this step, (B, length()+T), 1 for real
  // tokens: padding of positions [0, length()+T) and each row's count of real tokens.
  void set_mask(const torch::Tensor& mask);
  // Each row's count of real tokens so far (B) int64 view: the position of its next real token.
  torch::Tensor real_count() const;
  // This step's T positions are real: clears their padding flags and adds T to every count.
  void mark_real(int64_t T);
  // (B, n) bool view, n <= length()+T of the current step: true where row b's position j is padding.
  torch::Tensor padding(int64_t n) const;

 private:
  void grow_mask(int64_t B, int64_t need, torch::Device dev);  // mask state holds B rows, `need` positions

  torch::Tensor pad_;    // (rows, mask capacity) bool: true where a position holds padding
  torch::Tensor count_;  // (rows) int64: real tokens per row
  int64_t mask_rows_ = 0;  // rows the mask state describes (0: none)
  int64_t mask_len_ = 0;   // positions the mask state describes
  int64_t len_ = 0;
  int64_t reserve_ = 0;
};

}  // namespace laser::model
