// The `laser train` config against hostile TOML text found by fuzz_config_toml: a table header
// "[" followed by a character that cannot start a key trips an assert inside toml++ 3.3.0
// (parse_key); the library laser links reports a parse error instead, which laser must turn into
// a one-line laser::Error naming file:line:column, for the file and for --set values alike.
// Likewise non-ASCII characters where toml++ 3.3.0 looks for whitespace (it reaches
// __builtin_unreachable in is_non_ascii_horizontal_whitespace, an upstream bug; the Debian build
// reports a parse error, which is what this test pins down).
#include <gtest/gtest.h>

#include "laser/core/error.h"
#include "laser/loop/config.h"

using namespace laser;

TEST(ConfigHostile, TableHeadersWithoutAKeyAreOneLineErrors) {
  for (std::string text : {std::string("[/"), std::string("[\x01", 2), std::string("[ \x01]", 4), std::string("a = {\x01", 6),
                           std::string("\xc6\xb0"), std::string("a = 1 \xc6\xb0"), std::string("a = \"\"\"x\\ \xc6\xb0\"\"\"")}) {
    try {
      loop::Config::from_string(text, "bad.toml");
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      std::string m = e.what();
      EXPECT_NE(m.find("bad.toml:1:"), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
  loop::Config c;
  EXPECT_THROW(c.set(std::string("train.lr=[\x01", 11)), Error);
}
