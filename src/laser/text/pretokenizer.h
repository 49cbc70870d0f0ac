// Regex pre-tokenizer for byte-level BPE: splits text into the pieces BPE runs on, with the GPT-2,
// Llama-3 and Qwen2 patterns (or any pattern from a tokenizer.json Split), matched by PCRE2 with
// UTF and Unicode properties (UCP). Not a BPE model. Bytes that are not valid UTF-8 cannot match
// a pattern; each run of them becomes its own piece, so every byte of the input is covered.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace laser::text {

// The patterns of the named pre-tokenizers ("gpt2", "llama3", "qwen2"); throws laser::Error for
// any other name.
const std::string& pretokenizer_pattern(const std::string& name);

class RegexPreTokenizer {
 public:
  // `where` names the source of the pattern for errors (a file or "pre-tokenizer gpt2").
  RegexPreTokenizer(const std::string& pattern, const std::string& where);
  ~RegexPreTokenizer();
  RegexPreTokenizer(const RegexPreTokenizer&) = delete;
  RegexPreTokenizer& operator=(const RegexPreTokenizer&) = delete;
  // Appends the pieces of `text` (views into it, in order, covering it completely) to `out`.
  void split(std::string_view text, std::vector<std::string_view>& out) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string pattern_;
};

}  // namespace laser::text
