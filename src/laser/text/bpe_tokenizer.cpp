// BPE model shared by the byte-level and SentencePiece-style tokenizers (see bpe_tokenizer.h).
// Follows the merge semantics of HF tokenizers' BPE model (lowest rank first, leftmost on ties),
// which for tiktoken rank files equals tiktoken's byte-pair encoding.
#include "laser/text/bpe_tokenizer.h"

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <queue>
#include <tuple>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/text/utf8.h"

namespace laser::text {

namespace {
const std::string kSpm = "\xE2\x96\x81";  // U+2581 "▁"
constexpr size_t kCacheMax = 1 << 18;

bool parse_byte_token(const std::string& t, int& b) {
  // "<0xAB>"
  if (t.size() != 6 || t[0] != '<' || t[1] != '0' || t[2] != 'x' || t[5] != '>') return false;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int h = hex(t[3]), l = hex(t[4]);
  if (h < 0 || l < 0) return false;
  b = h * 16 + l;
  return true;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (true) {
    size_t j = s.find(from, i);
    if (j == std::string::npos) break;
    out.append(s, i, j - i);
    out += to;
    i = j + from.size();
  }
  out.append(s, i, std::string::npos);
  return out;
}
}  // namespace

BpeTokenizer::BpeTokenizer(std::vector<std::string> tokens, MergeMap merges, AddedTokens added, BpeOptions opt,
                           const std::string& where)
    : tokens_(std::move(tokens)), merges_(std::move(merges)), added_(std::move(added)), opt_(std::move(opt)) {
  vocab_size_ = std::max<int32_t>(static_cast<int32_t>(tokens_.size()), added_.max_id() + 1);
  tokens_.resize(vocab_size_);
  raw_.assign(vocab_size_, "");
  byte_token_.assign(vocab_size_, -1);
  raw_to_id_.reserve(vocab_size_ * 2);
  file_to_id_.reserve(vocab_size_ * 2);
  for (int32_t id = 0; id < static_cast<int32_t>(tokens_.size()); ++id) {
    const std::string& t = tokens_[id];
    if (t.empty()) continue;
    file_to_id_.emplace(t, id);
    if (opt_.byte_level) {
      std::string bytes;
      if (byte_level_token_to_bytes(t, bytes)) {
        raw_[id] = bytes;
        raw_to_id_.emplace(std::move(bytes), id);
      } else {
        raw_[id] = t;  // e.g. an added token written verbatim in the vocabulary
      }
    } else {
      int b;
      if (parse_byte_token(t, b)) byte_token_[id] = static_cast<int16_t>(b);
      raw_[id] = replace_all(t, kSpm, " ");
      raw_to_id_.emplace(t, id);
    }
  }
  for (const auto& a : added_.tokens()) {
    if (a.id < 0 || a.id >= vocab_size_) continue;
    raw_[a.id] = a.content;
    byte_token_[a.id] = -1;
    if (tokens_[a.id].empty()) tokens_[a.id] = a.content;
  }
  for (int b = 0; b < 256; ++b) {
    byte_id_[b] = -1;
    if (opt_.byte_level) {
      auto it = raw_to_id_.find(std::string(1, static_cast<char>(b)));
      if (it == raw_to_id_.end())
        throw Error("the byte-level vocabulary has no token for byte " + std::to_string(b) + " ('" +
                        byte_to_unicode_str()[b] + "')",
                    where, "a byte-level BPE vocabulary must contain all 256 byte symbols");
      byte_id_[b] = it->second;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", b);
      auto it = file_to_id_.find(buf);
      if (it != file_to_id_.end()) byte_id_[b] = it->second;
    }
  }
  if (opt_.byte_level && !opt_.pattern.empty()) pre_ = std::make_unique<RegexPreTokenizer>(opt_.pattern, where);
  if (!opt_.byte_level) {
    // Words may be cut before every "▁" that follows another character only if no token of the
    // vocabulary holds such a "x▁" sequence (then no merge can cross the cut).
    word_split_exact_ = true;
    for (const auto& t : tokens_) {
      for (size_t p = t.find(kSpm, 1); p != std::string::npos; p = t.find(kSpm, p + 1)) {
        if (p < kSpm.size() || t.compare(p - kSpm.size(), kSpm.size(), kSpm) != 0) {
          word_split_exact_ = false;
          break;
        }
      }
      if (!word_split_exact_) break;
    }
  }
}

std::optional<int32_t> BpeTokenizer::token_to_id(const std::string& token) const {
  if (auto* a = added_.by_content(token)) return a->id;
  auto it = file_to_id_.find(token);
  if (it != file_to_id_.end()) return it->second;
  return std::nullopt;
}

std::vector<int32_t> BpeTokenizer::stop_ids() const {
  std::vector<int32_t> v;
  if (opt_.eos) v.push_back(*opt_.eos);
  for (int32_t id : opt_.extra_stop_ids)
    if (std::find(v.begin(), v.end(), id) == v.end()) v.push_back(id);
  return v;
}

std::string BpeTokenizer::id_to_token(int32_t id) const {
  if (id < 0 || id >= vocab_size_)
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(vocab_size_) + ")",
                "tokenizer " + opt_.kind, "the ids do not come from this tokenizer");
  return tokens_[id];
}

