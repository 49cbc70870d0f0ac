// Added tokens (special tokens such as <|eot_id|> and other added strings): they are matched in
// the raw text before any pre-tokenisation or BPE, leftmost-longest, as HF tokenizers does.
// Not a vocabulary: the BPE / SentencePiece model owns the rest of the ids.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace laser::text {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = true;
};

class AddedTokens {
 public:
  // Adds (or replaces the id and flag of) a token; an empty content is ignored.
  void add(const std::string& content, int32_t id, bool special);
  // One segment of a split: either plain text [begin, begin+len) or an added token id.
  struct Segment {
    size_t begin = 0, len = 0;
    int32_t id = -1;  // >= 0: an added token
  };
  // Splits text into plain segments and added-token matches (empty plain segments are left out).
  void split(std::string_view text, std::vector<Segment>& out) const;
  const AddedToken* by_id(int32_t id) const;
  const AddedToken* by_content(const std::string& s) const;
  bool is_special(int32_t id) const {
    auto* t = by_id(id);
    return t && t->special;
  }
  bool empty() const { return tokens_.empty(); }
  int32_t max_id() const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  void rebuild();
  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  // first byte -> indices of tokens starting with it, longest first
  std::array<std::vector<uint32_t>, 256> first_;
};

}  // namespace laser::text
