// Bridges between laser's plain types and torch: dtype/device conversion, thread setup,
// safetensors <-> tensor. The only place that maps safetensors dtype names to torch dtypes.
#pragma once
#include <torch/torch.h>

#include <string>

#include "laser/core/device.h"
#include "laser/io/safetensors.h"

namespace laser::model {

torch::Dtype to_torch(DType d);
torch::Device to_torch(const DeviceSpec& d);
// Sets torch's intra-op threads (libtorch starts at 1 here); n <= 0 means laser::default_threads().
void set_threads(int n = 0);
// A tensor (CPU, contiguous copy) from a mapped safetensors entry; `where` names file and tensor.
torch::Tensor tensor_from_view(const io::TensorView& v, const std::string& where);
// A safetensors entry from a tensor (moved to CPU, made contiguous); keeps the tensor's dtype.
io::TensorToWrite tensor_to_write(const std::string& name, const torch::Tensor& t);
std::string safetensors_dtype(torch::Dtype d);

// While alive, draws from torch's global CPU generator are undone on exit: code that builds
// modules whose random initialisation is overwritten anyway (loading a model) leaves the stream
// that LoRA init and dropout use exactly where it was. A resumed run therefore draws the same
// numbers as the uninterrupted one, whenever its reward models happen to be loaded.
class RngNeutral {
 public:
  RngNeutral();
  ~RngNeutral();
  RngNeutral(const RngNeutral&) = delete;
  RngNeutral& operator=(const RngNeutral&) = delete;

 private:
  torch::Tensor state_;
};

}  // namespace laser::model
