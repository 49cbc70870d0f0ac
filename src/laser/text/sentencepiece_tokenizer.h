// A SentencePiece .model file (Llama-2, Mistral, TinyLlama) through libsentencepiece. Control and
// added special tokens (<s>, </s>, tokenizer_config.json's added_tokens_decoder) are matched in
// the text first, as HF does; each plain segment then goes to SentencePiece. Not a BPE
// reimplementation (bpe_tokenizer.h reads the same models from tokenizer.json).
#pragma once
#include <memory>
#include <string>

#include "laser/text/added_tokens.h"
#include "laser/text/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace laser::text {

class SentencePieceTokenizer : public Tokenizer {
 public:
  // config_path may be "" (no tokenizer_config.json); then BOS is added and EOS is not.
  explicit SentencePieceTokenizer(const std::string& model_path, const std::string& config_path = "");
  ~SentencePieceTokenizer() override;
  std::vector<int32_t> encode(const std::string& text, bool add_special = true) const override;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override;
  int32_t vocab_size() const override { return vocab_size_; }
  std::optional<int32_t> bos_id() const override { return bos_; }
  std::optional<int32_t> eos_id() const override { return eos_; }
  std::optional<int32_t> pad_id() const override { return pad_; }
  std::string id_to_token(int32_t id) const override;
  std::string kind() const override { return "sentencepiece"; }

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  AddedTokens added_;
  std::optional<int32_t> bos_, eos_, pad_;
  bool add_bos_ = true, add_eos_ = false;
  int32_t vocab_size_ = 0;
  std::string path_;
};

}  // namespace laser::text
