// libFuzzer target: JSON parsing as laser does it: io::parse_json on the whole input (as for
// config.json and request bodies) and io::for_each_jsonl on it as a file (one value per line),
// then each value is dumped and copied (the recursive walks deep nesting used to overflow).
#include "fuzz/fuzz_util.h"
#include "laser/io/json_parse.h"
#include "laser/io/jsonl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  laser::fuzz::expect_only_laser_errors([&] {
    auto j = laser::io::parse_json(text, "input", size % 2 == 0);
    nlohmann::json copy = j;
    (void)copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  });
  std::string path = laser::fuzz::write_input("x.jsonl", text);
  laser::fuzz::expect_only_laser_errors([&] {
    laser::io::for_each_jsonl(path, [](const nlohmann::json& j, const std::string& where) {
      nlohmann::json copy = j;
      (void)copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (j.is_object() && j.contains("prompt")) (void)laser::io::json_str(j, "prompt", where);
    });
  });
  return 0;
}
