// The byte tokenizer of tiny test models (see byte_tokenizer.h): one id per byte plus BOS/EOS/PAD.
#include "laser/text/byte_tokenizer.h"

#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/io/file_util.h"

namespace laser::text {

std::vector<int32_t> ByteTokenizer::encode(const std::string& text, bool add_special) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() + 1);
  if (add_special) ids.push_back(kBos);
  for (unsigned char c : text) ids.push_back(c);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string s;
  for (int32_t id : ids) {
    if (id >= 0 && id < 256) s += static_cast<char>(id);
    else if (!skip_special) s += id_to_token(id);
  }
  return s;
}

std::string ByteTokenizer::id_to_token(int32_t id) const {
  if (id >= 0 && id < 256) return std::string(1, static_cast<char>(id));
  if (id == kBos) return "<s>";
  if (id == kEos) return "</s>";
  if (id == kPad) return "<pad>";
  throw Error("id " + std::to_string(id) + " is outside the byte vocabulary (259)", "byte tokenizer",
              "the model and tokenizer do not match");
}

void ByteTokenizer::save(const std::string& dir) {
  nlohmann::json j = {{"type", "bytes"}, {"format_version", 1}, {"bos_id", kBos}, {"eos_id", kEos}, {"pad_id", kPad}};
  io::write_file_atomic(io::join_path(dir, "laser_tokenizer.json"), j.dump(2) + "\n");
}

}  // namespace laser::text
