// Rotary position embeddings (RoPE, Su et al. 2021) in HF's rotate-half layout: the inverse
// frequencies (with linear or llama3 scaling), a cos/sin table computed once per model and grown
// on demand, whose rows are gathered by position, and the rotation applied to the two halves of
// each head as views (no rotate_half cat + neg). Values equal HF modeling_llama.py's
// apply_rotary_pos_emb bit for bit in f32. Not the attention itself (see causal_lm.h).
#pragma once
#include <torch/torch.h>

#include <utility>

#include "laser/model/config.h"

namespace laser::model {

class RotaryTable {
 public:
  explicit RotaryTable(const ModelConfig& c);
  // Inverse frequencies (D/2) f32 on the CPU (kept f32 whatever the weights' dtype).
  const torch::Tensor& inv_freq() const { return inv_freq_; }
  // positions (B,T) int64 on `device`, every value < `bound` -> cos, sin (B,1,T,D/2) in `dtype`:
  // cos(p * inv_freq) and sin(p * inv_freq), computed in f32 as HF does, then cast.
  // The table grows (geometrically) to `bound` rows; `bound` is a host number, so no sync.
  std::pair<torch::Tensor, torch::Tensor> at(const torch::Tensor& positions, int64_t bound, torch::Device device,
                                             torch::Dtype dtype);

 private:
  torch::Tensor inv_freq_;  // (D/2) f32, CPU
  torch::Tensor cos_, sin_;  // (P, D/2) tables on the last device/dtype asked for
};

// x (B,H,T,D), cos/sin (B,1,T,D/2) -> (B,H,T,D): with x = [x1, x2] split in halves,
// [x1*cos - x2*sin, x2*cos + x1*sin], which is x*cos + rotate_half(x)*sin exactly (the same
// roundings: a + (-b)*c == a - b*c in IEEE arithmetic). The output keeps x's memory layout.
torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace laser::model
