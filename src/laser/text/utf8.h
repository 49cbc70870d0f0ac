// UTF-8 helpers for the tokenizers: code point decoding that tolerates invalid bytes, encoding,
// and GPT-2's byte<->unicode map used by byte-level BPE. Not a Unicode normaliser.
// The byte map follows the bytes_to_unicode() table described in the GPT-2 paper's released code.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace laser::text {

// Length in bytes of the UTF-8 sequence starting at s[i] (1..4), or 0 when the bytes there are not
// a valid, complete, shortest-form sequence (the caller then treats s[i] as one stray byte).
size_t utf8_seq_len(const std::string& s, size_t i);
// Appends the UTF-8 encoding of code point cp.
void utf8_append(std::string& out, uint32_t cp);
// True when the whole string is valid UTF-8.
bool utf8_valid(const std::string& s);

// GPT-2 byte-level alphabet: every byte b maps to one printable code point (b itself for the
// printable Latin-1 bytes, 256+k for the others in order).
const std::array<uint32_t, 256>& byte_to_unicode();
// The UTF-8 string of byte_to_unicode()[b].
const std::array<std::string, 256>& byte_to_unicode_str();
// Inverse of byte_to_unicode(): code point -> byte, or -1 when the code point is not in the map.
int unicode_to_byte(uint32_t cp);
// Maps a byte-level token string (e.g. "Ġthe") back to raw bytes; returns false if some character
// is outside the byte alphabet.
bool byte_level_token_to_bytes(const std::string& token, std::string& out);

}  // namespace laser::text
