// Torch bridges (see torch_util.h): dtype/device mapping, intra-op threads, safetensors views to
// tensors and back. Not a loader: hf_io.cpp builds models from these pieces.
#include "laser/model/torch_util.h"

#include <cstring>

#include "laser/core/error.h"

namespace laser::model {

torch::Dtype to_torch(DType d) {
  switch (d) {
    case DType::F32: return torch::kFloat32;
    case DType::BF16: return torch::kBFloat16;
    case DType::F16: return torch::kFloat16;
  }
  return torch::kFloat32;
}

torch::Device to_torch(const DeviceSpec& d) {
  if (d.kind == DeviceKind::Cpu) return torch::Device(torch::kCPU);
  LASER_CHECK(torch::cuda::is_available(), "device " + d.str(), "CUDA is not available in this build or machine",
              "use --device cpu, or build against a CUDA libtorch");
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(d.index));
}

void set_threads(int n) {
  if (n <= 0) n = default_threads();
  at::set_num_threads(n);
}

static torch::Dtype from_st(const std::string& d, const std::string& where) {
  if (d == "F32") return torch::kFloat32;
  if (d == "F16") return torch::kFloat16;
  if (d == "BF16") return torch::kBFloat16;
  if (d == "F64") return torch::kFloat64;
  if (d == "I64") return torch::kInt64;
  if (d == "I32") return torch::kInt32;
  if (d == "I16") return torch::kInt16;
  if (d == "I8") return torch::kInt8;
  if (d == "U8") return torch::kUInt8;
  if (d == "BOOL") return torch::kBool;
  throw Error("dtype " + d + " cannot be loaded", where, "supported: F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL");
}

std::string safetensors_dtype(torch::Dtype d) {
  switch (d) {
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kFloat64: return "F64";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    case torch::kInt16: return "I16";
    case torch::kInt8: return "I8";
    case torch::kUInt8: return "U8";
    case torch::kBool: return "BOOL";
    default: throw Error("tensor dtype cannot be saved", "safetensors", "convert to f32, bf16 or f16 first");
  }
}

torch::Tensor tensor_from_view(const io::TensorView& v, const std::string& where) {
  auto dt = from_st(v.dtype, where);
  auto t = torch::empty(v.shape, torch::TensorOptions().dtype(dt));
  LASER_CHECK(static_cast<size_t>(t.nbytes()) == v.nbytes, where, "size mismatch between header and data", "the file is corrupted");
  if (v.nbytes) std::memcpy(t.data_ptr(), v.data, v.nbytes);
  return t;
}

io::TensorToWrite tensor_to_write(const std::string& name, const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU).contiguous();
  io::TensorToWrite w;
  w.name = name;
  w.dtype = safetensors_dtype(c.scalar_type());
  w.shape = c.sizes().vec();
  w.bytes.assign(static_cast<const char*>(c.data_ptr()), c.nbytes());
  return w;
}

RngNeutral::RngNeutral() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  state_ = gen.get_state();
}

RngNeutral::~RngNeutral() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state_);
}

}  // namespace laser::model
