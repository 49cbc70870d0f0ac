// JSON Lines reading with file:line errors, and appending writers that flush each line.
// Not a schema validator: callers check fields with json_get below, which names file:line.
#pragma once
#include <nlohmann/json.hpp>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace laser::io {

using json = nlohmann::json;

// Calls fn(obj, "file:line") for each non-blank line; a line that is not valid JSON (or nests
// too deeply, or holds a number out of range) throws laser::Error naming file:line.
// Reads .gz files through gzip when the name ends in .gz.
void for_each_jsonl(const std::string& path, const std::function<void(const json&, const std::string&)>& fn);
std::vector<json> read_jsonl(const std::string& path);
// Parses a whole JSON file with parse_json (json_parse.h); errors name file:line:column.
json read_json(const std::string& path);

// Field access with errors naming `where` (file:line) and the missing or mistyped key.
const json& json_get(const json& obj, const std::string& key, const std::string& where);
std::string json_str(const json& obj, const std::string& key, const std::string& where);

// Appends one JSON object per line, flushing after each, so a crash loses at most the line being written.
class JsonlWriter {
 public:
  explicit JsonlWriter(const std::string& path, bool append = true);
  ~JsonlWriter();
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;
  void write(const json& j);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

}  // namespace laser::io
