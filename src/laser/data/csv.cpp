// RFC 4180 CSV parser that tracks the line each record starts on, for file:line errors.
// Not a writer and not a dialect sniffer (comma separator and double quotes only).
#include "laser/data/csv.h"

#include "laser/core/error.h"
#include "laser/io/file_util.h"

namespace laser::data {

std::vector<CsvRow> parse_csv(const std::string& text, const std::string& name, size_t expected_columns) {
  std::vector<CsvRow> rows;
  size_t i = 0, line = 1;
  auto too_large = [&](size_t at) {
    throw Error("field longer than " + std::to_string(kMaxCsvFieldBytes >> 20) + " MiB", name + ":" + std::to_string(at),
                "a prompt or answer this long is a broken quote or not a dataset; check the quotes on that record");
  };
  const size_t n = text.size();
  if (n >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte order mark
  while (i < n) {
    // Skip blank lines between records.
    if (text[i] == '\n') { ++line; ++i; continue; }
    if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') { ++line; i += 2; continue; }
    CsvRow row;
    row.line = line;
    std::string field;
    bool done = false;
    while (!done) {
      field.clear();
      if (i < n && text[i] == '"') {
        const size_t quote_line = line;
        ++i;
        for (;;) {
          if (i >= n)
            throw Error("unterminated quoted field (opened on line " + std::to_string(quote_line) + ")",
                        name + ":" + std::to_string(row.line), "close the field with \" and write a quote inside it as \"\"");
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') { field += '"'; i += 2; continue; }
            ++i;
            break;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
          if (field.size() > kMaxCsvFieldBytes) too_large(row.line);
        }
        // After the closing quote only a separator or the end of the record may follow.
        if (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') &&
            text[i] != '\r')
          throw Error("unexpected character '" + std::string(1, text[i]) + "' after a closing quote",
                      name + ":" + std::to_string(line), "quote the whole field and double any quote inside it");
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"')
            throw Error("quote inside an unquoted field", name + ":" + std::to_string(line),
                        "quote the whole field and double any quote inside it (\"\")");
          field += text[i++];
          if (field.size() > kMaxCsvFieldBytes) too_large(line);
        }
      }
      row.fields.push_back(field);
      if (i >= n) { done = true; break; }
      if (text[i] == ',') { ++i; continue; }
      // End of record: \n, \r\n or a lone \r.
      if (text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') ++i;
      ++line;
      done = true;
    }
    if (expected_columns > 0 && row.fields.size() != expected_columns)
      throw Error("expected " + std::to_string(expected_columns) + " columns, found " + std::to_string(row.fields.size()),
                  name + ":" + std::to_string(row.line), "quote fields that contain commas");
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<CsvRow> read_csv(const std::string& path, size_t expected_columns) {
  return parse_csv(io::read_file(path), path, expected_columns);
}

}  // namespace laser::data
