// The Tokenizer interface every tokenizer in laser implements (byte-level BPE, SentencePiece,
// bytes). Encoding returns model ids; special tokens (BOS/EOS/added tokens) are handled here so
// that policy, reference and reward models agree. Not a chat formatter: see chat_template.h.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace laser::text {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Text -> ids. With add_special, the tokenizer's BOS (and EOS where its post-processor adds one)
  // are added as the model family's HF tokenizer does with add_special_tokens=True. Special-token
  // strings in `text` (for example "<|eot_id|>") are matched as single ids.
  virtual std::vector<int32_t> encode(const std::string& text, bool add_special = true) const = 0;
  // Ids -> text. With skip_special, special ids (BOS, EOS, pad, added special tokens) are dropped.
  virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const = 0;
  virtual int32_t vocab_size() const = 0;
  virtual std::optional<int32_t> bos_id() const = 0;
  virtual std::optional<int32_t> eos_id() const = 0;
  virtual std::optional<int32_t> pad_id() const { return std::nullopt; }
  // Extra ids that end generation (for example Llama-3's <|eot_id|>), beside eos_id.
  virtual std::vector<int32_t> stop_ids() const {
    std::vector<int32_t> v;
    if (auto e = eos_id()) v.push_back(*e);
    return v;
  }
  // The string of one id (for inspection and debugging).
  virtual std::string id_to_token(int32_t id) const = 0;
  virtual std::string kind() const = 0;
};

// Loads the tokenizer a model directory holds, whichever supported files it has.
// Throws laser::Error naming the directory and the files looked for when none is usable.
std::shared_ptr<Tokenizer> load_tokenizer(const std::string& dir);

// Every file a tokenizer may be read from (load_tokenizer's files plus special_tokens_map.json).
const std::vector<std::string>& tokenizer_files();
// Copies those of `src_dir`'s tokenizer files that exist into `dst_dir` (atomically, file by file),
// so a checkpoint or exported model directory loads with its tokenizer.
void copy_tokenizer_files(const std::string& src_dir, const std::string& dst_dir);

// HF transformers' clean_up_tokenization (" ." -> ".", " n't" -> "n't", ...), which HF applies
// after decoding when tokenizer_config.json sets clean_up_tokenization_spaces. decode() never
// applies it (it would break decode(encode(s)) == s); callers that want HF's strings call this.
std::string clean_up_tokenization(const std::string& text);

}  // namespace laser::text
