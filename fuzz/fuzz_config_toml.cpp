// libFuzzer target: TOML text as laser's configs are read (config.toml, [[rm]] tables):
// toml::parse, then a walk over every node reading values the way loop/config.cpp does and
// printing the table back. Since loop/config.cpp reaches torch (run_config.h -> gen/sampling.h),
// its schema checks cannot be compiled here; this target covers the toml++ layer beneath them.
#include <toml++/toml.h>

#include <sstream>

#include "fuzz/fuzz_util.h"

namespace {

void walk(const toml::node& n, int depth) {
  if (depth > 64) return;
  if (auto* t = n.as_table()) {
    for (auto&& [k, v] : *t) {
      (void)k.str();
      walk(v, depth + 1);
    }
  } else if (auto* a = n.as_array()) {
    for (auto& v : *a) walk(v, depth + 1);
  } else {
    // As laser reads values: the type is checked first (value<int64_t>() on a float such as
    // 1e75 is an unchecked float-to-int conversion inside toml++).
    if (n.is_integer()) (void)n.value<int64_t>();
    if (n.is_number()) (void)n.value<double>();
    if (n.is_boolean()) (void)n.value<bool>();
    if (n.is_string()) (void)n.value<std::string>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    toml::table t = toml::parse(text, std::string_view("fuzz.toml"));
    walk(t, 0);
    std::ostringstream os;
    os << t;
    toml::table again = toml::parse(std::string_view(os.str()), std::string_view("resolved.toml"));  // what laser writes, it must read back
    (void)again;
  } catch (const toml::parse_error& e) {
    (void)e.description();
    (void)e.source().begin.line;
  }
  return 0;
}
