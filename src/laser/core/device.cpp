// Device and dtype names, default thread count (see device.h).
#include "laser/core/device.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "laser/core/error.h"

namespace laser {

std::string DeviceSpec::str() const {
  return kind == DeviceKind::Cpu ? "cpu" : "cuda:" + std::to_string(index);
}

DeviceSpec parse_device(const std::string& s, const std::string& where) {
  DeviceSpec d;
  if (s == "cpu") return d;
  if (s == "cuda") { d.kind = DeviceKind::Cuda; return d; }
  if (s.rfind("cuda:", 0) == 0) {
    d.kind = DeviceKind::Cuda;
    try { d.index = std::stoi(s.substr(5)); } catch (...) {
      throw Error("bad device '" + s + "'", where, "use cpu, cuda or cuda:N");
    }
    return d;
  }
  throw Error("unknown device '" + s + "'", where, "use cpu, cuda or cuda:N");
}

DType parse_dtype(const std::string& s, const std::string& where) {
  if (s == "f32" || s == "float32" || s == "float" || s == "fp32") return DType::F32;
  if (s == "bf16" || s == "bfloat16") return DType::BF16;
  if (s == "f16" || s == "float16" || s == "half" || s == "fp16") return DType::F16;
  throw Error("unknown dtype '" + s + "'", where, "use f32, bf16 or f16");
}

std::string dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "f32";
    case DType::BF16: return "bf16";
    case DType::F16: return "f16";
  }
  return "?";
}

int default_threads() {
  if (const char* e = std::getenv("LASER_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  unsigned n = std::thread::hardware_concurrency();
  int cores = n ? static_cast<int>(n) : 1;
  // Ranks on one machine share its cores: with more intra-op threads than cores, OpenMP threads
  // spin against each other (a training step ran about 40x slower on 2 cores shared by 2 x 2 threads).
  if (const char* l = std::getenv("LOCAL_WORLD_SIZE")) {
    int ranks = std::atoi(l);
    if (ranks > 1) cores = std::max(1, cores / ranks);
  }
  return cores;
}

}  // namespace laser
