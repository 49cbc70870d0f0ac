// parse_json (see json_parse.h): nlohmann's SAX parser driving its own DOM builder through a
// wrapper that counts nesting and records errors instead of throwing, so the depth limit holds
// before any deep value exists and every failure becomes one laser::Error with a position.
// Not a schema check: callers validate fields themselves (json_get, ModelConfig::from_json).
#include "laser/io/json_parse.h"

#include <algorithm>

#include "laser/core/error.h"

namespace laser::io {

namespace {

using json = nlohmann::json;

// Forwards every SAX event to nlohmann's DOM builder, refusing nesting beyond max_depth and
// recording the first error (position, message) rather than throwing from inside the parser.
class DepthLimitedDom {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  DepthLimitedDom(json& out, size_t max_depth) : dom_(out, /*allow_exceptions=*/false), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) { return dom_.number_float(v, s); }
  bool string(string_t& v) { return dom_.string(v); }
  bool binary(binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return enter() && dom_.start_object(n); }
  bool key(string_t& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return enter() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string&, const Exception& ex) {
    position_ = position;
    message_ = ex.what();
    return false;
  }

  bool too_deep() const { return too_deep_; }
  size_t position() const { return position_; }
  const std::string& message() const { return message_; }

 private:
  bool enter() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  size_t max_depth_;
  size_t depth_ = 0;
  bool too_deep_ = false;
  size_t position_ = 0;
  std::string message_;
};

// Byte offset of the bracket that opens nesting level max_depth + 1 (strings skipped).
size_t too_deep_offset(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return text.size();
}

// nlohmann's message without its "[json.exception.x.n] parse error at line L, column C: " prefix
// (laser states the position itself), cut to a readable length on a UTF-8 character boundary.
std::string plain_message(std::string m) {
  if (m.rfind("[json.exception.", 0) == 0) {
    size_t e = m.find("] ");
    if (e != std::string::npos) m.erase(0, e + 2);
  }
  if (m.rfind("parse error", 0) == 0) {
    size_t e = m.find(": ");
    if (e != std::string::npos) m.erase(0, e + 2);
  }
  const size_t cap = 200;
  if (m.size() > cap) {
    size_t cut = cap;
    while (cut > 0 && (static_cast<unsigned char>(m[cut]) & 0xC0) == 0x80) --cut;
    m = m.substr(0, cut) + "...";
  }
  for (auto& c : m)
    if (c == '\n' || c == '\r') c = ' ';
  return m;
}

}  // namespace

json parse_json(std::string_view text, const std::string& where, bool where_is_file, size_t max_depth) {
  json out;
  DepthLimitedDom sax(out, max_depth);
  bool ok = json::sax_parse(text.data(), text.data() + text.size(), &sax, json::input_format_t::json, /*strict=*/true,
                            /*ignore_comments=*/false);
  if (ok) return out;

  // The defect's 0-based byte offset, then its 1-based line and column.
  size_t byte = sax.too_deep() ? too_deep_offset(text, max_depth) : (sax.position() == 0 ? 0 : sax.position() - 1);
  byte = std::min(byte, text.size());
  size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
  size_t last_nl = byte == 0 ? std::string_view::npos : text.rfind('\n', byte - 1);
  size_t col = last_nl == std::string_view::npos ? byte + 1 : byte - last_nl;
  std::string at, loc = where;
  if (where_is_file) loc += ":" + std::to_string(line) + ":" + std::to_string(col);
  else if (text.find('\n') != std::string_view::npos) at = " at line " + std::to_string(line) + ", column " + std::to_string(col);
  else at = " at column " + std::to_string(col);

  if (sax.too_deep())
    throw Error("JSON nests deeper than " + std::to_string(max_depth) + " levels" + at, loc,
                "laser reads flat records and configs; this input is malformed or hostile");
  std::string msg = plain_message(sax.message());
  if (msg.find("number overflow") != std::string::npos)
    throw Error("invalid JSON" + at + ": " + msg, loc, "numbers must fit a double (about 1.8e308) or a 64-bit integer");
  throw Error("invalid JSON" + at + ": " + msg, loc,
              where_is_file ? "check the file's syntax near that line" : "check the JSON syntax");
}

}  // namespace laser::io
