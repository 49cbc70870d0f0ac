// Added-token matching (see added_tokens.h).
#include "laser/text/added_tokens.h"

#include <algorithm>
#include <cstring>

namespace laser::text {

void AddedTokens::add(const std::string& content, int32_t id, bool special) {
  if (content.empty()) return;
  auto it = by_content_.find(content);
  if (it != by_content_.end()) {
    by_id_.erase(tokens_[it->second].id);
    tokens_[it->second].id = id;
    tokens_[it->second].special = special;
    by_id_[id] = it->second;
    return;
  }
  tokens_.push_back({content, id, special});
  by_content_[content] = tokens_.size() - 1;
  by_id_[id] = tokens_.size() - 1;
  rebuild();
}

void AddedTokens::rebuild() {
  for (auto& v : first_) v.clear();
  for (uint32_t i = 0; i < tokens_.size(); ++i)
    first_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
  for (auto& v : first_)
    std::stable_sort(v.begin(), v.end(), [&](uint32_t a, uint32_t b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
}

void AddedTokens::split(std::string_view text, std::vector<Segment>& out) const {
  size_t start = 0, i = 0, n = text.size();
  while (i < n) {
    const auto& cands = first_[static_cast<unsigned char>(text[i])];
    const AddedToken* hit = nullptr;
    for (uint32_t c : cands) {
      const auto& s = tokens_[c].content;
      if (s.size() <= n - i && std::memcmp(text.data() + i, s.data(), s.size()) == 0) {
        hit = &tokens_[c];
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > start) out.push_back({start, i - start, -1});
    out.push_back({i, hit->content.size(), hit->id});
    i += hit->content.size();
    start = i;
  }
  if (n > start) out.push_back({start, n - start, -1});
}

const AddedToken* AddedTokens::by_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedTokens::by_content(const std::string& s) const {
  auto it = by_content_.find(s);
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

int32_t AddedTokens::max_id() const {
  int32_t m = -1;
  for (auto& t : tokens_) m = std::max(m, t.id);
  return m;
}

}  // namespace laser::text
