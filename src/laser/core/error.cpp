// laser::Error: what, where, hint in one line (see error.h).
#include "laser/core/error.h"

namespace laser {

std::string format_error(const std::string& what, const std::string& where, const std::string& hint) {
  std::string s;
  if (!where.empty()) s += where + ": ";
  s += what;
  if (!hint.empty()) s += " (hint: " + hint + ")";
  // One line: errors must be a single line however the parts were built.
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

Error::Error(std::string what, std::string where, std::string hint)
    : std::runtime_error(format_error(what, where, hint)),
      what_(std::move(what)), where_(std::move(where)), hint_(std::move(hint)) {}

}  // namespace laser
