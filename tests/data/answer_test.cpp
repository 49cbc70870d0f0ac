// Tests of data/answer.h: fixed strings for each rule, then real dataset lines from ../shared/ext
// (gold answers score 1, perturbed ones 0).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "laser/data/answer.h"

using namespace laser::data;

TEST(Answer, FinalAnswerSegment) {
  EXPECT_EQ(*final_answer_segment("so 3+4=7.\nFinal answer: 7 apples.\n"), "7 apples.");
  EXPECT_EQ(*final_answer_segment("work\n#### 1,200"), "1,200");
  EXPECT_EQ(*final_answer_segment("**Final Answer:** B"), "B");
  EXPECT_EQ(*final_answer_segment("The final answer is: yes"), "yes");
  EXPECT_EQ(*final_answer_segment("Final answer:\n42"), "42");
  EXPECT_FALSE(final_answer_segment("no marker here").has_value());
}

TEST(Answer, FindNumbers) {
  auto v = find_numbers("costs $1,234.50 or -3 dollars, 3/4 cup, 50%, 1,2345 and 16-3.");
  std::vector<double> want = {1234.5, -3, 0.75, 50, 1, 2345, 16, 3};
  ASSERT_EQ(v.size(), want.size());
  for (size_t i = 0; i < v.size(); ++i) EXPECT_DOUBLE_EQ(v[i], want[i]) << i;
  EXPECT_DOUBLE_EQ(find_numbers("\xE2\x88\x92" "7")[0], -7.0);  // unicode minus
  EXPECT_DOUBLE_EQ(find_numbers(".5")[0], 0.5);
}

TEST(Answer, NumericMatch) {
  EXPECT_TRUE(numeric_match("Final answer: $18.", "18"));
  EXPECT_TRUE(numeric_match("Final answer: 1,200 dollars", "#### 1200"));
  EXPECT_TRUE(numeric_match("Final answer: 16 - 3 - 4 = 9", "9"));
  EXPECT_TRUE(numeric_match("Final answer: -5", "-5"));
  EXPECT_TRUE(numeric_match("Final answer: 2.50", "2.5"));
  EXPECT_TRUE(numeric_match("She makes 9 * 2 = 18 dollars", "18"));  // no marker: last number
  EXPECT_FALSE(numeric_match("Final answer: 17", "18"));
  EXPECT_FALSE(numeric_match("Final answer: 5", "-5"));
  EXPECT_FALSE(numeric_match("Final answer: eighteen", "18"));
  EXPECT_FALSE(numeric_match("18 is wrong. Final answer: 19", "18"));
}

TEST(Answer, ChoiceLetters) {
  std::string prompt = "Q?\nA. red\nB. green\nC. blue light\nD. none";
  auto ch = parse_choices(prompt);
  ASSERT_EQ(ch.size(), 4u);
  EXPECT_EQ(ch[2], "blue light");
  EXPECT_EQ(*extract_choice_letter("Final answer: B", ch), 'B');
  EXPECT_EQ(*extract_choice_letter("Final answer: (C)", ch), 'C');
  EXPECT_EQ(*extract_choice_letter("Final answer: D. none", ch), 'D');
  EXPECT_EQ(*extract_choice_letter("Final answer: blue light", ch), 'C');
  EXPECT_EQ(*extract_choice_letter("I think the answer is (A).", ch), 'A');
  EXPECT_EQ(*extract_choice_letter("The answer is B", ch), 'B');
  EXPECT_FALSE(extract_choice_letter("Final answer: E", ch).has_value());
  EXPECT_FALSE(extract_choice_letter("no idea", ch).has_value());
  EXPECT_EQ(*reference_letter("1", ch), 'B');
  EXPECT_EQ(*reference_letter("b", ch), 'B');
  EXPECT_EQ(*reference_letter("(D)", ch), 'D');
  EXPECT_EQ(*reference_letter("green", ch), 'B');
  EXPECT_TRUE(choice_match("Final answer: green", "B", ch));
  EXPECT_FALSE(choice_match("Final answer: A", "B", ch));
}

TEST(Answer, YesNo) {
  EXPECT_EQ(*extract_yes_no("Final answer: Yes."), true);
  EXPECT_EQ(*extract_yes_no("Reasoning says no. So the answer is yes."), true);
  EXPECT_EQ(*extract_yes_no("No, because..."), false);
  EXPECT_EQ(*extract_yes_no("Final answer: false"), false);
  EXPECT_FALSE(extract_yes_no("Final answer: maybe").has_value());
  EXPECT_TRUE(yes_no_match("Final answer: no", "No."));
  EXPECT_FALSE(yes_no_match("Final answer: yes", "No."));
}

TEST(Answer, SquadNormalizationExactAndF1) {
  EXPECT_EQ(normalize_answer("  The  Eiffel Tower!! "), "eiffel tower");
  EXPECT_TRUE(exact_match("the Eiffel tower.", "Eiffel Tower"));
  EXPECT_FALSE(exact_match("Eiffel", "Eiffel Tower"));
  EXPECT_DOUBLE_EQ(token_f1("Eiffel", "the Eiffel Tower"), 2 * 1.0 * 0.5 / 1.5);
  EXPECT_DOUBLE_EQ(token_f1("Paris France", "Paris"), 2 * 0.5 * 1.0 / 1.5);
  EXPECT_DOUBLE_EQ(token_f1("london", "paris"), 0.0);
  EXPECT_DOUBLE_EQ(token_f1("a the", "an"), 1.0);  // both empty after normalization
  EXPECT_EQ(answer_span("blah\nFinal answer: Paris"), "Paris");
}

