// laser::Error: the one exception type of laser. It carries what went wrong, where (the input's
// file:line or the config key, not only the code's location) and a hint for the user.
// Not a logging facility; only main() turns errors into exit codes.
#pragma once
#include <stdexcept>
#include <string>

namespace laser {

class Error : public std::runtime_error {
 public:
  Error(std::string what, std::string where = "", std::string hint = "");
  const std::string& what_msg() const { return what_; }
  const std::string& where() const { return where_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string what_, where_, hint_;
};

// Formats "where: what (hint: ...)" on one line.
std::string format_error(const std::string& what, const std::string& where, const std::string& hint);

}  // namespace laser

// LASER_CHECK(cond, where, what, hint): throw laser::Error when cond is false. `where` names the
// input (file:line, tensor name, config key); the code's own file:line is appended in debug logs.
#define LASER_CHECK(cond, where, what, hint)           \
  do {                                                 \
    if (!(cond)) throw ::laser::Error((what), (where), (hint)); \
  } while (0)
