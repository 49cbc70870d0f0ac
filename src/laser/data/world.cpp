// The built-in world's generator, responses and writers. Arithmetic only; answers are checked by
// answer.h, not here.
#include "laser/data/world.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"

namespace laser::data {

using json = nlohmann::json;

std::vector<std::string> world_skills() { return {"add", "sub", "mul", "cmp"}; }

static void check_skill(const std::string& s) {
  auto all = world_skills();
  if (std::find(all.begin(), all.end(), s) == all.end()) {
    std::string near = nearest(s, all);
    throw Error("unknown world skill '" + s + "'", "world.skills",
                (near.empty() ? std::string() : "did you mean '" + near + "'? ") + "skills: " + join(all, ", "));
  }
}

WorldOptions parse_world_spec(const std::string& spec) {
  WorldOptions o;
  const std::vector<std::string> keys = {"n", "seed", "skills", "max", "worked", "template"};
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string part = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t eq = part.find('=');
    std::string key = trim(eq == std::string::npos ? part : part.substr(0, eq));
    if (key == "template") {  // takes the rest of the spec
      std::string rest = spec.substr(pos + part.find('=') + 1);
      o.prompt_template = get_template(rest).text();
      break;
    }
    pos = comma == std::string::npos ? spec.size() : comma + 1;
    if (trim(part).empty()) continue;
    if (eq == std::string::npos)
      throw Error("world spec item '" + part + "' is not key=value", "world spec '" + spec + "'",
                  "write e.g. n=300,seed=1,skills=add+mul+cmp");
    std::string val = trim(part.substr(eq + 1));
    auto to_num = [&](const std::string& k) -> unsigned long long {
      try {
        size_t used = 0;
        unsigned long long v = std::stoull(val, &used);
        if (used != val.size() || (!val.empty() && val[0] == '-')) throw std::invalid_argument("x");
        return v;
      } catch (const std::exception&) {
        throw Error("world." + k + " must be a non-negative integer, got '" + val + "'", "world spec '" + spec + "'",
                    "write " + k + "=NUMBER");
      }
    };
    if (key == "n") o.n = to_num(key);
    else if (key == "seed") o.seed = to_num(key);
    else if (key == "max") o.max_operand = static_cast<int>(to_num(key));
    else if (key == "worked") o.worked = to_num(key) != 0;
    else if (key == "skills") {
      o.skills.clear();
      for (const auto& s : split(val, '+'))
        if (!trim(s).empty()) o.skills.push_back(trim(s));
    } else {
      std::string near = nearest(key, keys);
      throw Error("unknown world spec key '" + key + "'", "world spec '" + spec + "'",
                  (near.empty() ? std::string() : "did you mean '" + near + "'? ") + "keys: " + join(keys, ", "));
    }
  }
  return o;
}

std::string world_answer(const std::string& skill, long a, long b) {
  if (skill == "add") return std::to_string(a + b);
  if (skill == "sub") return std::to_string(a - b);
  if (skill == "mul") return std::to_string(a * b);
  if (skill == "cmp") return std::to_string(std::max(a, b));
  check_skill(skill);
  return "";
}

static std::string world_question(const std::string& skill, long a, long b) {
  const std::string sa = std::to_string(a), sb = std::to_string(b);
  if (skill == "add") return sa + "+" + sb + "=?";
  if (skill == "sub") return sa + "-" + sb + "=?";
  if (skill == "mul") return sa + "*" + sb + "=?";
  return "max(" + sa + "," + sb + ")=?";  // cmp
}

Example make_world_example(const std::string& skill, long a, long b, const PromptTemplate& t, const std::string& id) {
  check_skill(skill);
  Example e;
  e.id = id;
  e.task = "world";
  e.category = skill;
  e.question = world_question(skill, a, b);
  e.answer = world_answer(skill, a, b);
  e.meta = json{{"skill", skill}, {"a", a}, {"b", b}};
  e.prompt = t.render(e);
  return e;
}