// ---------- real dataset lines ----------

namespace {

std::string ext_dir() {
  const char* e = std::getenv("LASER_SHARED_EXT");
  return e ? e : "";
}

std::vector<std::string> csv_row(std::istream& in) {
  // RFC 4180: quoted fields may hold commas, doubled quotes and newlines.
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  char c;
  while (in.get(c)) {
    any = true;
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') { field += '"'; in.get(c); }
        else quoted = false;
      } else field += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') { row.push_back(field); field.clear(); }
    else if (c == '\n') break;
    else if (c != '\r') field += c;
  }
  if (any) row.push_back(field);
  return row;
}

std::string fmt_number(double v) {
  std::ostringstream o;
  o.precision(12);
  o << v;
  return o.str();
}

}  // namespace

TEST(AnswerData, Gsm8kGoldScoresOnePerturbedZero) {
  std::string path = ext_dir() + "/datasets/gsm8k/test.jsonl";
  std::ifstream in(path);
  if (ext_dir().empty() || !in) GTEST_SKIP() << "needs LASER_SHARED_EXT with datasets/gsm8k/test.jsonl";
  std::string line;
  int n = 0;
  while (n < 50 && std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string sol = j["answer"];
    auto gold = extract_numeric_answer(sol);
    ASSERT_TRUE(gold.has_value()) << sol;
    // the whole reference solution (ends "#### N") matches itself
    EXPECT_TRUE(numeric_match(sol, sol)) << sol;
    std::string resp = "Let me think step by step.\nFinal answer: " + fmt_number(*gold) + ".";
    EXPECT_TRUE(numeric_match(resp, sol)) << resp;
    EXPECT_FALSE(numeric_match("Final answer: " + fmt_number(*gold + 1), sol)) << sol;
    ++n;
  }
  EXPECT_EQ(n, 50);
}

TEST(AnswerData, Gsm8kThousandsInGold) {
  std::string path = ext_dir() + "/datasets/gsm8k/train.jsonl";
  std::ifstream in(path);
  if (ext_dir().empty() || !in) GTEST_SKIP() << "needs LASER_SHARED_EXT with datasets/gsm8k/train.jsonl";
  std::string line;
  int found = 0;
  while (found < 5 && std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string sol = j["answer"];
    auto gold = extract_numeric_answer(sol);
    if (!gold || *gold < 1000 || *gold != static_cast<long long>(*gold)) continue;
    long long g = static_cast<long long>(*gold);
    std::string with_sep = std::to_string(g);
    for (int p = static_cast<int>(with_sep.size()) - 3; p > 0; p -= 3) with_sep.insert(p, ",");
    EXPECT_TRUE(numeric_match("Final answer: $" + with_sep, sol)) << with_sep;
    EXPECT_FALSE(numeric_match("Final answer: $" + with_sep + "1", sol)) << with_sep;
    ++found;
  }
  EXPECT_EQ(found, 5);
}

TEST(AnswerData, MmluGoldLetterScoresOne) {
  std::string path = ext_dir() + "/datasets/mmlu/dev/high_school_mathematics_dev.csv";
  std::ifstream in(path);
  if (ext_dir().empty() || !in) GTEST_SKIP() << "needs LASER_SHARED_EXT with datasets/mmlu/dev";
  auto header = csv_row(in);
  ASSERT_EQ(header.size(), 6u);
  EXPECT_EQ(header[5], "answer");
  int n = 0;
  while (in.peek() != EOF) {
    auto r = csv_row(in);
    if (r.size() != 6) continue;
    std::vector<std::string> ch(r.begin() + 1, r.begin() + 5);
    std::string prompt = r[0] + "\nA. " + ch[0] + "\nB. " + ch[1] + "\nC. " + ch[2] + "\nD. " + ch[3];
    ASSERT_EQ(parse_choices(prompt), ch);
    int gold = std::stoi(r[5]);
    char L = static_cast<char>('A' + gold), W = static_cast<char>('A' + (gold + 1) % 4);
    EXPECT_TRUE(choice_match(std::string("Final answer: ") + L, r[5], ch));
    EXPECT_TRUE(choice_match(std::string("Final answer: (") + L + ")", std::string(1, L), ch));
    EXPECT_FALSE(choice_match(std::string("Final answer: ") + W, r[5], ch));
    ++n;
  }
  EXPECT_EQ(n, 5);
}

TEST(AnswerData, StrategyQaGoldScoresOne) {
  std::string path = ext_dir() + "/datasets/strategyqa/codi_strategyqa_test.json";
  std::ifstream in(path);
  if (ext_dir().empty() || !in) GTEST_SKIP() << "needs LASER_SHARED_EXT with datasets/strategyqa";
  auto j = nlohmann::json::parse(in);
  int n = 0;
  for (const auto& ex : j) {
    std::string ans = ex["answer"];
    auto gold = parse_yes_no(ans);
    ASSERT_TRUE(gold.has_value()) << ans;
    std::string reason = ex["steps"].empty() ? "" : ex["steps"][0].get<std::string>();
    EXPECT_TRUE(yes_no_match(reason + "\nFinal answer: " + (*gold ? "Yes" : "No"), ans));
    EXPECT_FALSE(yes_no_match(reason + "\nFinal answer: " + (*gold ? "No" : "Yes"), ans));
    if (++n == 50) break;
  }
  EXPECT_EQ(n, 50);
}
