// Example/Dataset serialization (one JSON object per example) and small helpers.
// Not a loader of task formats (loaders.cpp) and not a prompt renderer (prompt_template.cpp).
#include "laser/data/example.h"

#include "laser/core/error.h"
#include "laser/io/file_util.h"

namespace laser::data {

using json = nlohmann::json;

json example_to_json(const Example& e) {
  json j;
  j["id"] = e.id;
  j["task"] = e.task;
  j["category"] = e.category;
  j["question"] = e.question;
  j["choices"] = e.choices;
  j["answer"] = e.answer;
  j["context"] = e.context;
  j["prompt"] = e.prompt;
  j["meta"] = e.meta.is_null() ? json::object() : e.meta;
  return j;
}

static std::string opt_str(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  throw Error("field '" + std::string(key) + "' must be a string, found " + it->type_name(), where,
              "quote the value");
}

Example example_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error("expected a JSON object", where, "each record must be an object with named fields");
  Example e;
  e.id = opt_str(j, "id", where);
  e.task = opt_str(j, "task", where);
  e.category = opt_str(j, "category", where);
  e.question = opt_str(j, "question", where);
  e.answer = opt_str(j, "answer", where);
  e.context = opt_str(j, "context", where);
  e.prompt = opt_str(j, "prompt", where);
  if (auto it = j.find("choices"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) throw Error("field 'choices' must be an array of strings", where, "write [\"...\", \"...\"]");
    for (const auto& c : *it) {
      if (!c.is_string()) throw Error("field 'choices' must hold strings only", where, "quote each choice");
      e.choices.push_back(c.get<std::string>());
    }
  }
  if (auto it = j.find("meta"); it != j.end() && !it->is_null()) e.meta = *it;
  return e;
}

std::string choice_letter(size_t index) {
  if (index >= 26) throw Error("choice index " + std::to_string(index) + " has no letter", "choices", "at most 26 choices");
  return std::string(1, static_cast<char>('A' + index));
}

std::map<std::string, size_t> category_counts(const Dataset& d) {
  std::map<std::string, size_t> m;
  for (const auto& e : d.examples) ++m[e.category];
  return m;
}

void write_examples_jsonl(const std::string& path, const Dataset& d) {
  std::string out;
  for (const auto& e : d.examples) {
    out += example_to_json(e).dump();
    out += '\n';
  }
  io::write_file_atomic(path, out);
}

}  // namespace laser::data
