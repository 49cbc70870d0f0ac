// check_toml_text: refuses control characters in TOML text (the TOML spec allows none but tab,
// LF and CR) with a file:line:column error, before the text reaches toml++. toml++ 3.3 asserts
// (debug) or assumes (release: undefined behaviour) on some of them, e.g. "[\x01".
// Not a TOML parser: everything else is left to toml++.
#pragma once
#include <string>
#include <string_view>

namespace laser::io {

// Throws laser::Error naming where:line:column of the first byte 0x00-0x1F (other than tab, LF,
// CR) or 0x7F.
void check_toml_text(std::string_view text, const std::string& where);

}  // namespace laser::io
