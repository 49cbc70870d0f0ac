// libFuzzer target: text::load_tiktoken on a tiktoken rank file ("base64 rank" lines, Llama-3's
// tokenizer.model) and text::looks_like_tiktoken; a tokenizer that loads is then used.
#include "fuzz/fuzz_util.h"
#include "laser/text/bpe_loaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string path = laser::fuzz::write_input("tokenizer.model", in);
  laser::fuzz::remove_input("tokenizer_config.json");
  laser::fuzz::expect_only_laser_errors([&] {
    (void)laser::text::looks_like_tiktoken(path);
    auto t = laser::text::load_tiktoken(path);
    laser::fuzz::exercise_tokenizer(*t, in);
  });
  return 0;
}
