// The BPE tokenizer behind every tokenizer.json / vocab.json+merges.txt / tiktoken model:
// byte-level BPE (GPT-2, Llama-3, Qwen2: regex pre-tokenizer, byte<->unicode alphabet) and
// SentencePiece-style BPE (Llama-2, Mistral, TinyLlama: "▁" for spaces, byte fallback). Merges
// are applied by rank (lowest first, leftmost on ties) as HF tokenizers and tiktoken do; results
// are cached per pre-token word. File parsing lives in bpe_loaders.h; this is the model only.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "laser/text/added_tokens.h"
#include "laser/text/pretokenizer.h"
#include "laser/text/tokenizer.h"

namespace laser::text {

struct BpeOptions {
  bool byte_level = true;
  // Byte-level: pre-tokenizer regex ("" = the whole segment is one word).
  std::string pattern;
  bool nfc = false;            // Unicode NFC before pre-tokenising (Qwen2)
  bool ignore_merges = false;  // a word that is itself in the vocabulary is one token (Llama-3)
  // SentencePiece-style: how "▁" is put in front of a segment, and whether words split at "▁".
  enum class Prepend { Never, Always, First } prepend = Prepend::Never;
  bool prepend_only_if_absent = false;  // Metaspace: no second "▁" when the text starts with one
  bool split_on_space = false;          // Metaspace split=true: every "▁" starts a new word
  bool collapse_spaces = false;        // SentencePiece remove_extra_whitespaces: trim, one space per run
  bool byte_fallback = false;
  bool fuse_unk = false;
  std::optional<int32_t> unk_id;
  bool strip_leading_space = false;  // decoder: drop one leading space (Strip / Metaspace)
  // Ids put around the text when encoding with add_special (from the post-processor / config).
  std::vector<int32_t> prefix_ids, suffix_ids;
  std::optional<int32_t> bos, eos, pad;
  std::vector<int32_t> extra_stop_ids;
  std::string kind = "bpe";
};

// Merge table: (left id, right id) -> (rank, merged id), keyed by left << 32 | right.
struct MergeInfo {
  int32_t rank, id;
};
using MergeMap = std::unordered_map<uint64_t, MergeInfo>;
inline uint64_t merge_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

class BpeTokenizer : public Tokenizer {
 public:
  // tokens[id] is the vocabulary string as the file writes it (byte-level tokens in the GPT-2
  // alphabet, SentencePiece pieces with "▁"); empty strings are unused ids. `where` names the
  // source file for errors.
  BpeTokenizer(std::vector<std::string> tokens, MergeMap merges, AddedTokens added, BpeOptions opt,
               const std::string& where);

  std::vector<int32_t> encode(const std::string& text, bool add_special = true) const override;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override;
  int32_t vocab_size() const override { return vocab_size_; }
  std::optional<int32_t> bos_id() const override { return opt_.bos; }
  std::optional<int32_t> eos_id() const override { return opt_.eos; }
  std::optional<int32_t> pad_id() const override { return opt_.pad; }
  std::vector<int32_t> stop_ids() const override;
  std::string id_to_token(int32_t id) const override;
  std::string kind() const override { return opt_.kind; }

  const AddedTokens& added_tokens() const { return added_; }
  const BpeOptions& options() const { return opt_; }
  // Id of a vocabulary or added token string (file form), if any.
  std::optional<int32_t> token_to_id(const std::string& token) const;

 private:
  void encode_segment(std::string_view seg, bool at_start, std::vector<int32_t>& out) const;
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;
  void bpe(std::vector<int32_t>& syms) const;
  void initial_symbols(std::string_view word, std::vector<int32_t>& syms) const;

  std::vector<std::string> tokens_;
  std::vector<std::string> raw_;        // id -> bytes it decodes to (byte-level: raw bytes; SP: ▁ as space)
  std::vector<int16_t> byte_token_;     // SP: id -> byte value of a <0xXX> token, else -1
  std::unordered_map<std::string, int32_t> raw_to_id_;  // raw form (byte-level) / piece (SP) -> id
  std::unordered_map<std::string, int32_t> file_to_id_;
  MergeMap merges_;
  AddedTokens added_;
  BpeOptions opt_;
  std::unique_ptr<RegexPreTokenizer> pre_;
  int32_t byte_id_[256];         // byte-level: id of each single byte; SP: id of <0xXX> (or -1)
  bool word_split_exact_ = false;  // SP: no merge result spans "x▁", so words can be cached
  int32_t vocab_size_ = 0;

  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

// Unicode NFC of a UTF-8 string through the system ICU when it can be loaded; returns the text
// unchanged (after one warning) otherwise. ASCII text is returned as is without any lookup.
std::string nfc_normalize(const std::string& text);

}  // namespace laser::text
