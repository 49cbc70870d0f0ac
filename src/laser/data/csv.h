// CSV reading (RFC 4180: comma separator, double-quoted fields that may hold commas, newlines and
// doubled "" quotes; LF or CRLF line ends) with the input's file:line in every error.
// Not a type-inferring table library: every field stays a string.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace laser::data {

struct CsvRow {
  std::vector<std::string> fields;
  size_t line = 0;  // 1-based line on which the record starts
};

// Longest field accepted (1 MiB): longer ones are an unclosed quote swallowing the file or not
// a dataset, and would only fail later in the tokenizer or the model.
inline constexpr size_t kMaxCsvFieldBytes = size_t{1} << 20;

// Parses CSV text; `name` is used in errors ("name:line"). When expected_columns > 0 every record
// must have exactly that many fields. Blank lines between records are skipped. A field longer than
// kMaxCsvFieldBytes throws naming name:line.
std::vector<CsvRow> parse_csv(const std::string& text, const std::string& name, size_t expected_columns = 0);
// Reads and parses a file (errors name the path and line).
std::vector<CsvRow> read_csv(const std::string& path, size_t expected_columns = 0);

}  // namespace laser::data
