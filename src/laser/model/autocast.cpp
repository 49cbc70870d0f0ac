// Autocast guard (see autocast.h). libtorch 2.4 replaced the per-device functions
// (set_cpu_enabled, set_autocast_gpu_dtype, ...) by calls taking a device type; both are wrapped
// here so the rest of laser does not see the difference.
#include "laser/model/autocast.h"

#include <ATen/autocast_mode.h>

#include "laser/model/torch_compat.h"

namespace laser::model {

namespace {
bool enabled(torch::DeviceType t) {
#if LASER_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(t);
#else
  return t == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void set_enabled(torch::DeviceType t, bool on) {
#if LASER_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(t, on);
#else
  if (t == torch::kCUDA) at::autocast::set_enabled(on);
  else at::autocast::set_cpu_enabled(on);
#endif
}

torch::Dtype get_dtype(torch::DeviceType t) {
#if LASER_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(t);
#else
  return t == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_dtype(torch::DeviceType t, torch::Dtype d) {
#if LASER_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(t, d);
#else
  if (t == torch::kCUDA) at::autocast::set_autocast_gpu_dtype(d);
  else at::autocast::set_autocast_cpu_dtype(d);
#endif
}
}  // namespace

Autocast::Autocast(torch::Device device, torch::Dtype dtype) : type_(device.type()) {
  if (dtype == torch::kFloat32 || (type_ != torch::kCPU && type_ != torch::kCUDA)) return;
  on_ = true;
  prev_enabled_ = enabled(type_);
  prev_dtype_ = get_dtype(type_);
  set_enabled(type_, true);
  set_dtype(type_, dtype);
  at::autocast::increment_nesting();
}

Autocast::~Autocast() {
  if (!on_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_enabled(type_, prev_enabled_);
  set_dtype(type_, prev_dtype_);
}

}  // namespace laser::model
