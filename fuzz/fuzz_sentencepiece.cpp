// libFuzzer target: text::load_sentencepiece_model on a SentencePiece .model (protobuf
// ModelProto) read by laser's own protobuf reader; a tokenizer that loads is then used.
#include "fuzz/fuzz_util.h"
#include "laser/text/bpe_loaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string path = laser::fuzz::write_input("tokenizer.model", in);
  laser::fuzz::remove_input("tokenizer_config.json");
  laser::fuzz::expect_only_laser_errors([&] {
    auto t = laser::text::load_sentencepiece_model(path);
    laser::fuzz::exercise_tokenizer(*t, in.substr(in.size() / 2));
  });
  return 0;
}
