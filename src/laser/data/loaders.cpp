// Task-format loaders and the load_dataset dispatcher. Formats follow the files under
// shared/ext/datasets (see its SOURCES.md); not a downloader.
#include "laser/data/loaders.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/data/csv.h"
#include "laser/data/prompt_template.h"
#include "laser/data/world.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"

namespace fs = std::filesystem;

namespace laser::data {

using json = nlohmann::json;

namespace {

// File name without folders and without the given extensions (".jsonl.gz" before ".gz").
std::string stem_of(const std::string& path) {
  std::string s = fs::path(path).filename().string();
  for (const char* ext : {".jsonl.gz", ".json.gz", ".jsonl", ".json", ".csv", ".md", ".gz", ".txt"})
    if (ends_with(s, ext)) return s.substr(0, s.size() - std::string(ext).size());
  return s;
}

void require_file(const std::string& path, const std::string& what) {
  if (!io::file_exists(path) || io::dir_exists(path))
    throw Error(what + " file not found", path, "check the path (datasets live under shared/ext/datasets)");
}

// "Yes." / "No" / "TRUE" -> "yes" / "no"; "" when it is neither.
std::string yes_no(const std::string& raw) {
  std::string s = ascii_lower(trim(raw));
  while (!s.empty() && (s.back() == '.' || s.back() == '!')) s.pop_back();
  if (s == "yes" || s == "true") return "yes";
  if (s == "no" || s == "false") return "no";
  return "";
}

// Applies the template choice and the limit; `def` is the format's default preset.
void finish(Dataset& d, const LoadOptions& opt, const std::string& def) {
  if (opt.limit > 0 && d.examples.size() > opt.limit) d.examples.resize(opt.limit);
  if (opt.template_spec == "none") return;
  if (!opt.template_spec.empty()) {
    apply_template(d, get_template(opt.template_spec));
    return;
  }
  if (def.empty()) {  // generic: keep prompts that came with the data, fill the others
    const PromptTemplate plain = get_template("reasoning"), mcq = get_template("mcq");
    for (auto& e : d.examples)
      if (e.prompt.empty()) e.prompt = (e.choices.empty() ? plain : mcq).render(e);
    return;
  }
  apply_template(d, get_template(def));
}

std::string dataset_name(const LoadOptions& opt, const std::string& fallback) {
  return opt.name.empty() ? fallback : opt.name;
}

// A JSON value as text: strings as they are, numbers and booleans printed.
std::string as_text(const json& v, const std::string& key, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    double x = v.get<double>();
    if (x == static_cast<double>(static_cast<long long>(x))) return std::to_string(static_cast<long long>(x));
    return v.dump();
  }
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_null()) return "";
  throw Error("field '" + key + "' must be a string or a number, found " + v.type_name(), where,
              "map another field or flatten this one");
}

// Records of a JSON file that is an array, or an object holding an array under one of `keys`.
// Returns each record with its "file:line".
std::vector<std::pair<json, std::string>> json_records(const std::string& path,
                                                       const std::vector<std::string>& keys) {
  std::string text = io::read_file(path);
  json root = io::read_json(path);
  const json* arr = nullptr;
  int depth = 1;
  if (root.is_array()) {
    arr = &root;
  } else if (root.is_object()) {
    for (const auto& k : keys)
      if (root.contains(k) && root[k].is_array()) { arr = &root[k]; depth = 2; break; }
  }
  if (!arr)
    throw Error("expected a JSON array of records" + (keys.empty() ? std::string() : " or an object with \"" + join(keys, "\" or \"") + "\""),
                path, "write one object per record inside [ ... ]");
  std::vector<size_t> lines = json_object_lines(text, depth);
  const size_t n_objects =
      static_cast<size_t>(std::count_if(arr->begin(), arr->end(), [](const json& x) { return x.is_object(); }));
  // Lines are trusted only when the scan found exactly one opening brace per record.
  const bool have_lines = lines.size() == n_objects;
  std::vector<std::pair<json, std::string>> out;
  size_t obj_i = 0;
  for (size_t i = 0; i < arr->size(); ++i) {
    const json& r = (*arr)[i];
    std::string where;
    if (r.is_object() && have_lines)
      where = path + ":" + std::to_string(lines[obj_i]);
    else
      where = path + ": record " + std::to_string(i);
    if (r.is_object()) ++obj_i;
    out.emplace_back(r, where);
  }
  return out;
}

}  // namespace

