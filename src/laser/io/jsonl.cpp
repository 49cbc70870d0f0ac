// JSON Lines reading with file:line errors through the depth-limited parser, and flushing writers (see jsonl.h).
#include "laser/io/jsonl.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/json_parse.h"

namespace laser::io {

static std::string read_maybe_gz(const std::string& path) {
  if (!ends_with(path, ".gz")) return read_file(path);
  if (!file_exists(path)) throw Error("file not found", path, "check the path");
  std::string cmd = "gzip -dc '" + path + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) throw Error("cannot run gzip", path, "install gzip");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  return out;
}

void for_each_jsonl(const std::string& path, const std::function<void(const json&, const std::string&)>& fn) {
  std::string data = read_maybe_gz(path);
  size_t line_no = 0, start = 0;
  while (start <= data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    ++line_no;
    std::string line = data.substr(start, end - start);
    start = end + 1;
    std::string where = path + ":" + std::to_string(line_no);
    if (trim(line).empty()) {
      if (end == data.size()) break;
      continue;
    }
    json j = parse_json(line, where, /*where_is_file=*/false);
    fn(j, where);
    if (end == data.size()) break;
  }
}

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> out;
  for_each_jsonl(path, [&](const json& j, const std::string&) { out.push_back(j); });
  return out;
}

json read_json(const std::string& path) {
  return parse_json(read_file(path), path);
}

const json& json_get(const json& obj, const std::string& key, const std::string& where) {
  if (!obj.is_object()) throw Error("expected a JSON object", where, "each record must be an object with named fields");
  auto it = obj.find(key);
  if (it == obj.end()) throw Error("missing field '" + key + "'", where, "add the field");
  return *it;
}

std::string json_str(const json& obj, const std::string& key, const std::string& where) {
  const json& v = json_get(obj, key, where);
  if (!v.is_string()) throw Error("field '" + key + "' must be a string, found " + v.type_name(), where, "quote the value");
  return v.get<std::string>();
}

JsonlWriter::JsonlWriter(const std::string& path, bool append) : path_(path) {
  f_ = std::fopen(path.c_str(), append ? "a" : "w");
  if (!f_) throw Error("cannot open for writing: " + std::string(std::strerror(errno)), path, "check permissions");
}

JsonlWriter::~JsonlWriter() {
  if (f_) std::fclose(f_);
}

void JsonlWriter::write(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  s += '\n';
  if (std::fwrite(s.data(), 1, s.size(), f_) != s.size() || std::fflush(f_) != 0)
    throw Error("write failed: " + std::string(std::strerror(errno)), path_, "check free space");
}

}  // namespace laser::io
