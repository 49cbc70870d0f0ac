// UTF-8 helpers and the GPT-2 byte<->unicode map (see utf8.h).
#include "laser/text/utf8.h"

#include <vector>

namespace laser::text {

size_t utf8_seq_len(const std::string& s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned char c = p[i];
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    unsigned char c1 = p[i + 1];
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    unsigned char c1 = p[i + 1];
    if (c == 0xF0 && c1 < 0x90) return 0;
    if (c == 0xF4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool utf8_valid(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    size_t l = utf8_seq_len(s, i);
    if (l == 0) return false;
    i += l;
  }
  return true;
}

namespace {
struct ByteMap {
  std::array<uint32_t, 256> fwd{};
  std::array<std::string, 256> fwd_str;
  std::vector<int> inv;  // code point -> byte (size 324)
  ByteMap() {
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b) printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) fwd[b] = printable[b] ? static_cast<uint32_t>(b) : next++;
    inv.assign(next, -1);
    for (int b = 0; b < 256; ++b) {
      inv[fwd[b]] = b;
      utf8_append(fwd_str[b], fwd[b]);
    }
  }
};
const ByteMap& byte_map() {
  static const ByteMap m;
  return m;
}
}  // namespace

const std::array<uint32_t, 256>& byte_to_unicode() { return byte_map().fwd; }
const std::array<std::string, 256>& byte_to_unicode_str() { return byte_map().fwd_str; }

int unicode_to_byte(uint32_t cp) {
  const auto& inv = byte_map().inv;
  return cp < inv.size() ? inv[cp] : -1;
}

bool byte_level_token_to_bytes(const std::string& token, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(token.data());
  for (size_t i = 0; i < token.size();) {
    size_t l = utf8_seq_len(token, i);
    if (l == 0) return false;
    uint32_t cp;
    if (l == 1) cp = p[i];
    else if (l == 2) cp = ((p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
    else if (l == 3) cp = ((p[i] & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
    else cp = ((p[i] & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12) | ((p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
    int b = unicode_to_byte(cp);
    if (b < 0) return false;
    out += static_cast<char>(b);
    i += l;
  }
  return true;
}

}  // namespace laser::text