std::vector<size_t> json_object_lines(const std::string& text, int depth) {
  std::vector<size_t> out;
  int d = 0;
  size_t line = 1;
  bool in_str = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') ++line;
    if (in_str) {
      if (c == '\\') { if (i + 1 < text.size() && text[i + 1] == '\n') ++line; ++i; }
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{' || c == '[') {
      if (c == '{' && d == depth) out.push_back(line);
      ++d;
    } else if (c == '}' || c == ']') --d;
  }
  return out;
}

// ---------------------------------------------------------------- GSM8K
Dataset load_gsm8k(const std::string& path, const LoadOptions& opt) {
  require_file(path, "GSM8K");
  Dataset d;
  d.name = dataset_name(opt, "gsm8k-" + stem_of(path));
  const std::string stem = stem_of(path);
  io::for_each_jsonl(path, [&](const json& j, const std::string& where) {
    Example e;
    e.task = "gsm8k";
    e.category = "gsm8k";
    e.id = "gsm8k-" + stem + "-" + std::to_string(d.examples.size());
    e.question = io::json_str(j, "question", where);
    std::string full = io::json_str(j, "answer", where);
    size_t pos = full.rfind("####");
    if (pos == std::string::npos)
      throw Error("answer has no '####' before the final number", where, "GSM8K answers end with '#### <number>'");
    std::string gold = trim(full.substr(pos + 4));
    std::string clean;
    for (char c : gold)
      if (c != ',') clean += c;
    if (clean.empty()) throw Error("empty final answer after '####'", where, "GSM8K answers end with '#### <number>'");
    e.answer = clean;
    e.meta["rationale"] = trim(full.substr(0, pos));
    e.meta["answer_raw"] = full;
    d.examples.push_back(std::move(e));
  });
  finish(d, opt, "reasoning");
  return d;
}

// ---------------------------------------------------------------- StrategyQA
Dataset load_strategyqa(const std::string& path, const LoadOptions& opt) {
  require_file(path, "StrategyQA");
  Dataset d;
  const std::string stem = stem_of(path);
  d.name = dataset_name(opt, "strategyqa-" + stem);
  json root = io::read_json(path);
  const bool bigbench = root.is_object() && root.contains("examples");
  for (const auto& [r, where] : json_records(path, {"examples"})) {
    Example e;
    e.task = "strategyqa";
    e.category = "strategyqa";
    e.id = "strategyqa-" + stem + "-" + std::to_string(d.examples.size());
    if (bigbench) {
      e.question = io::json_str(r, "input", where);
      const json& ts = io::json_get(r, "target_scores", where);
      if (!ts.is_object()) throw Error("'target_scores' must be an object", where, "BIG-bench: {\"Yes\": 1, \"No\": 0}");
      std::string best;
      int n_best = 0;
      for (auto it = ts.begin(); it != ts.end(); ++it)
        if (it.value().is_number() && it.value().get<double>() > 0.5) { best = it.key(); ++n_best; }
      if (n_best != 1 || yes_no(best).empty())
        throw Error("'target_scores' must score exactly one of Yes/No as 1", where, "BIG-bench: {\"Yes\": 1, \"No\": 0}");
      e.answer = yes_no(best);
      if (r.contains("target")) e.meta["explanation"] = as_text(r["target"], "target", where);
    } else {
      e.question = io::json_str(r, "question", where);
      const json& a = io::json_get(r, "answer", where);
      std::string raw = a.is_boolean() ? (a.get<bool>() ? "yes" : "no") : as_text(a, "answer", where);
      e.answer = yes_no(raw);
      if (e.answer.empty())
        throw Error("answer '" + raw + "' is not yes/no", where, "StrategyQA answers are \"Yes.\" or \"No.\" (or true/false)");
      for (const char* k : {"steps", "facts"})
        if (r.contains(k)) e.meta["facts"] = r[k];
      if (r.contains("qid")) e.id = as_text(r["qid"], "qid", where);
    }
    d.examples.push_back(std::move(e));
  }
  finish(d, opt, "reasoning");
  return d;
}

// ---------------------------------------------------------------- MMLU
static void load_mmlu_file(const std::string& path, Dataset& d) {
  std::string stem = stem_of(path), subject = stem, split;
  for (const char* suf : {"_dev", "_test", "_val", "_validation", "_train", "_auxiliary_train"})
    if (ends_with(stem, suf)) {
      subject = stem.substr(0, stem.size() - std::string(suf).size());
      split = std::string(suf).substr(1);
      break;
    }
  std::vector<CsvRow> rows = read_csv(path, 6);
  size_t first = 0;
  if (!rows.empty() && rows[0].fields[0] == "question" && rows[0].fields[5] == "answer") first = 1;
  size_t index = 0;
  for (size_t r = first; r < rows.size(); ++r) {
    const auto& f = rows[r].fields;
    const std::string where = path + ":" + std::to_string(rows[r].line);
    std::string a = trim(f[5]);
    std::string letter;
    if (a.size() == 1 && a[0] >= '0' && a[0] <= '3') letter = choice_letter(static_cast<size_t>(a[0] - '0'));
    else if (a.size() == 1 && a[0] >= 'A' && a[0] <= 'D') letter = a;
    else throw Error("answer '" + a + "' is not 0-3 or A-D", where, "the last column is the index of the correct choice");
    Example e;
    e.task = "mmlu";
    e.category = subject;
    e.id = "mmlu-" + subject + (split.empty() ? "" : "-" + split) + "-" + std::to_string(index++);
    e.question = f[0];
    e.choices = {f[1], f[2], f[3], f[4]};
    e.answer = letter;
    e.meta["subject"] = subject;
    if (!split.empty()) e.meta["split"] = split;
    d.examples.push_back(std::move(e));
  }
}

Dataset load_mmlu(const std::string& path, const LoadOptions& opt) {
  Dataset d;
  if (io::dir_exists(path)) {
    std::vector<std::string> files;
    for (const auto& ent : fs::directory_iterator(path))
      if (ent.is_regular_file() && ends_with(ent.path().string(), ".csv")) files.push_back(ent.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty())
      throw Error("no .csv files in the MMLU folder", path, "point at a split folder such as mmlu/dev or mmlu/test");
    for (const auto& f : files) load_mmlu_file(f, d);
    d.name = dataset_name(opt, "mmlu-" + fs::path(path).lexically_normal().filename().string());
    if (d.name == "mmlu-") d.name = dataset_name(opt, "mmlu-" + fs::path(path).lexically_normal().parent_path().filename().string());
  } else {
    require_file(path, "MMLU");
    load_mmlu_file(path, d);
    d.name = dataset_name(opt, "mmlu-" + stem_of(path));
  }
  finish(d, opt, "mcq");
  return d;
}

// ---------------------------------------------------------------- instructions
static Example instruction_example(const json& r, const std::string& where, const std::string& stem, size_t index) {
  Example e;
  e.task = "instructions";
  e.category = "instruction";
  e.id = stem + "-" + std::to_string(index);
  if (r.is_string()) {
    e.question = r.get<std::string>();
    return e;
  }
  if (!r.is_object()) throw Error("expected a JSON object or string", where, "one instruction per record");
  json meta = json::object();
  std::vector<std::string> used;
  for (const char* k : {"instruction", "prompt", "question"})
    if (r.contains(k) && r[k].is_string()) { e.question = r[k].get<std::string>(); used.push_back(k); break; }
  if (e.question.empty()) {
    for (const char* k : {"messages", "conversation"})
      if (r.contains(k) && r[k].is_array()) {
        for (const auto& m : r[k])
          if (m.is_object() && m.value("role", "") == "user" && m.contains("content") && m["content"].is_string()) {
            e.question = m["content"].get<std::string>();
            break;
          }
        used.push_back(k);
        break;
      }
  }
  if (e.question.empty())
    throw Error("no instruction found", where,
                "give each record an \"instruction\" or \"prompt\" string, or \"messages\" with a user turn");
  for (const char* k : {"output", "reference", "response"})
    if (r.contains(k) && r[k].is_string()) { e.answer = r[k].get<std::string>(); used.push_back(k); break; }
  if (r.contains("id")) { e.id = as_text(r["id"], "id", where); used.push_back("id"); }
  for (const char* k : {"category", "dataset"})
    if (r.contains(k) && r[k].is_string() && !r[k].get<std::string>().empty()) {
      e.category = r[k].get<std::string>();
      break;
    }
  for (auto it = r.begin(); it != r.end(); ++it)
    if (std::find(used.begin(), used.end(), it.key()) == used.end()) meta[it.key()] = it.value();
  e.meta = meta;
  return e;
}

Dataset load_instructions(const std::string& path, const LoadOptions& opt) {
  require_file(path, "instructions");
  Dataset d;
  const std::string stem = stem_of(path);
  d.name = dataset_name(opt, stem);
  if (ends_with(path, ".json")) {
    for (const auto& [r, where] : json_records(path, {"examples", "data", "instructions"}))
      d.examples.push_back(instruction_example(r, where, stem, d.examples.size()));
  } else {
    io::for_each_jsonl(path, [&](const json& r, const std::string& where) {
      d.examples.push_back(instruction_example(r, where, stem, d.examples.size()));
    });
  }
  finish(d, opt, "instruction");
  return d;
}

// ---------------------------------------------------------------- LongBench-v2 (.md + _context.txt)
static Example load_longbench_item(const std::string& md_path) {
  std::vector<std::string> lines = split(io::read_file(md_path), '\n');
  std::string section;
  size_t section_line = 0;
  std::map<std::string, size_t> seen;
  Example e;
  e.task = "longbench";
  std::string question, answer;
  json meta = json::object();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = md_path + ":" + std::to_string(i + 1);
    if (starts_with(line, "# ")) {
      section = trim(line.substr(2));
      section_line = i + 1;
      seen[section] = section_line;
      continue;
    }
    std::string t = trim(line);
    if (section == "Metadata") {
      if (t.empty()) continue;
      size_t colon = t.find(':');
      if (!starts_with(t, "- ") || colon == std::string::npos)
        throw Error("metadata line is not '- Key: value'", where, "LongBench-v2 .md metadata is a bullet list");
      std::string key = ascii_lower(trim(t.substr(2, colon - 2)));
      meta[key] = trim(t.substr(colon + 1));
    } else if (section == "Question") {
      if (!question.empty() || !t.empty()) question += (question.empty() ? "" : "\n") + line;
    } else if (section == "Choices") {
      if (t.empty()) continue;
      // "- A: text"
      if (!(t.size() >= 4 && starts_with(t, "- ") && t[3] == ':' && t[2] == 'A' + static_cast<char>(e.choices.size())))
        throw Error("choice line is not '- " + choice_letter(e.choices.size()) + ": text'", where,
                    "choices are listed in order as '- A: ...', '- B: ...'");
      e.choices.push_back(trim(t.substr(4)));
    } else if (section == "Answer") {
      if (!t.empty() && answer.empty()) answer = t;
    }
  }
  for (const char* s : {"Question", "Choices", "Answer"})
    if (!seen.count(s)) throw Error(std::string("missing '# ") + s + "' section", md_path, "LongBench-v2 .md items have Metadata, Question, Choices and Answer");
  e.question = trim(question);
  if (answer.size() != 1 || answer[0] < 'A' || answer[0] >= 'A' + static_cast<char>(e.choices.size()))
    throw Error("answer '" + answer + "' is not a letter of the " + std::to_string(e.choices.size()) + " choices",
                md_path + ":" + std::to_string(seen["Answer"]), "the Answer section holds one letter");
  e.answer = answer;
  const std::string stem = stem_of(md_path);
  std::string ctx = (fs::path(md_path).parent_path() / (stem + "_context.txt")).string();
  if (!io::file_exists(ctx))
    throw Error("context file not found: " + ctx, md_path, "each item X.md needs X_context.txt beside it");
  e.context = io::read_file(ctx);
  e.id = meta.contains("id") ? meta["id"].get<std::string>() : stem;
  e.category = meta.contains("domain") ? meta["domain"].get<std::string>()
                                       : fs::path(md_path).parent_path().filename().string();
  meta["file"] = stem;
  e.meta = meta;
  return e;
}

