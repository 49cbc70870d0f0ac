// Mixed precision by torch autocast, for a model whose weights stay f32 because they are trained
// (full fine-tuning in bf16: the f32 weights are the master copy the optimizer updates, so no
// update is rounded away). While an Autocast is alive, matrix products on its device run in the
// lower-precision dtype and reductions (softmax, norms) in f32; casts of trainable weights are
// cached until the outermost Autocast ends. A no-op for f32. Models whose weights are frozen are
// simply loaded in bf16 instead (the reference model, reward models, a LoRA policy's base).
#pragma once
#include <torch/torch.h>

namespace laser::model {

class Autocast {
 public:
  // dtype: the compute dtype (bf16 or f16); kFloat32 turns the guard off.
  Autocast(torch::Device device, torch::Dtype dtype);
  ~Autocast();
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  bool on_ = false;
  bool prev_enabled_ = false;
  torch::DeviceType type_ = torch::kCPU;
  torch::Dtype prev_dtype_ = torch::kFloat32;
};

}  // namespace laser::model
