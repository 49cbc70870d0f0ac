// Answer extraction and matching (see answer.h). Plain string scanning plus a few std::regex
// searches; no tokenizer, no torch. SQuAD parts follow the official v1.1 evaluation script.
#include "laser/data/answer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>

#include "laser/core/strings.h"

namespace laser::data {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Unicode minus (U+2212) and en dash before a digit become '-'; non-breaking and thin spaces
// become ' ', so that the scanners below see plain ASCII.
std::string ascii_fold(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xE2 && i + 2 < s.size()) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]), c2 = static_cast<unsigned char>(s[i + 2]);
      if (c1 == 0x88 && c2 == 0x92) { out += '-'; i += 2; continue; }  // U+2212 minus
      if (c1 == 0x80 && c2 == 0x93) { out += '-'; i += 2; continue; }  // U+2013 en dash
      if (c1 == 0x80 && (c2 == 0x89 || c2 == 0xAF)) { out += ' '; i += 2; continue; }  // thin spaces
    }
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) { out += ' '; ++i; continue; }
    out += s[i];
  }
  return out;
}

// Strips markdown emphasis, quotes and surrounding whitespace: "**B**" -> "B".
std::string strip_decoration(const std::string& s) {
  size_t b = 0, e = s.size();
  auto deco = [](char c) { return std::isspace(static_cast<unsigned char>(c)) || c == '*' || c == '"' || c == '\'' || c == '`'; };
  while (b < e && deco(s[b])) ++b;
  while (e > b && deco(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool near_equal(double a, double b) { return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::max(std::fabs(a), std::fabs(b))); }

std::vector<std::string> words_lower(const std::string& s) {
  std::vector<std::string> w;
  std::string cur;
  for (char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c))) cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!cur.empty()) { w.push_back(cur); cur.clear(); }
  }
  if (!cur.empty()) w.push_back(cur);
  return w;
}

std::optional<bool> yes_no_word(const std::string& w) {
  if (w == "yes" || w == "true") return true;
  if (w == "no" || w == "false") return false;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> final_answer_segment(const std::string& response_in) {
  std::string response = ascii_fold(response_in);
  std::string low = ascii_lower(response);
  size_t best = std::string::npos, best_len = 0;
  for (const std::string& m : {std::string("final answer"), std::string("####")}) {
    size_t p = low.rfind(m);
    if (p != std::string::npos && (best == std::string::npos || p > best)) { best = p; best_len = m.size(); }
  }
  if (best == std::string::npos) return std::nullopt;
  size_t i = best + best_len;
  // skip "**", ":" and "is" right after the marker ("Final answer is: 5", "**Final answer:** 5")
  auto skip = [&] {
    while (i < response.size() && (response[i] == ' ' || response[i] == '\t' || response[i] == '*' || response[i] == ':')) ++i;
  };
  skip();
  if (low.compare(i, 3, "is ") == 0 || low.compare(i, 3, "is:") == 0) { i += 2; skip(); }
  // the answer may sit on the next non-empty line
  while (i < response.size() && (response[i] == '\n' || response[i] == '\r' || response[i] == ' ' || response[i] == '\t')) ++i;
  size_t e = response.find('\n', i);
  std::string seg = response.substr(i, e == std::string::npos ? std::string::npos : e - i);
  return strip_decoration(seg);
}

std::vector<double> find_numbers(const std::string& s_in) {
  std::string s = ascii_fold(s_in);
  std::vector<double> out;
  size_t n = s.size(), i = 0;
  while (i < n) {
    bool starts = is_digit(s[i]) || (s[i] == '.' && i + 1 < n && is_digit(s[i + 1]) && (i == 0 || !is_digit(s[i - 1])));
    if (!starts) { ++i; continue; }
    size_t start = i;
    bool neg = false;
    {
      long j = static_cast<long>(start) - 1;
      if (j >= 0 && s[j] == '$') --j;
      if (j >= 0 && s[j] == '-' && (j == 0 || !is_alnum(s[j - 1]))) neg = true;
    }
    std::string digits;
    bool grouped = false, decimal = false;
    while (i < n && is_digit(s[i])) digits += s[i++];
    // thousands groups: ",ddd" not followed by another digit
    while (!digits.empty() && i + 3 < n + 0 && s[i] == ',' && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
           (i + 4 >= n || !is_digit(s[i + 4]))) {
      digits += s.substr(i + 1, 3);
      i += 4;
      grouped = true;
    }
    if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
      decimal = true;
      digits += s[i++];
      while (i < n && is_digit(s[i])) digits += s[i++];
    }
    if (digits.empty() || digits == ".") continue;
    double v = std::stod(digits[0] == '.' ? "0" + digits : digits);
    if (!grouped && !decimal && i + 1 < n && s[i] == '/' && is_digit(s[i + 1])) {
      size_t k = i + 1;
      std::string den;
      while (k < n && is_digit(s[k])) den += s[k++];
      double d = std::stod(den);
      if (d != 0.0) { v /= d; i = k; }
    }
    out.push_back(neg ? -v : v);
  }
  return out;
}

