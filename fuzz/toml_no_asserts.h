// Forced (-include) into fuzz_config_toml's sources: toml++'s internal asserts off, as in Debian's
// libtomlplusplus build that laser links, without turning them into optimizer assumptions.
// toml++ 3.3.0 asserts in parser::parse_key on "[" followed by a non-key character ("[/",
// "[\x01"); its release build reports a parse error there (tests/loop/config_hostile_test.cpp).
// The same version reaches TOML_UNREACHABLE in is_non_ascii_horizontal_whitespace for many
// non-ASCII characters where whitespace may stand ("\xc6\xb0" = U+01B0 at the start of a line);
// fuzz/CMakeLists.txt leaves -fsanitize=unreachable off for this target for that reason.
#pragma once
#define TOML_ASSERT(expr) static_cast<void>(0)
