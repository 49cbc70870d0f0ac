// libFuzzer target: io::SafetensorsFile on arbitrary bytes (header length, JSON header, shapes,
// offsets), then every tensor it accepts is read end to end, as model loading does.
// A laser::Error is a correct refusal; anything else is a finding.
#include "fuzz/fuzz_util.h"
#include "laser/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = laser::fuzz::write_input("x.safetensors", {reinterpret_cast<const char*>(data), size});
  laser::fuzz::expect_only_laser_errors([&] {
    laser::io::SafetensorsFile f(path);
    uint64_t sum = 0;
    for (const auto& n : f.names()) {
      const auto& v = f.get(n);
      if (static_cast<size_t>(v.numel()) * laser::io::dtype_size(v.dtype) != v.nbytes) std::abort();
      for (size_t i = 0; i < v.nbytes; ++i) sum += v.data[i];
    }
    for (const auto& [k, val] : f.metadata()) sum += k.size() + val.size();
    volatile uint64_t sink = sum;
    (void)sink;
  });
  return 0;
}
