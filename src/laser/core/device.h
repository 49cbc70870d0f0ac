// Device, dtype and thread settings as plain values (no torch here): parsed from strings in
// configs and flags, converted to torch types in model/torch_util.h.
#pragma once
#include <string>

namespace laser {

enum class DeviceKind { Cpu, Cuda };
enum class DType { F32, BF16, F16 };

struct DeviceSpec {
  DeviceKind kind = DeviceKind::Cpu;
  int index = 0;
  std::string str() const;
};

// "cpu", "cuda", "cuda:1"; throws laser::Error naming `where` on anything else.
DeviceSpec parse_device(const std::string& s, const std::string& where = "device");
// "f32|float32|float", "bf16|bfloat16", "f16|float16|half".
DType parse_dtype(const std::string& s, const std::string& where = "dtype");
std::string dtype_name(DType d);
// Threads to use by default: LASER_THREADS if set, else every core, shared among the ranks of this
// machine when a launcher says there are several (LOCAL_WORLD_SIZE, set by torchrun and --nproc).
int default_threads();

}  // namespace laser
