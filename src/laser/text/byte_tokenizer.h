// A byte tokenizer for tiny built-in models: ids 0..255 are the bytes, then BOS=256, EOS=257,
// PAD=258 (vocab 259). Stored in a model directory as laser_tokenizer.json {"type": "bytes"}.
// Round-trips any byte string exactly, including invalid UTF-8.
#pragma once
#include "laser/text/tokenizer.h"

namespace laser::text {

class ByteTokenizer : public Tokenizer {
 public:
  static constexpr int32_t kBos = 256, kEos = 257, kPad = 258, kVocab = 259;
  std::vector<int32_t> encode(const std::string& text, bool add_special = true) const override;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override;
  int32_t vocab_size() const override { return kVocab; }
  std::optional<int32_t> bos_id() const override { return kBos; }
  std::optional<int32_t> eos_id() const override { return kEos; }
  std::optional<int32_t> pad_id() const override { return kPad; }
  std::string id_to_token(int32_t id) const override;
  std::string kind() const override { return "bytes"; }
  // Writes laser_tokenizer.json into a model directory.
  static void save(const std::string& dir);
};

}  // namespace laser::text
