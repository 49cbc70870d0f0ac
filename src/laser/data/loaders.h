// Dataset loaders for the task formats laser trains and evaluates on: GSM8K JSONL, StrategyQA
// (BIG-bench task JSON and the train/valid/test split JSON), MMLU CSV, instruction prompts
// (AlpacaEval / {"prompt"} / chat "messages"), LongBench-v2 (.md + _context.txt), NQ-Open
// (lost-in-the-middle, .jsonl.gz), a generic JSONL/JSON/CSV loader with a field mapping, and the
// load_dataset dispatcher. Errors name the input's file:line and give a hint. Not answer matching
// (answer.h) and not splitting (split.h). Formats as found under shared/ext/datasets.
#pragma once
#include <string>
#include <vector>

#include "laser/data/example.h"
#include "laser/data/world.h"

namespace laser::data {

// Which record field fills which Example field (generic loader). Empty = not read.
// For CSV, `choices` may name several columns joined by '|': "choice0|choice1|choice2|choice3".
struct FieldMap {
  std::string id = "id";
  std::string question = "question";
  std::string answer = "answer";
  std::string choices = "choices";
  std::string context = "context";
  std::string category = "category";
  std::string prompt = "prompt";
};
// "question=instruction,answer=output" -> FieldMap (other fields keep their defaults). Unknown
// keys throw with the nearest valid key.
FieldMap parse_field_map(const std::string& spec);

struct LoadOptions {
  std::string template_spec;  // "" = the format's default preset; "none" = leave prompts as loaded;
                              // else a preset name or template text (see prompt_template.h)
  size_t limit = 0;           // keep the first `limit` examples (0 = all)
  FieldMap fields;            // generic loader only
  std::string name;           // dataset name ("" = derived from the path)
};

// The built-in world from its options (no spec string), templated as load_dataset("world", ...) does.
Dataset load_world(const WorldOptions& w, const LoadOptions& opt = {});

Dataset load_gsm8k(const std::string& path, const LoadOptions& opt = {});
Dataset load_strategyqa(const std::string& path, const LoadOptions& opt = {});
// `path` is one CSV file or a folder of <subject>_<split>.csv files (read in name order).
Dataset load_mmlu(const std::string& path, const LoadOptions& opt = {});
Dataset load_instructions(const std::string& path, const LoadOptions& opt = {});
// `path` is one item's .md file or a folder searched recursively for them.
Dataset load_longbench(const std::string& path, const LoadOptions& opt = {});
// NQ-Open with passages (question, answers, ctxs) or key-value retrieval (ordered_kv_records, key,
// value), one record per line, .gz read through gzip.
Dataset load_nq(const std::string& path, const LoadOptions& opt = {});
// .jsonl / .jsonl.gz / .json (array, or object holding an "examples" or "data" array) / .csv (header row).
Dataset load_generic(const std::string& path, const LoadOptions& opt = {});

// format: gsm8k | strategyqa | mmlu | instructions | longbench | nq | jsonl | world. For world,
// `path` is a spec such as "n=300,seed=1,skills=add+mul+cmp" ("" = defaults; see world.h).
Dataset load_dataset(const std::string& format, const std::string& path, const LoadOptions& opt = {});
std::vector<std::string> dataset_formats();

// 1-based line of each '{' that opens an object at nesting depth `depth` (0 = top level), in file
// order: the lines of the records of a JSON array file, used to name them in errors.
std::vector<size_t> json_object_lines(const std::string& text, int depth);

}  // namespace laser::data
