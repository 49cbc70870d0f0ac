// check_toml_text (see toml_check.h): one pass over the bytes, counting lines for the position.
// Not a validator of TOML syntax; toml++ reports those errors itself.
#include "laser/io/toml_check.h"

#include <cstdio>

#include "laser/core/error.h"

namespace laser::io {

void check_toml_text(std::string_view text, const std::string& where) {
  size_t line = 1, col = 1;
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof code, "U+%04X", c);
      throw Error(std::string("control character ") + code + " is not allowed in TOML",
                  where + ":" + std::to_string(line) + ":" + std::to_string(col),
                  "remove it, or write it as an escape such as \\u0001 inside a quoted string");
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
}

}  // namespace laser::io
