// libFuzzer target: text::load_vocab_merges on GPT-2 style files, given as one input split at
// "\n---merges---\n" (vocab.json, merges.txt) and "\n---config---\n" (tokenizer_config.json); a
// tokenizer that loads is then used to encode and decode.
#include "fuzz/fuzz_util.h"
#include "laser/text/bpe_loaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto cfg_parts = laser::fuzz::split_input(in, "\n---config---\n", 2);
  auto parts = laser::fuzz::split_input(cfg_parts[0], "\n---merges---\n", 2);
  std::string vocab = laser::fuzz::write_input("vocab.json", parts[0]);
  std::string merges = laser::fuzz::write_input("merges.txt", parts.size() > 1 ? parts[1] : std::string_view());
  std::string cfg;
  if (cfg_parts.size() > 1) cfg = laser::fuzz::write_input("tokenizer_config.json", cfg_parts[1]);
  else laser::fuzz::remove_input("tokenizer_config.json");
  const char* pre = size % 3 == 0 ? "gpt2" : size % 3 == 1 ? "llama3" : "qwen2";
  laser::fuzz::expect_only_laser_errors([&] {
    auto t = laser::text::load_vocab_merges(vocab, merges, pre, "", cfg);
    laser::fuzz::exercise_tokenizer(*t, in);
  });
  return 0;
}
