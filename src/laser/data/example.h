// Example and Dataset: the plain records every task format is loaded into (one prompt, its gold
// answer, optional choices and long context). Not a loader (see loaders.h) and not a prompt
// renderer (see prompt_template.h). Field meanings follow METHOD.md's tasks.
#pragma once
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

namespace laser::data {

struct Example {
  std::string id;        // unique within its dataset, e.g. "gsm8k-test-12"
  std::string task;      // format or task name: gsm8k, strategyqa, mmlu, alpaca_eval, world, ...
  std::string category;  // per-category reporting: MMLU subject, world skill, LongBench domain
  std::string question;
  std::vector<std::string> choices;  // multiple choice options in order (A, B, C, ...); empty otherwise
  std::string answer;    // gold answer text: number, letter, yes/no, or a reference answer
  std::string context;   // long-context material (LongBench, NQ passages); empty otherwise
  std::string prompt;    // the text the policy sees, filled by a template
  nlohmann::json meta = nlohmann::json::object();  // everything else (rationale, facts, source fields)
};

struct Dataset {
  std::string name;
  std::vector<Example> examples;
  size_t size() const { return examples.size(); }
  bool empty() const { return examples.empty(); }
};

// JSON record with every field (the format write_examples_jsonl writes and the jsonl loader reads).
nlohmann::json example_to_json(const Example& e);
// Inverse of example_to_json; `where` (file:line) names the record in errors.
Example example_from_json(const nlohmann::json& j, const std::string& where);

// Letter of a choice index: 0 -> "A", 1 -> "B", ...
std::string choice_letter(size_t index);
// Number of examples per category, sorted by category name.
std::map<std::string, size_t> category_counts(const Dataset& d);

// Writes one example_to_json record per line (atomically: a crash never leaves half a file).
void write_examples_jsonl(const std::string& path, const Dataset& d);

}  // namespace laser::data
