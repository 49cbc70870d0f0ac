// The stories world's openings, constraint checker and aspect scores (see stories.h). Word-level
// rules only; no model and no tokenizer.
#include "laser/data/stories.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "laser/core/error.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"

namespace laser::data {

std::vector<std::string> story_constraints() { return {"name", "length", "ending", "repeat"}; }

namespace {

const std::vector<std::string> kNames = {"Lily", "Tim", "Sue", "Ben", "Tom", "Max", "Mia", "Anna", "Sam", "Lucy", "Jack", "Amy"};
const std::vector<std::string> kAdjs = {"little", "kind", "happy", "brave", "shy", "curious"};
const std::vector<std::string> kAnimals = {"dog", "cat", "bird", "bunny", "frog", "duck", "bear", "fox"};
const std::vector<std::string> kPlaces = {"park", "garden", "forest", "lake", "beach", "farm", "house", "school"};
const std::vector<std::string> kObjects = {"ball", "box", "tree", "car", "toy", "cake", "rock", "boat"};
const std::vector<std::string> kWeather = {"sunny", "windy", "cold", "warm", "rainy"};

void check_constraint(const std::string& c) {
  auto all = story_constraints();
  if (std::find(all.begin(), all.end(), c) != all.end()) return;
  std::string near = nearest(c, all);
  throw Error("unknown story constraint '" + c + "'", "stories.constraints",
              (near.empty() ? std::string() : "did you mean '" + near + "'? ") + "constraints: " + join(all, ", "));
}

const std::string& pick(const std::vector<std::string>& v, Rng& rng) { return v[rng.below(v.size())]; }

// One opening of `constraint`'s family and its reference.
std::pair<std::string, std::string> make_opening(const std::string& c, const StoriesOptions& o, Rng& rng) {
  if (c == "name") {
    const std::string& name = pick(kNames, rng);
    return {"Once upon a time, there was a " + pick(kAdjs, rng) + " " + (rng.below(2) ? "girl" : "boy") + " named " + name + ".",
            "name:" + name};
  }
  if (c == "length")
    return {"One day, a " + pick(kAdjs, rng) + " " + pick(kAnimals, rng) + " went to the " + pick(kPlaces, rng) + ".",
            "length:" + std::to_string(o.min_words) + "-" + std::to_string(o.max_words)};
  if (c == "ending")
    return {"It was a " + pick(kWeather, rng) + " day. The " + pick(kAnimals, rng) + " wanted to play in the " + pick(kPlaces, rng) + ".",
            "ending"};
  return {"There was a big " + pick(kObjects, rng) + " in the " + pick(kPlaces, rng) + ".", "repeat:" + std::to_string(o.ngram)};
}

bool word_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '\''; }

// True when the trimmed text ends with . ! or ?, optionally followed by closing quotes.
bool ends_full_sentence(const std::string& text) {
  std::string t = trim(text);
  while (!t.empty() && (t.back() == '"' || t.back() == '\'')) t.pop_back();
  return !t.empty() && (t.back() == '.' || t.back() == '!' || t.back() == '?');
}

// Word n-grams of `words` that occurred earlier in the same list; `total` = number of n-grams.
size_t repeated_ngrams(const std::vector<std::string>& words, int n, size_t& total) {
  total = 0;
  if (n < 1 || words.size() < static_cast<size_t>(n)) return 0;
  std::set<std::string> seen;
  size_t rep = 0;
  for (size_t i = 0; i + n <= words.size(); ++i) {
    std::string key;
    for (int k = 0; k < n; ++k) key += words[i + k] + ' ';
    ++total;
    if (!seen.insert(key).second) ++rep;
  }
  return rep;
}

struct Constraint {
  std::string kind, name;
  int lo = 0, hi = 0, ngram = 0;
};

int parse_int(const std::string& s, const std::string& ref) {
  size_t used = 0;
  int v = -1;
  try {
    v = std::stoi(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  LASER_CHECK(used == s.size() && !s.empty() && v >= 0, "story reference '" + ref + "'", "'" + s + "' is not a non-negative integer",
              "write name:NAME, length:LO-HI, ending or repeat:N");
  return v;
}

Constraint parse_reference(const std::string& ref) {
  const std::string hint = "write name:NAME, length:LO-HI, ending or repeat:N";
  Constraint c;
  std::string r = trim(ref);
  size_t colon = r.find(':');
  c.kind = r.substr(0, colon);
  std::string arg = colon == std::string::npos ? "" : trim(r.substr(colon + 1));
  if (c.kind == "ending") return c;
  if (c.kind == "name") {
    LASER_CHECK(!arg.empty(), "story reference '" + ref + "'", "the name constraint names no one", hint);
    c.name = ascii_lower(arg);
    return c;
  }
  if (c.kind == "length") {
    size_t dash = arg.find('-');
    LASER_CHECK(dash != std::string::npos, "story reference '" + ref + "'", "a length band is LO-HI", hint);
    c.lo = parse_int(arg.substr(0, dash), ref);
    c.hi = parse_int(arg.substr(dash + 1), ref);
    LASER_CHECK(c.lo <= c.hi, "story reference '" + ref + "'", "the band's low end is above its high end", "e.g. length:10-30");
    return c;
  }
  if (c.kind == "repeat") {
    c.ngram = parse_int(arg, ref);
    LASER_CHECK(c.ngram >= 1, "story reference '" + ref + "'", "n-grams need n >= 1", "e.g. repeat:3");
    return c;
  }
  throw Error("'" + ref + "' is not a story constraint", "story reference", hint);
}

}  // namespace

Dataset generate_stories(const StoriesOptions& o) {
  LASER_CHECK(!o.constraints.empty(), "stories.constraints", "no constraints", "name at least one of " + join(story_constraints(), ", "));
  for (auto& c : o.constraints) check_constraint(c);
  LASER_CHECK(o.min_words >= 1 && o.min_words <= o.max_words, "stories.min_words/max_words",
              "the length band " + std::to_string(o.min_words) + "-" + std::to_string(o.max_words) + " is empty or starts below 1",
              "e.g. 10-30");
  LASER_CHECK(o.ngram >= 1, "stories.ngram", "n-grams need n >= 1", "use 3");
  Rng rng(mix_seed(o.seed, 0x570e1));
  std::map<std::string, std::set<std::string>> seen;
  Dataset d;
  d.name = "stories";
  for (size_t i = 0; i < o.n; ++i) {
    const std::string& c = o.constraints[i % o.constraints.size()];
    std::pair<std::string, std::string> op;
    for (int attempt = 0; attempt < 64; ++attempt) {
      op = make_opening(c, o, rng);
      if (!seen[c].count(op.first)) break;  // distinct while the family allows
    }
    seen[c].insert(op.first);
    Example e;
    e.id = "stories-" + std::to_string(o.seed) + "-" + std::to_string(i);
    e.task = "stories";
    e.category = c;
    e.question = e.prompt = op.first;
    e.answer = op.second;
    d.examples.push_back(std::move(e));
  }
  return d;
}

std::vector<std::string> story_words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    if (word_char(ch)) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string introduced_name(const std::string& prompt) {
  auto w = story_words(prompt);
  for (size_t i = 0; i + 1 < w.size(); ++i)
    if (w[i] == "named") return w[i + 1];
  return "";
}

static long first_mention(const std::vector<std::string>& words, const std::string& name) {
  for (size_t i = 0; i < words.size(); ++i)
    if (words[i] == name || words[i] == name + "'s") return static_cast<long>(i);
  return -1;
}

bool story_constraint_met(const std::string& response, const std::string& reference) {
  Constraint c = parse_reference(reference);
  auto words = story_words(response);
  if (words.empty()) return false;
  if (c.kind == "name") return first_mention(words, c.name) >= 0;
  if (c.kind == "length") return static_cast<int>(words.size()) >= c.lo && static_cast<int>(words.size()) <= c.hi;
  if (c.kind == "ending") return ends_full_sentence(response);
  size_t total = 0;
  return repeated_ngrams(words, c.ngram, total) == 0;  // repeat
}

double story_aspect_score(const std::string& aspect, const std::string& prompt, const std::string& response, const AspectParams& p) {
  auto words = story_words(response);
  const double n = static_cast<double>(words.size());
  if (aspect == "name") {
    std::string name = introduced_name(prompt);
    long at = name.empty() ? -1 : first_mention(words, name);
    return at < 0 ? 0.0 : 1.0 - 0.5 * static_cast<double>(at) / n;
  }
  if (aspect == "length") {
    int w = static_cast<int>(words.size());
    int d = w < p.min_words ? p.min_words - w : (w > p.max_words ? w - p.max_words : 0);
    return 1.0 / (1.0 + d / 5.0);
  }
  if (aspect == "ending") {
    if (words.empty()) return 0.0;
    if (ends_full_sentence(response)) return 1.0;
    size_t cut = response.find_last_of(".!?");
    if (cut == std::string::npos) return 0.0;
    return 0.5 * static_cast<double>(story_words(response.substr(0, cut)).size()) / n;
  }
  if (aspect == "repeat") {
    if (words.empty()) return 0.0;
    size_t total = 0, rep = repeated_ngrams(words, p.ngram, total);
    return total == 0 ? 1.0 : 1.0 - static_cast<double>(rep) / static_cast<double>(total);
  }
  check_constraint(aspect);
  return 0.0;
}

}  // namespace laser::data