std::vector<int32_t> BpeTokenizer::encode(const std::string& text, bool add_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_special) out.insert(out.end(), opt_.prefix_ids.begin(), opt_.prefix_ids.end());
  std::string_view tv(text);
  if (added_.empty()) {
    encode_segment(tv, true, out);
  } else {
    std::vector<AddedTokens::Segment> segs;
    added_.split(tv, segs);
    for (const auto& s : segs) {
      if (s.id >= 0) out.push_back(s.id);
      else encode_segment(tv.substr(s.begin, s.len), s.begin == 0, out);
    }
  }
  if (add_special) out.insert(out.end(), opt_.suffix_ids.begin(), opt_.suffix_ids.end());
  return out;
}

void BpeTokenizer::encode_segment(std::string_view seg, bool at_start, std::vector<int32_t>& out) const {
  if (seg.empty()) return;
  if (opt_.byte_level) {
    std::string normalized;
    if (opt_.nfc) {
      normalized = nfc_normalize(std::string(seg));
      seg = normalized;
    }
    if (!pre_) {
      encode_word(seg, out);
      return;
    }
    std::vector<std::string_view> pieces;
    pieces.reserve(seg.size() / 4 + 1);
    pre_->split(seg, pieces);
    for (auto p : pieces) encode_word(p, out);
    return;
  }
  // SentencePiece-style: spaces become "▁", and "▁" is put in front as the options say.
  std::string norm;
  norm.reserve(seg.size() + 16);
  if (opt_.collapse_spaces) {
    size_t b = seg.find_first_not_of(' '), e = seg.find_last_not_of(' ');
    seg = b == std::string_view::npos ? std::string_view() : seg.substr(b, e - b + 1);
    if (seg.empty()) return;
  }
  char prev = 0;
  for (char c : seg) {
    if (c == ' ') {
      if (!(opt_.collapse_spaces && prev == ' ')) norm += kSpm;
    } else {
      norm += c;
    }
    prev = c;
  }
  bool prepend = opt_.prepend == BpeOptions::Prepend::Always || (opt_.prepend == BpeOptions::Prepend::First && at_start);
  if (prepend && !(opt_.prepend_only_if_absent && norm.compare(0, kSpm.size(), kSpm) == 0)) norm.insert(0, kSpm);
  std::string_view nv(norm);
  if (!opt_.split_on_space && !word_split_exact_) {
    encode_word(nv, out);
    return;
  }
  size_t start = 0;
  bool prev_space = false;
  for (size_t i = 0; i < nv.size();) {
    bool is_space = nv.compare(i, kSpm.size(), kSpm) == 0;
    if (is_space && i > start && (opt_.split_on_space || !prev_space)) {
      encode_word(nv.substr(start, i - start), out);
      start = i;
    }
    prev_space = is_space;
    i += is_space ? kSpm.size() : 1;
  }
  encode_word(nv.substr(start), out);
}

