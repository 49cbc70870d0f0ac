// Small string helpers used across modules (split, trim, join, edit distance for "did you mean").
#pragma once
#include <string>
#include <vector>

namespace laser {

std::vector<std::string> split(const std::string& s, char sep);
std::string trim(const std::string& s);
std::string join(const std::vector<std::string>& v, const std::string& sep);
bool starts_with(const std::string& s, const std::string& p);
bool ends_with(const std::string& s, const std::string& p);
// `s` with ASCII letters lowered (bytes >= 0x80 are left as they are).
std::string ascii_lower(std::string s);
size_t edit_distance(const std::string& a, const std::string& b);
// The candidate closest to `s` by edit distance ("" when none is within max(2, |s|/3)).
std::string nearest(const std::string& s, const std::vector<std::string>& candidates);

}  // namespace laser