std::optional<double> extract_numeric_answer(const std::string& response) {
  if (auto seg = final_answer_segment(response)) {
    std::string sub = *seg;
    size_t eq = sub.rfind('=');
    if (eq != std::string::npos) {
      auto after = find_numbers(sub.substr(eq + 1));
      if (!after.empty()) return after.front();
    }
    auto nums = find_numbers(sub);
    if (nums.empty()) return std::nullopt;
    return nums.front();
  }
  auto nums = find_numbers(response);
  if (nums.empty()) return std::nullopt;
  return nums.back();
}

bool numeric_match(const std::string& response, const std::string& reference) {
  std::optional<double> gold;
  if (auto seg = final_answer_segment(reference)) {
    auto nums = find_numbers(*seg);
    if (!nums.empty()) gold = nums.front();
  } else {
    auto nums = find_numbers(reference);
    if (!nums.empty()) gold = nums.back();
  }
  if (!gold) return false;
  auto got = extract_numeric_answer(response);
  return got && near_equal(*got, *gold);
}

std::vector<std::string> parse_choices(const std::string& prompt) {
  static const std::regex line_re(R"(^\s*\(?([A-J])[\)\.:]\s+(.*\S)\s*$)");
  std::map<char, std::string> found;
  for (const auto& line : split(prompt, '\n')) {
    std::smatch m;
    if (std::regex_match(line, m, line_re)) {
      char L = m[1].str()[0];
      if (!found.count(L)) found[L] = m[2].str();
    }
  }
  std::vector<std::string> out;
  for (char L = 'A'; found.count(L); ++L) out.push_back(found[L]);
  return out;
}

namespace {

std::optional<char> letter_from_choice_text(const std::string& text, const std::vector<std::string>& choices) {
  std::string nt = normalize_answer(text);
  if (nt.empty()) return std::nullopt;
  for (size_t k = 0; k < choices.size(); ++k)
    if (normalize_answer(choices[k]) == nt) return static_cast<char>('A' + k);
  // exactly one choice contained as a whole-token run
  std::optional<char> hit;
  std::string padded = " " + nt + " ";
  for (size_t k = 0; k < choices.size(); ++k) {
    std::string nc = normalize_answer(choices[k]);
    if (nc.empty()) continue;
    if (padded.find(" " + nc + " ") != std::string::npos) {
      if (hit) return std::nullopt;
      hit = static_cast<char>('A' + k);
    }
  }
  return hit;
}

}  // namespace

std::optional<char> extract_choice_letter(const std::string& response, const std::vector<std::string>& choices, int num_choices) {
  int n = choices.empty() ? num_choices : static_cast<int>(choices.size());
  n = std::max(1, std::min(n, 10));
  auto valid = [&](char c) { return c >= 'A' && c < 'A' + n; };
  if (auto seg = final_answer_segment(response)) {
    std::string s = *seg;
    if (s.size() >= 3 && s[0] == '(' && valid(s[1]) && s[2] == ')') return s[1];
    if (!s.empty() && valid(s[0]) && (s.size() == 1 || !is_alnum(s[1]))) return s[0];
    static const std::regex opt_re(R"((?:[Oo]ption|[Cc]hoice|\()\s*([A-J])\b)");
    std::smatch m;
    if (std::regex_search(s, m, opt_re) && valid(m[1].str()[0])) return m[1].str()[0];
    if (!choices.empty()) return letter_from_choice_text(s, choices);
    return std::nullopt;
  }
  static const std::regex ans_re(R"([Aa]nswer\s*(?:is|:)\s*:?\s*\(?([A-J])\)?(?![A-Za-z]))");
  std::optional<char> last;
  for (auto it = std::sregex_iterator(response.begin(), response.end(), ans_re); it != std::sregex_iterator(); ++it) {
    char c = (*it)[1].str()[0];
    if (valid(c)) last = c;
  }
  if (last) return last;
  static const std::regex paren_re(R"(\(([A-J])\))");
  for (auto it = std::sregex_iterator(response.begin(), response.end(), paren_re); it != std::sregex_iterator(); ++it) {
    char c = (*it)[1].str()[0];
    if (valid(c)) last = c;
  }
  return last;
}