Dataset generate_world(const WorldOptions& opt) {
  if (opt.skills.empty()) throw Error("no skills", "world.skills", "name at least one of " + join(world_skills(), ", "));
  for (const auto& s : opt.skills) check_skill(s);
  if (opt.max_operand < 2 || opt.max_operand > 1000000)
    throw Error("world.max must be in 2..1000000, got " + std::to_string(opt.max_operand), "world.max", "99 gives 1-2 digit numbers");
  const PromptTemplate t(opt.prompt_template, "world.template");
  Rng rng(mix_seed(opt.seed, 0x3041d));
  const long mx = opt.max_operand;
  auto draw = [&](long lo, long hi) { return lo + static_cast<long>(rng.below(static_cast<uint64_t>(hi - lo + 1))); };
  std::map<std::string, std::set<std::string>> seen;
  Dataset d;
  d.name = "world";
  d.examples.reserve(opt.n);
  for (size_t i = 0; i < opt.n; ++i) {
    const std::string& skill = opt.skills[i % opt.skills.size()];
    long a = 0, b = 0;
    for (int attempt = 0; attempt < 64; ++attempt) {
      if (skill == "add") { a = draw(1, mx); b = draw(1, mx); }
      else if (skill == "sub") { a = draw(1, mx); b = draw(1, mx); if (a < b) std::swap(a, b); }
      else if (skill == "mul") { a = draw(2, 9); b = draw(1, mx); }
      else { a = draw(1, mx); do { b = draw(1, mx); } while (b == a); }  // cmp
      if (!seen[skill].count(world_question(skill, a, b))) break;  // distinct while the space allows
    }
    seen[skill].insert(world_question(skill, a, b));
    d.examples.push_back(make_world_example(skill, a, b, t, "world-" + std::to_string(opt.seed) + "-" + std::to_string(i)));
  }
  return d;
}

// Operands of a world example (false when it is not one).
static bool world_operands(const Example& e, std::string& skill, long& a, long& b) {
  if (!e.meta.is_object() || !e.meta.contains("skill") || !e.meta.contains("a") || !e.meta.contains("b")) return false;
  skill = e.meta["skill"].get<std::string>();
  a = e.meta["a"].get<long>();
  b = e.meta["b"].get<long>();
  return true;
}

static std::string op_text(const std::string& skill, long a, long b, const std::string& result) {
  const std::string sa = std::to_string(a), sb = std::to_string(b);
  if (skill == "add") return sa + "+" + sb + "=" + result;
  if (skill == "sub") return sa + "-" + sb + "=" + result;
  if (skill == "mul") return sa + "*" + sb + "=" + result;
  return "max(" + sa + "," + sb + ")=" + result;
}

static std::string format_response(const Example& e, const std::string& answer, bool worked) {
  std::string skill;
  long a, b;
  if (worked && world_operands(e, skill, a, b)) return op_text(skill, a, b, answer) + "\nFinal answer: " + answer;
  return "Final answer: " + answer;
}

std::string correct_response(const Example& e, bool worked) { return format_response(e, e.answer, worked); }

std::string operation_response(const Example& e, const std::string& op) {
  std::string skill;
  long a, b;
  if (!world_operands(e, skill, a, b))
    throw Error("example '" + e.id + "' is not a world example", e.id, "operation responses need the operands in meta");
  const std::string sa = std::to_string(a), sb = std::to_string(b);
  long r;
  std::string text;
  if (op == "+") r = a + b, text = sa + "+" + sb;
  else if (op == "-") r = a - b, text = sa + "-" + sb;
  else if (op == "*") r = a * b, text = sa + "*" + sb;
  else if (op == "max") r = std::max(a, b), text = "max(" + sa + "," + sb + ")";
  else if (op == "min") r = std::min(a, b), text = "min(" + sa + "," + sb + ")";
  else throw Error("unknown operation '" + op + "'", "operation_response", "use +, -, *, max or min");
  return text + "=" + std::to_string(r) + "\nFinal answer: " + std::to_string(r);
}