Dataset load_longbench(const std::string& path, const LoadOptions& opt) {
  Dataset d;
  if (io::dir_exists(path)) {
    std::vector<std::string> files;
    for (const auto& ent : fs::recursive_directory_iterator(path))
      if (ent.is_regular_file() && ends_with(ent.path().string(), ".md")) files.push_back(ent.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error("no .md items in the LongBench folder", path, "point at longbench-v2-sample or one of its folders");
    for (const auto& f : files) d.examples.push_back(load_longbench_item(f));
    d.name = dataset_name(opt, "longbench");
  } else {
    require_file(path, "LongBench");
    d.examples.push_back(load_longbench_item(path));
    d.name = dataset_name(opt, "longbench-" + stem_of(path));
  }
  finish(d, opt, "longqa");
  return d;
}

// ---------------------------------------------------------------- NQ-Open and KV retrieval (lost in the middle)
Dataset load_nq(const std::string& path, const LoadOptions& opt) {
  require_file(path, "NQ");
  Dataset d;
  const std::string stem = stem_of(path);
  d.name = dataset_name(opt, stem);
  io::for_each_jsonl(path, [&](const json& j, const std::string& where) {
    Example e;
    if (j.is_object() && j.contains("ordered_kv_records")) {
      // lost-in-the-middle key-value retrieval: the records as one JSON object, the key as question.
      e.task = "kv";
      e.category = "kv";
      e.id = "kv-" + std::to_string(d.examples.size());
      const json& recs = j["ordered_kv_records"];
      if (!recs.is_array()) throw Error("'ordered_kv_records' must be an array of [key, value]", where, "kv-retrieval format");
      std::string ctx = "{";
      for (size_t k = 0; k < recs.size(); ++k) {
        if (!recs[k].is_array() || recs[k].size() != 2 || !recs[k][0].is_string() || !recs[k][1].is_string())
          throw Error("'ordered_kv_records' entry " + std::to_string(k) + " is not [key, value]", where, "kv-retrieval format");
        ctx += (k ? ",\n" : "\n") + json(recs[k][0]).dump() + ": " + json(recs[k][1]).dump();
      }
      e.context = ctx + "\n}";
      const std::string key = io::json_str(j, "key", where);
      e.question = "What is the value of the key \"" + key + "\" in the JSON object above?";
      e.answer = io::json_str(j, "value", where);
      e.meta["key"] = key;
      d.examples.push_back(std::move(e));
      return;
    }
    e.task = "nq";
    e.category = "nq";
    e.id = "nq-" + std::to_string(d.examples.size());
    e.question = io::json_str(j, "question", where);
    const json& answers = io::json_get(j, "answers", where);
    if (!answers.is_array() || answers.empty() || !answers[0].is_string())
      throw Error("'answers' must be a non-empty array of strings", where, "NQ-Open lists the accepted answers");
    e.answer = answers[0].get<std::string>();
    e.meta["answers"] = answers;
    if (j.contains("ctxs")) {
      const json& ctxs = j["ctxs"];
      if (!ctxs.is_array()) throw Error("'ctxs' must be an array", where, "documents as {\"title\", \"text\"}");
      std::string ctx;
      for (size_t k = 0; k < ctxs.size(); ++k) {
        const json& c = ctxs[k];
        if (!c.is_object()) throw Error("'ctxs' entries must be objects", where, "documents as {\"title\", \"text\"}");
        // lost-in-the-middle's document format.
        ctx += "Document [" + std::to_string(k + 1) + "](Title: " + c.value("title", "") + ") " + c.value("text", "") + "\n";
      }
      if (!ctx.empty()) ctx.pop_back();
      e.context = ctx;
    }
    d.examples.push_back(std::move(e));
  });
  finish(d, opt, "longqa");
  return d;
}

// ---------------------------------------------------------------- generic
FieldMap parse_field_map(const std::string& spec) {
  FieldMap m;
  const std::vector<std::string> keys = {"id", "question", "answer", "choices", "context", "category", "prompt"};
  for (const auto& part : split(spec, ',')) {
    std::string p = trim(part);
    if (p.empty()) continue;
    size_t eq = p.find('=');
    if (eq == std::string::npos)
      throw Error("field mapping '" + p + "' is not key=source", "fields", "write e.g. question=instruction,answer=output");
    std::string k = trim(p.substr(0, eq)), v = trim(p.substr(eq + 1));
    if (k == "id") m.id = v;
    else if (k == "question") m.question = v;
    else if (k == "answer") m.answer = v;
    else if (k == "choices") m.choices = v;
    else if (k == "context") m.context = v;
    else if (k == "category") m.category = v;
    else if (k == "prompt") m.prompt = v;
    else {
      std::string near = nearest(k, keys);
      throw Error("unknown field '" + k + "' in the mapping", "fields",
                  (near.empty() ? std::string() : "did you mean '" + near + "'? ") + "fields: " + join(keys, ", "));
    }
  }
  if (m.question.empty()) throw Error("the question field cannot be unmapped", "fields", "write question=SOURCE");
  return m;
}

static Example generic_example(const json& r, const std::string& where, const FieldMap& fm, const FieldMap& defaults,
                               const std::string& stem, size_t index) {
  if (!r.is_object()) throw Error("expected a JSON object", where, "one object per record");
  Example e;
  std::vector<std::string> used;
  // A field explicitly mapped away from its default must exist; default names are optional.
  auto get = [&](const std::string& src, const std::string& def_src, const std::string& field, bool required) {
    if (src.empty()) return std::string();
    auto it = r.find(src);
    if (it == r.end()) {
      if (required || src != def_src)
        throw Error("missing field '" + src + "' (mapped to " + field + ")", where,
                    "map " + field + " to a field the records have, e.g. --fields " + field + "=NAME");
      return std::string();
    }
    used.push_back(src);
    return as_text(*it, src, where);
  };
  e.question = get(fm.question, defaults.question, "question", true);
  e.answer = get(fm.answer, defaults.answer, "answer", false);
  e.context = get(fm.context, defaults.context, "context", false);
  e.category = get(fm.category, defaults.category, "category", false);
  e.prompt = get(fm.prompt, defaults.prompt, "prompt", false);
  e.id = get(fm.id, defaults.id, "id", false);
  if (e.id.empty()) e.id = stem + "-" + std::to_string(index);
  if (!fm.choices.empty()) {
    if (fm.choices.find('|') != std::string::npos) {
      for (const auto& col : split(fm.choices, '|')) {
        auto it = r.find(col);
        if (it == r.end())
          throw Error("missing field '" + col + "' (mapped to choices)", where, "map choices to columns the records have");
        e.choices.push_back(as_text(*it, col, where));
        used.push_back(col);
      }
    } else if (auto it = r.find(fm.choices); it != r.end()) {
      if (!it->is_array()) throw Error("field '" + fm.choices + "' must be an array of choices", where, "or map several columns with '|'");
      for (const auto& c : *it) e.choices.push_back(as_text(c, fm.choices, where));
      used.push_back(fm.choices);
    } else if (fm.choices != defaults.choices) {
      throw Error("missing field '" + fm.choices + "' (mapped to choices)", where, "map choices to a field the records have");
    }
  }
  for (const char* k : {"task"})
    if (r.contains(k) && r[k].is_string()) { e.task = r[k].get<std::string>(); used.push_back(k); }
  if (r.contains("meta") && r["meta"].is_object()) {
    e.meta = r["meta"];
  } else {
    for (auto it = r.begin(); it != r.end(); ++it)
      if (std::find(used.begin(), used.end(), it.key()) == used.end()) e.meta[it.key()] = it.value();
  }
  if (e.task.empty()) e.task = stem;
  return e;
}

Dataset load_generic(const std::string& path, const LoadOptions& opt) {
  require_file(path, "data");
  Dataset d;
  const std::string stem = stem_of(path);
  d.name = dataset_name(opt, stem);
  const FieldMap defaults;
  if (ends_with(path, ".csv")) {
    std::vector<CsvRow> rows = read_csv(path);
    if (rows.empty()) throw Error("empty CSV file", path, "the first row names the columns");
    const auto& header = rows[0].fields;
    for (size_t r = 1; r < rows.size(); ++r) {
      const std::string where = path + ":" + std::to_string(rows[r].line);
      if (rows[r].fields.size() != header.size())
        throw Error("expected " + std::to_string(header.size()) + " columns (as in the header), found " +
                        std::to_string(rows[r].fields.size()),
                    where, "quote fields that contain commas");
      json obj = json::object();
      for (size_t c = 0; c < header.size(); ++c) obj[header[c]] = rows[r].fields[c];
      d.examples.push_back(generic_example(obj, where, opt.fields, defaults, stem, d.examples.size()));
    }
  } else if (ends_with(path, ".json")) {
    for (const auto& [r, where] : json_records(path, {"examples", "data"}))
      d.examples.push_back(generic_example(r, where, opt.fields, defaults, stem, d.examples.size()));
  } else {
    io::for_each_jsonl(path, [&](const json& r, const std::string& where) {
      d.examples.push_back(generic_example(r, where, opt.fields, defaults, stem, d.examples.size()));
    });
  }
  finish(d, opt, "");
  return d;
}

// ---------------------------------------------------------------- dispatcher
std::vector<std::string> dataset_formats() {
  return {"gsm8k", "strategyqa", "mmlu", "instructions", "longbench", "nq", "jsonl", "world"};
}

Dataset load_world(const WorldOptions& w, const LoadOptions& opt) {
  Dataset d = generate_world(w);
  if (!opt.name.empty()) d.name = opt.name;
  if (opt.template_spec.empty() || opt.template_spec == "none") {
    if (opt.limit > 0 && d.examples.size() > opt.limit) d.examples.resize(opt.limit);
  } else {
    finish(d, opt, "world");
  }
  return d;
}

Dataset load_dataset(const std::string& format, const std::string& path, const LoadOptions& opt) {
  if (format == "gsm8k") return load_gsm8k(path, opt);
  if (format == "strategyqa") return load_strategyqa(path, opt);
  if (format == "mmlu") return load_mmlu(path, opt);
  if (format == "instructions") return load_instructions(path, opt);
  if (format == "longbench") return load_longbench(path, opt);
  if (format == "nq") return load_nq(path, opt);
  if (format == "jsonl" || format == "json" || format == "csv") return load_generic(path, opt);
  if (format == "world") return load_world(parse_world_spec(path), opt);
  std::string near = nearest(format, dataset_formats());
  throw Error("unknown dataset format '" + format + "'", "format",
              (near.empty() ? std::string() : "did you mean '" + near + "'? ") + "formats: " + join(dataset_formats(), ", "));
}

}  // namespace laser::data
