// Linear layer with optional LoRA adapters (Hu et al. 2021, as PEFT implements it):
// y = x W^T + b + scaling * dropout(x) A^T B^T, scaling = alpha / r, B starts at zero.
// Adapters can be disabled (the reference model under LoRA) and merged into W.
#pragma once
#include <torch/torch.h>

#include <cstdint>

namespace laser::model {

struct LoraSpec {
  int64_t r = 16;
  double alpha = 32.0;
  double dropout = 0.1;
};

class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out, bool bias);
  // x (..., in) -> (..., out)
  torch::Tensor forward(const torch::Tensor& x);
  // Adds lora_A (r, in) ~ kaiming-uniform and lora_B (out, r) = 0 as parameters, on W's device,
  // in f32 whatever W's dtype (trained master weights; see forward's casts). Freezes nothing: the trainer decides which parameters train.
  void add_lora(const LoraSpec& spec);
  bool has_lora() const { return lora_A.defined(); }
  void set_lora_enabled(bool on) { lora_enabled_ = on; }
  bool lora_enabled() const { return lora_enabled_; }
  // W += scaling * B A, then drops the adapters.
  void merge_lora();
  double lora_scaling() const { return scaling_; }
  const LoraSpec& lora_spec() const { return spec_; }

  torch::Tensor weight, bias, lora_A, lora_B;

 private:
  LoraSpec spec_;
  double scaling_ = 0.0;
  bool lora_enabled_ = true;
};
TORCH_MODULE(Linear);

}  // namespace laser::model
