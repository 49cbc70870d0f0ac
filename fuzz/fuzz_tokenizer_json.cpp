// libFuzzer target: text::load_hf_tokenizer_json on an HF tokenizer.json and, after the line
// "---config---", a tokenizer_config.json; a tokenizer that loads is then used to encode and decode.
#include "fuzz/fuzz_util.h"
#include "laser/text/bpe_loaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto parts = laser::fuzz::split_input(in, "\n---config---\n", 2);
  std::string tok = laser::fuzz::write_input("tokenizer.json", parts[0]);
  std::string cfg;
  if (parts.size() > 1) cfg = laser::fuzz::write_input("tokenizer_config.json", parts[1]);
  else laser::fuzz::remove_input("tokenizer_config.json");
  laser::fuzz::expect_only_laser_errors([&] {
    auto t = laser::text::load_hf_tokenizer_json(tok, cfg);
    laser::fuzz::exercise_tokenizer(*t, parts.back());
  });
  return 0;
}
