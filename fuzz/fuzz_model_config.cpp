// libFuzzer target: HF config.json reading (io::read_json + model::ModelConfig::from_json and
// validate), then the parameter count and the round trip through to_json.
#include "fuzz/fuzz_util.h"
#include "laser/io/jsonl.h"
#include "laser/model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = laser::fuzz::write_input("config.json", {reinterpret_cast<const char*>(data), size});
  laser::fuzz::expect_only_laser_errors([&] {
    auto c = laser::model::ModelConfig::load(path);
    if (c.num_parameters() <= 0) std::abort();
    auto again = laser::model::ModelConfig::from_json(c.to_json(), "round trip");
    if (again.hidden_size != c.hidden_size || again.vocab_size != c.vocab_size) std::abort();
  });
  return 0;
}
