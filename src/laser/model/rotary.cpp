// RoPE (see rotary.h): inverse frequencies with HF's linear and llama3 scaling, the per-model
// cos/sin table gathered by position, and the half-split rotation. Follows HF transformers'
// modeling_rope_utils.py (frequencies) and modeling_llama.py (apply_rotary_pos_emb).
#include "laser/model/rotary.h"

#include <cmath>

namespace laser::model {

static torch::Tensor compute_inv_freq(const ModelConfig& c) {
  int64_t d = c.get_head_dim();
  auto idx = torch::arange(0, d, 2, torch::kFloat64) / static_cast<double>(d);
  auto inv = 1.0 / torch::pow(c.rope_theta, idx);
  const auto& rs = c.rope_scaling;
  if (rs.type == "linear") {
    inv = inv / rs.factor;
  } else if (rs.type == "llama3") {
    double old_len = static_cast<double>(rs.original_max_position_embeddings);
    double low_wl = old_len / rs.low_freq_factor, high_wl = old_len / rs.high_freq_factor;
    auto wl = 2 * M_PI / inv;
    auto scaled = torch::where(wl > low_wl, inv / rs.factor, inv);
    auto smooth = (old_len / wl - rs.low_freq_factor) / (rs.high_freq_factor - rs.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / rs.factor + smooth * scaled;
    auto medium = torch::logical_not(wl < high_wl).logical_and(torch::logical_not(wl > low_wl));
    inv = torch::where(medium, smoothed, scaled);
  }
  return inv.to(torch::kFloat32);
}

RotaryTable::RotaryTable(const ModelConfig& c) : inv_freq_(compute_inv_freq(c)) {}

std::pair<torch::Tensor, torch::Tensor> RotaryTable::at(const torch::Tensor& positions, int64_t bound, torch::Device device,
                                                        torch::Dtype dtype) {
  bool stale = !cos_.defined() || cos_.device() != device || cos_.scalar_type() != dtype;
  if (stale || cos_.size(0) < bound) {
    int64_t rows = std::max<int64_t>(bound, stale ? 256 : 2 * cos_.size(0));
    // The same f32 operations as computing them per step: f32 position times f32 frequency, then
    // f32 cos/sin (element-wise, so a row does not depend on the table's size), then the cast.
    auto inv = inv_freq_.to(device);
    auto pos = torch::arange(rows, torch::TensorOptions().dtype(torch::kFloat32).device(device));
    auto freqs = pos.unsqueeze(1) * inv.unsqueeze(0);  // (P,D/2)
    cos_ = freqs.cos().to(dtype);
    sin_ = freqs.sin().to(dtype);
  }
  int64_t B = positions.size(0), T = positions.size(1), h = cos_.size(1);
  auto flat = positions.reshape({-1});
  return {cos_.index_select(0, flat).view({B, 1, T, h}), sin_.index_select(0, flat).view({B, 1, T, h})};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  int64_t h = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, h), x2 = x.narrow(-1, h, h);  // (B,H,T,D/2) views
  if (at::GradMode::is_enabled() && (x.requires_grad() || cos.requires_grad() || sin.requires_grad()))
    return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);  // autograd: no out= ops
  // Without autograd: both halves times cos in one product, both times sin in one more, then the
  // cross terms added in place. x viewed as (B,H,T,2,D/2) (its last axis is contiguous).
  auto sizes = x.sizes().vec();
  sizes.back() = 2;
  sizes.push_back(h);
  auto x5 = x.view(sizes);
  // x's strides and the promoted dtype: the layout and type x*cos would have had (bf16 x under
  // autocast with f32 cos/sin gives f32, as HF's formula does).
  auto out = at::empty_like(x, x.options().dtype(at::promote_types(x.scalar_type(), cos.scalar_type())));
  auto o5 = out.view(sizes);
  at::mul_out(o5, x5, cos.unsqueeze(-2));           // [x1*cos, x2*cos]
  auto xs = x5 * sin.unsqueeze(-2);                  // [x1*sin, x2*sin]
  out.narrow(-1, 0, h).sub_(xs.select(-2, 1));       // x1*cos - x2*sin
  out.narrow(-1, h, h).add_(xs.select(-2, 0));       // x2*cos + x1*sin
  return out;
}

}  // namespace laser::model