void BpeTokenizer::initial_symbols(std::string_view word, std::vector<int32_t>& syms) const {
  if (opt_.byte_level) {
    for (unsigned char c : word) syms.push_back(byte_id_[c]);
    return;
  }
  std::string ch;
  std::string w(word);
  for (size_t i = 0; i < w.size();) {
    size_t l = utf8_seq_len(w, i);
    if (l == 0) l = 1;
    ch.assign(w, i, l);
    auto it = raw_to_id_.find(ch);
    if (it != raw_to_id_.end()) {
      syms.push_back(it->second);
    } else {
      bool done = false;
      if (opt_.byte_fallback) {
        bool all = true;
        for (size_t k = 0; k < l; ++k) all = all && byte_id_[static_cast<unsigned char>(w[i + k])] >= 0;
        if (all) {
          for (size_t k = 0; k < l; ++k) syms.push_back(byte_id_[static_cast<unsigned char>(w[i + k])]);
          done = true;
        }
      }
      if (!done) {
        if (!opt_.unk_id)
          throw Error("character '" + ch + "' is not in the vocabulary and there is no unknown token",
                      "tokenizer " + opt_.kind, "this tokenizer cannot encode the text");
        if (!(opt_.fuse_unk && !syms.empty() && syms.back() == *opt_.unk_id)) syms.push_back(*opt_.unk_id);
      }
    }
    i += l;
  }
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (word.size() == 1 && opt_.byte_level) {
    out.push_back(byte_id_[static_cast<unsigned char>(word[0])]);
    return;
  }
  std::string key(word);
  {
    std::lock_guard<std::mutex> lk(cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> syms;
  bool whole = false;
  if (opt_.ignore_merges) {
    auto it = raw_to_id_.find(key);
    if (it != raw_to_id_.end()) {
      syms.push_back(it->second);
      whole = true;
    }
  }
  if (!whole) {
    syms.reserve(word.size());
    initial_symbols(word, syms);
    bpe(syms);
  }
  out.insert(out.end(), syms.begin(), syms.end());
  std::lock_guard<std::mutex> lk(cache_mu_);
  if (cache_.size() >= kCacheMax) cache_.clear();
  cache_.emplace(std::move(key), std::move(syms));
}

void BpeTokenizer::bpe(std::vector<int32_t>& syms) const {
  size_t n = syms.size();
  if (n < 2) return;
  auto lookup = [&](int32_t a, int32_t b) -> const MergeInfo* {
    auto it = merges_.find(merge_key(a, b));
    return it == merges_.end() ? nullptr : &it->second;
  };
  if (n <= 256) {
    // rank[i]: rank of merging syms[i] and syms[i+1] (INT_MAX when none)
    std::vector<int32_t> rank(n - 1), merged(n - 1);
    for (size_t i = 0; i + 1 < n; ++i) {
      auto* m = lookup(syms[i], syms[i + 1]);
      rank[i] = m ? m->rank : INT_MAX;
      merged[i] = m ? m->id : -1;
    }
    while (syms.size() > 1) {
      size_t best = 0;
      for (size_t i = 1; i < rank.size(); ++i)
        if (rank[i] < rank[best]) best = i;
      if (rank[best] == INT_MAX) break;
      syms[best] = merged[best];
      syms.erase(syms.begin() + best + 1);
      rank.erase(rank.begin() + best);
      merged.erase(merged.begin() + best);
      for (size_t i : {best - 1, best}) {  // best - 1 wraps to a huge value when best == 0
        if (i >= rank.size()) continue;
        auto* m = lookup(syms[i], syms[i + 1]);
        rank[i] = m ? m->rank : INT_MAX;
        merged[i] = m ? m->id : -1;
      }
    }
    return;
  }
  // Long words: linked list of symbols and a min-heap of candidate merges (rank, position).
  struct Node {
    int32_t id;
    int32_t prev, next;
  };
  std::vector<Node> nodes(n);
  for (size_t i = 0; i < n; ++i) nodes[i] = {syms[i], static_cast<int32_t>(i) - 1, i + 1 < n ? static_cast<int32_t>(i + 1) : -1};
  using Cand = std::tuple<int32_t, int32_t, int32_t, int32_t>;  // rank, left pos, left id, right id
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> heap;
  auto push = [&](int32_t pos) {
    if (pos < 0) return;
    int32_t nx = nodes[pos].next;
    if (nx < 0) return;
    if (auto* m = lookup(nodes[pos].id, nodes[nx].id)) heap.emplace(m->rank, pos, nodes[pos].id, nodes[nx].id);
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int32_t>(i));
  while (!heap.empty()) {
    auto [r, pos, a, b] = heap.top();
    heap.pop();
    Node& L = nodes[pos];
    if (L.id != a || L.next < 0 || nodes[L.next].id != b) continue;  // stale
    auto* m = lookup(a, b);
    L.id = m->id;
    int32_t rm = L.next;
    L.next = nodes[rm].next;
    if (L.next >= 0) nodes[L.next].prev = pos;
    nodes[rm].id = -1;
    push(L.prev);
    push(pos);
  }
  syms.clear();
  for (int32_t i = 0; i >= 0; i = nodes[i].next) syms.push_back(nodes[i].id);
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string out, pending;
  auto flush = [&] {
    if (pending.empty()) return;
    if (utf8_valid(pending)) {
      out += pending;
    } else {
      for (size_t i = 0; i < pending.size(); ++i) out += "\xEF\xBF\xBD";  // U+FFFD per byte, as HF does
    }
    pending.clear();
  };
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size_)
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(vocab_size_) + ")",
                  "tokenizer " + opt_.kind, "the ids do not come from this tokenizer");
    if (skip_special && added_.is_special(id)) continue;
    if (!opt_.byte_level && byte_token_[id] >= 0) {
      pending += static_cast<char>(byte_token_[id]);
      continue;
    }
    flush();
    out += raw_[id];
  }
  flush();
  if (opt_.strip_leading_space && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

// ---- NFC through the system ICU (loaded at run time; laser does not link it) ----

namespace {
struct Icu {
  using GetNfc = const void* (*)(int*);
  using Normalize = int32_t (*)(const void*, const uint16_t*, int32_t, uint16_t*, int32_t, int*);
  using FromUtf8 = uint16_t* (*)(uint16_t*, int32_t, int32_t*, const char*, int32_t, int*);
  using ToUtf8 = char* (*)(char*, int32_t, int32_t*, const uint16_t*, int32_t, int*);
  const void* nfc = nullptr;
  Normalize normalize = nullptr;
  FromUtf8 from_utf8 = nullptr;
  ToUtf8 to_utf8 = nullptr;
  Icu() {
    void* h = nullptr;
    int ver = 0;
    for (int v = 90; v >= 50 && !h; --v) {
      h = dlopen(("libicuuc.so." + std::to_string(v)).c_str(), RTLD_NOW | RTLD_LOCAL);
      if (h) ver = v;
    }
    if (!h) return;
    auto sym = [&](const char* name) -> void* {
      void* p = dlsym(h, (std::string(name) + "_" + std::to_string(ver)).c_str());
      return p ? p : dlsym(h, name);
    };
    auto get = reinterpret_cast<GetNfc>(sym("unorm2_getNFCInstance"));
    normalize = reinterpret_cast<Normalize>(sym("unorm2_normalize"));
    from_utf8 = reinterpret_cast<FromUtf8>(sym("u_strFromUTF8"));
    to_utf8 = reinterpret_cast<ToUtf8>(sym("u_strToUTF8"));
    if (!get || !normalize || !from_utf8 || !to_utf8) return;
    int st = 0;
    nfc = get(&st);
    if (st > 0) nfc = nullptr;
  }
  bool ok() const { return nfc != nullptr; }
};
}  // namespace

std::string nfc_normalize(const std::string& text) {
  bool ascii = true;
  for (unsigned char c : text)
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return text;
  static const Icu icu;
  if (!icu.ok()) {
    static bool warned = false;
    if (!warned) log::warn("ICU (libicuuc) could not be loaded: text is not NFC-normalised before tokenising");
    warned = true;
    return text;
  }
  if (!utf8_valid(text)) return text;
  int st = 0;
  int32_t len16 = 0;
  std::vector<uint16_t> u16(text.size() + 1);
  icu.from_utf8(u16.data(), static_cast<int32_t>(u16.size()), &len16, text.data(), static_cast<int32_t>(text.size()), &st);
  if (st > 0) return text;
  std::vector<uint16_t> norm(static_cast<size_t>(len16) * 3 + 16);
  st = 0;
  int32_t nlen = icu.normalize(icu.nfc, u16.data(), len16, norm.data(), static_cast<int32_t>(norm.size()), &st);
  if (st > 0) return text;
  std::string out(static_cast<size_t>(nlen) * 3 + 4, '\0');
  int32_t olen = 0;
  st = 0;
  icu.to_utf8(out.data(), static_cast<int32_t>(out.size()), &olen, norm.data(), nlen, &st);
  if (st > 0) return text;
  out.resize(olen);
  return out;
}

}  // namespace laser::text