std::vector<std::string> wrong_answers(const Example& e, WrongKind kind) {
  std::string skill;
  long a, b;
  std::vector<long> cand;
  if (!world_operands(e, skill, a, b)) {
    // Not a world example: numeric gold answers still have off-by-one neighbours.
    try {
      size_t used = 0;
      long g = std::stol(e.answer, &used);
      if (used == e.answer.size() && kind != WrongKind::kWrongOperation) cand = {g + 1, g - 1};
    } catch (const std::exception&) {
    }
  } else {
    const long g = std::stol(world_answer(skill, a, b));
    if (kind != WrongKind::kWrongOperation) {
      cand.push_back(g + 1);
      cand.push_back(g - 1);
      if (skill == "add" || skill == "sub") { cand.push_back(g + 10); cand.push_back(g - 10); }
      if (skill == "mul") { cand.push_back(a * (b + 1)); cand.push_back(a * (b - 1)); }
    }
    if (kind != WrongKind::kOffByOne) {
      if (skill == "add") { cand.push_back(a * b); cand.push_back(std::labs(a - b)); }
      if (skill == "sub") cand.push_back(a + b);
      if (skill == "mul") cand.push_back(a + b);
      if (skill == "cmp") cand.push_back(std::min(a, b));
    }
  }
  std::vector<std::string> out;
  for (long c : cand) {
    std::string s = std::to_string(c);
    if (c < 0 || s == e.answer || std::find(out.begin(), out.end(), s) != out.end()) continue;
    out.push_back(s);
  }
  return out;
}

std::string wrong_response(const Example& e, Rng& rng, WrongKind kind, bool worked) {
  std::vector<std::string> w = wrong_answers(e, kind);
  if (w.empty()) w = wrong_answers(e, WrongKind::kAny);
  if (w.empty())
    throw Error("no wrong answer can be made for example '" + e.id + "'", e.id, "wrong responses need a numeric gold answer");
  return format_response(e, w[rng.below(w.size())], worked);
}

std::vector<SftRecord> make_warm_start_set(const Dataset& d, const WarmStartOptions& opt) {
  for (const auto& [skill, acc] : opt.per_skill)
    if (!(acc >= 0.0 && acc <= 1.0))
      throw Error("accuracy " + std::to_string(acc) + " for '" + skill + "' is outside [0, 1]", "warm_start.accuracy", "use a share such as 0.4");
  if (!(opt.accuracy >= 0.0 && opt.accuracy <= 1.0))
    throw Error("accuracy " + std::to_string(opt.accuracy) + " is outside [0, 1]", "warm_start.accuracy", "use a share such as 0.4");
  std::map<std::string, std::vector<size_t>> by_cat;
  for (size_t i = 0; i < d.examples.size(); ++i) by_cat[d.examples[i].category].push_back(i);
  std::vector<char> correct(d.examples.size(), 0);
  Rng rng(mix_seed(opt.seed, 0x5f7));
  for (auto& [cat, idx] : by_cat) {
    auto it = opt.per_skill.find(cat);
    double acc = it == opt.per_skill.end() ? opt.accuracy : it->second;
    size_t k = static_cast<size_t>(std::llround(acc * static_cast<double>(idx.size())));
    for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng.below(i)]);
    for (size_t j = 0; j < k && j < idx.size(); ++j) correct[idx[j]] = 1;
  }
  std::vector<SftRecord> out;
  out.reserve(d.examples.size());
  for (size_t i = 0; i < d.examples.size(); ++i) {
    const Example& e = d.examples[i];
    SftRecord r;
    r.id = e.id;
    r.category = e.category;
    r.prompt = e.prompt;
    r.correct = correct[i] != 0;
    r.response = r.correct ? correct_response(e, opt.worked) : wrong_response(e, rng, opt.wrong, opt.worked);
    out.push_back(std::move(r));
  }
  return out;
}

void write_sft_jsonl(const std::string& path, const std::vector<SftRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    out += json{{"prompt", r.prompt}, {"response", r.response}}.dump();
    out += '\n';
  }
  io::write_file_atomic(path, out);
}

void write_eval_jsonl(const std::string& path, const Dataset& d) { write_examples_jsonl(path, d); }

}  // namespace laser::data
