// libFuzzer target: the `laser train` TOML configuration (loop::Config::from_string: toml++
// parsing, schema validation, "did you mean") and a --set override taken from the input's last
// line; a config that loads is resolved back to TOML text and read again.
#include "fuzz/fuzz_util.h"
#include "laser/loop/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  size_t nl = text.rfind('\n');
  if (nl != std::string::npos && text.compare(nl + 1, 4, "set ") == 0) {
    overrides.push_back(text.substr(nl + 5));
    text.resize(nl);
  }
  laser::fuzz::expect_only_laser_errors([&] {
    auto c = laser::loop::Config::from_string(text, "fuzz.toml", overrides);
    auto again = laser::loop::Config::from_string(c.to_toml(), "resolved.toml");
    (void)again.get_float("train.lr");
  });
  return 0;
}
