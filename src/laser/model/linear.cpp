// LoRA-capable linear layer (see linear.h), following PEFT's lora.Linear: A kaiming-uniform, B zero,
// y = xW^T + b + (alpha/r) B A x. Not a quantized layer.
#include "laser/model/linear.h"

#include <cmath>

#include "laser/core/error.h"

namespace laser::model {

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias) {
  weight = register_parameter("weight", torch::empty({out, in}));
  if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y;
  if (x.numel() == weight.size(1) && x.scalar_type() == weight.scalar_type() && weight.scalar_type() == torch::kFloat32 &&
      !(at::GradMode::is_enabled() && (weight.requires_grad() || x.requires_grad()))) {
    // One f32 row without autograd (a decoding step at batch 1): a matrix-vector product streams W
    // at memory speed, where sgemm with M = 1 reaches a fraction of it. Not for bf16: libtorch
    // 1.13's bf16 mv is 1.3-2.4x slower than its bf16 gemm at M = 1 on this CPU (2048x2048: 555
    // vs 237 us, 1 thread), so bf16 rows take the linear path. (..., in) -> (..., out)
    auto shape = x.sizes().vec();
    shape.back() = weight.size(0);
    y = at::mv(weight, x.reshape({-1}));  // (out)
    if (bias.defined()) y = y + bias;
    y = y.view(shape);
  } else {
    y = torch::nn::functional::linear(x, weight, bias.defined() ? bias : torch::Tensor());
  }
  if (lora_A.defined() && lora_enabled_) {
    // The adapters are f32 master weights whatever W's dtype: x is cast to theirs and the update
    // back to y's (no-ops for an f32 model).
    auto h = x.to(lora_A.scalar_type());
    if (spec_.dropout > 0 && is_training()) h = torch::dropout(h, spec_.dropout, true);
    y = y + (torch::matmul(torch::matmul(h, lora_A.t()), lora_B.t()) * scaling_).to(y.scalar_type());
  }
  return y;
}

void LinearImpl::add_lora(const LoraSpec& spec) {
  LASER_CHECK(spec.r > 0, "lora.r", "LoRA rank must be positive", "set lora.r to 8, 16, ...");
  LASER_CHECK(spec.dropout >= 0 && spec.dropout < 1, "lora.dropout", "LoRA dropout must be in [0, 1)", "use 0.1");
  LASER_CHECK(!lora_A.defined(), "lora", "this layer already has LoRA adapters", "merge or remove them first");
  spec_ = spec;
  scaling_ = spec.alpha / static_cast<double>(spec.r);
  // f32 on W's device whatever W's dtype: a bf16 base stays frozen in bf16 while the trained
  // adapters keep full precision (the optimizer would round small updates away in bf16).
  auto opts = weight.options().dtype(torch::kFloat32);
  int64_t in = weight.size(1), out = weight.size(0);
  torch::NoGradGuard ng;
  // PEFT: kaiming_uniform_(a=sqrt(5)) on A -> bound = 1/sqrt(in)
  double bound = 1.0 / std::sqrt(static_cast<double>(in));
  auto a = torch::empty({spec.r, in}, opts).uniform_(-bound, bound);
  lora_A = register_parameter("lora_A", a);
  lora_B = register_parameter("lora_B", torch::zeros({out, spec.r}, opts));
}

void LinearImpl::merge_lora() {
  if (!lora_A.defined()) return;
  {
    torch::NoGradGuard ng;
    auto delta = torch::matmul(lora_B.to(torch::kFloat32), lora_A.to(torch::kFloat32)) * scaling_;
    weight.add_(delta.to(weight.dtype()));
  }
  // Drop the adapter parameters (re-registering is not possible in libtorch; remove by name).
  parameters_.erase("lora_A");
  parameters_.erase("lora_B");
  lora_A = torch::Tensor();
  lora_B = torch::Tensor();
}

}  // namespace laser::model