std::optional<char> reference_letter(const std::string& reference, const std::vector<std::string>& choices, int num_choices) {
  int n = choices.empty() ? num_choices : static_cast<int>(choices.size());
  std::string r = strip_decoration(trim(reference));
  if (r.size() >= 2 && r.front() == '(' && r.back() == ')') r = r.substr(1, r.size() - 2);
  while (!r.empty() && (r.back() == '.' || r.back() == ')' || r.back() == ':')) r.pop_back();
  if (r.size() == 1) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(r[0])));
    if (c >= 'A' && c < 'A' + n) return c;
    if (is_digit(r[0]) && r[0] - '0' < n) return static_cast<char>('A' + (r[0] - '0'));
  }
  if (!choices.empty()) {
    std::string nr = normalize_answer(r);
    for (size_t k = 0; k < choices.size(); ++k)
      if (!nr.empty() && normalize_answer(choices[k]) == nr) return static_cast<char>('A' + k);
  }
  return std::nullopt;
}

bool choice_match(const std::string& response, const std::string& reference, const std::vector<std::string>& choices, int num_choices) {
  auto gold = reference_letter(reference, choices, num_choices);
  if (!gold) return false;
  auto got = extract_choice_letter(response, choices, num_choices);
  return got && *got == *gold;
}

std::optional<bool> extract_yes_no(const std::string& response) {
  if (auto seg = final_answer_segment(response)) {
    for (const auto& w : words_lower(*seg))
      if (auto v = yes_no_word(w)) return v;
    return std::nullopt;
  }
  static const std::regex ans_re(R"(answer\s*(?:is|:)\s*:?\s*\W*(yes|no|true|false)\b)", std::regex::icase);
  std::optional<bool> last;
  for (auto it = std::sregex_iterator(response.begin(), response.end(), ans_re); it != std::sregex_iterator(); ++it)
    last = yes_no_word(ascii_lower((*it)[1].str()));
  if (last) return last;
  auto words = words_lower(response);
  if (!words.empty())
    if (auto v = yes_no_word(words.front())) return v;
  for (auto it = words.rbegin(); it != words.rend(); ++it)
    if (auto v = yes_no_word(*it)) return v;
  return std::nullopt;
}

std::optional<bool> parse_yes_no(const std::string& reference) {
  auto words = words_lower(reference);
  if (words.empty()) return std::nullopt;
  return yes_no_word(words.front());
}

bool yes_no_match(const std::string& response, const std::string& reference) {
  auto gold = parse_yes_no(reference);
  auto got = extract_yes_no(response);
  return gold && got && *gold == *got;
}

std::string normalize_answer(const std::string& s) {
  std::string t;
  t.reserve(s.size());
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 128 && std::ispunct(u)) continue;
    t += static_cast<char>(u < 128 ? std::tolower(u) : u);
  }
  std::vector<std::string> kept;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty() && cur != "a" && cur != "an" && cur != "the") kept.push_back(cur);
    cur.clear();
  };
  for (char c : t) {
    if (std::isspace(static_cast<unsigned char>(c))) flush();
    else cur += c;
  }
  flush();
  return join(kept, " ");
}

std::vector<std::string> answer_tokens(const std::string& s) {
  std::string n = normalize_answer(s);
  if (n.empty()) return {};
  return split(n, ' ');
}

bool exact_match(const std::string& prediction, const std::string& gold) { return normalize_answer(prediction) == normalize_answer(gold); }

double token_f1(const std::string& prediction, const std::string& gold) {
  auto p = answer_tokens(prediction), g = answer_tokens(gold);
  if (p.empty() || g.empty()) return p.empty() && g.empty() ? 1.0 : 0.0;
  std::map<std::string, int> gc;
  for (const auto& w : g) ++gc[w];
  int common = 0;
  for (const auto& w : p) {
    auto it = gc.find(w);
    if (it != gc.end() && it->second > 0) { ++common; --it->second; }
  }
  if (common == 0) return 0.0;
  double prec = static_cast<double>(common) / p.size(), rec = static_cast<double>(common) / g.size();
  return 2 * prec * rec / (prec + rec);
}

std::string answer_span(const std::string& response) {
  if (auto seg = final_answer_segment(response)) return *seg;
  return response;
}

}  // namespace laser::data
