// Tests of io::check_toml_text: control characters that TOML forbids are refused with
// file:line:column before toml++ sees them (toml++ 3.3 asserts on "[\x01"; found by fuzz_config_toml).
#include <gtest/gtest.h>

#include "laser/core/error.h"
#include "laser/io/toml_check.h"

using namespace laser;

TEST(TomlCheck, ControlCharactersAreRefusedWithTheirPosition) {
  EXPECT_NO_THROW(io::check_toml_text("a = 1\r\n[b]\tc = \"x\"\n", "ok.toml"));
  try {
    io::check_toml_text(std::string("a = 1\n[\x01", 8), "c.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("c.toml:2:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("U+0001"), std::string::npos) << e.what();
  }
  EXPECT_THROW(io::check_toml_text(std::string("a = \"\0\"", 7), "nul.toml"), Error);
  EXPECT_THROW(io::check_toml_text("a = \x7f", "del.toml"), Error);
}
