// parse_json: the one way laser turns JSON text (files, JSONL rows, HTTP bodies, saved states)
// into a DOM. It refuses nesting deeper than a small limit before the DOM is built (deep
// nesting would overflow the stack in recursive copies and dumps), and turns every nlohmann
// error (syntax, number overflow such as 1e999) into a one-line laser::Error naming the input.
#pragma once
#include <nlohmann/json.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace laser::io {

// Deepest array/object nesting accepted (serde_json's default). Real inputs (config.json,
// tokenizer.json, metrics rows) nest fewer than ten levels.
inline constexpr size_t kMaxJsonDepth = 128;

// Parses `text` as one JSON value (comments and trailing content are errors).
// `where` names the input. With where_is_file (a whole file named by its path) errors name
// where:line:column of the defect; otherwise (a JSONL row named file:line, a request body) the
// position goes into the message. Throws laser::Error, never an nlohmann exception.
nlohmann::json parse_json(std::string_view text, const std::string& where, bool where_is_file = true,
                          size_t max_depth = kMaxJsonDepth);

}  // namespace laser::io
