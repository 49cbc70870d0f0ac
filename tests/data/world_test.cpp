// Tests of the built-in world: determinism per seed, balanced skills, gold answers recomputed
// here from the question text, wrong responses always wrong, warm-start accuracy, writers.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "data/test_util.h"
#include "laser/core/error.h"
#include "laser/data/answer.h"
#include "laser/data/loaders.h"
#include "laser/data/world.h"
#include "laser/io/jsonl.h"

using namespace laser;
using namespace laser::data;

// Recomputes the gold answer from the question text alone (independently of world.cpp).
static std::string recompute(const std::string& skill, const std::string& question) {
  std::smatch m;
  if (skill == "cmp") {
    EXPECT_TRUE(std::regex_match(question, m, std::regex(R"(max\((\d+),(\d+)\)=\?)"))) << question;
    long a = std::stol(m[1]), b = std::stol(m[2]);
    EXPECT_NE(a, b);
    return std::to_string(a > b ? a : b);
  }
  EXPECT_TRUE(std::regex_match(question, m, std::regex(R"((\d+)([-+*])(\d+)=\?)"))) << question;
  long a = std::stol(m[1]), b = std::stol(m[3]);
  char op = m[2].str()[0];
  if (skill == "add") { EXPECT_EQ(op, '+'); EXPECT_LE(a, 99); EXPECT_LE(b, 99); return std::to_string(a + b); }
  if (skill == "sub") { EXPECT_EQ(op, '-'); EXPECT_GE(a, b); return std::to_string(a - b); }
  EXPECT_EQ(op, '*');
  EXPECT_GE(a, 2);
  EXPECT_LE(a, 9);
  return std::to_string(a * b);
}

// The number after "Final answer: " at the end of a response.
static std::string final_number(const std::string& r) {
  std::smatch m;
  if (!std::regex_search(r, m, std::regex(R"(Final answer: (-?\d+)$)"))) return "";
  return m[1];
}

TEST(World, DeterministicPerSeedAndBalanced) {
  WorldOptions o;
  o.n = 301;
  o.seed = 5;
  Dataset a = generate_world(o), b = generate_world(o);
  o.seed = 6;
  Dataset c = generate_world(o);
  ASSERT_EQ(a.size(), 301u);
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.examples[i].prompt, b.examples[i].prompt);
    EXPECT_EQ(a.examples[i].id, b.examples[i].id);
    differ += a.examples[i].question != c.examples[i].question;
  }
  EXPECT_GT(differ, 250u);
  auto cc = category_counts(a);
  ASSERT_EQ(cc.size(), 3u);
  EXPECT_EQ(cc.at("add"), 101u);
  EXPECT_EQ(cc.at("mul"), 100u);
  EXPECT_EQ(cc.at("cmp"), 100u);
}

TEST(World, GoldAnswersRecomputedIndependently) {
  WorldOptions o;
  o.n = 400;
  o.seed = 11;
  o.skills = {"add", "sub", "mul", "cmp"};
  Dataset d = generate_world(o);
  std::set<std::string> questions;
  for (const auto& e : d.examples) {
    EXPECT_EQ(e.task, "world");
    EXPECT_EQ(e.answer, recompute(e.category, e.question)) << e.id << " " << e.question;
    EXPECT_EQ(e.prompt, e.category + ": " + e.question + "\n");
    EXPECT_TRUE(questions.insert(e.question).second) << "duplicate " << e.question;
  }
}

TEST(World, PromptsOfDifferentSkillsAreDistinguishable) {
  Dataset d = generate_world(WorldOptions{});
  for (const auto& e : d.examples) EXPECT_EQ(e.prompt.substr(0, 5), e.category + ": ");
  EXPECT_LT(d.examples[0].prompt.size(), 24u);
}

TEST(World, TemplateIsAParameter) {
  WorldOptions o = parse_world_spec("n=6,seed=2,skills=mul+add,template=Q {question} A");
  EXPECT_EQ(o.skills, (std::vector<std::string>{"mul", "add"}));
  Dataset d = generate_world(o);
  ASSERT_EQ(d.size(), 6u);
  EXPECT_EQ(d.examples[0].category, "mul");
  EXPECT_EQ(d.examples[0].prompt, "Q " + d.examples[0].question + " A");
  // Through the dispatcher, the same spec gives the same set.
  Dataset via = load_dataset("world", "n=6,seed=2,skills=mul+add,template=Q {question} A");
  EXPECT_EQ(via.examples[5].prompt, d.examples[5].prompt);
}

TEST(World, SpecErrors) {
  EXPECT_THROW(parse_world_spec("n=abc"), Error);
  EXPECT_THROW(parse_world_spec("sed=3"), Error);
  EXPECT_THROW(generate_world(parse_world_spec("skills=add+div")), Error);
  try {
    parse_world_spec("skils=add");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'skills'"), std::string::npos) << e.what();
  }
}

TEST(World, CorrectAndWrongResponses) {
  const PromptTemplate t(kWorldTemplate);
  Example add = make_world_example("add", 23, 45, t, "x");
  EXPECT_EQ(add.prompt, "add: 23+45=?\n");
  EXPECT_EQ(add.answer, "68");
  EXPECT_EQ(correct_response(add), "Final answer: 68");
  EXPECT_EQ(correct_response(add, true), "23+45=68\nFinal answer: 68");
  EXPECT_EQ(wrong_answers(add, WrongKind::kOffByOne), (std::vector<std::string>{"69", "67", "78", "58"}));
  EXPECT_EQ(wrong_answers(add, WrongKind::kWrongOperation), (std::vector<std::string>{"1035", "22"}));
  Example cmp = make_world_example("cmp", 17, 9, t, "y");
  EXPECT_EQ(cmp.answer, "17");
  auto w = wrong_answers(cmp, WrongKind::kWrongOperation);
  EXPECT_EQ(w, (std::vector<std::string>{"9"}));
  // 2*2 = 2+2: the wrong operation gives the gold answer, so it is left out.
  Example mul = make_world_example("mul", 2, 2, t, "z");
  for (const auto& s : wrong_answers(mul)) EXPECT_NE(s, "4");
  EXPECT_TRUE(wrong_answers(mul, WrongKind::kWrongOperation).empty());
  Rng rng(1);
  for (int i = 0; i < 20; ++i) {
    std::string r = wrong_response(mul, rng, WrongKind::kWrongOperation);  // falls back to other kinds
    EXPECT_NE(final_number(r), "4");
    EXPECT_FALSE(final_number(r).empty()) << r;
  }
}

// The fair world's responses: one operation applied to the operands, worked, right or not.
TEST(World, OperationResponses) {
  const PromptTemplate t(kWorldTemplate);
  Example add = make_world_example("add", 3, 4, t, "a");
  EXPECT_EQ(operation_response(add, "+"), "3+4=7\nFinal answer: 7");
  EXPECT_EQ(operation_response(add, "-"), "3-4=-1\nFinal answer: -1");
  EXPECT_EQ(operation_response(add, "*"), "3*4=12\nFinal answer: 12");
  Example cmp = make_world_example("cmp", 17, 9, t, "c");
  EXPECT_EQ(operation_response(cmp, "max"), "max(17,9)=17\nFinal answer: 17");
  EXPECT_EQ(operation_response(cmp, "min"), "min(17,9)=9\nFinal answer: 9");
  // The verifier reads the final answer, not the worked line's operands.
  EXPECT_EQ(extract_numeric_answer(operation_response(add, "-")).value_or(0), -1.0);
  EXPECT_EQ(extract_numeric_answer(operation_response(add, "+")).value_or(0), 7.0);
  EXPECT_THROW(operation_response(add, "/"), Error);
  Example plain;
  plain.id = "p";
  plain.answer = "5";
  EXPECT_THROW(operation_response(plain, "+"), Error);
}

TEST(World, WrongResponsesAreAlwaysWrongAndWellFormed) {
  WorldOptions o;
  o.n = 200;
  o.skills = {"add", "sub", "mul", "cmp"};
  Dataset d = generate_world(o);
  Rng rng(3);
  for (const auto& e : d.examples)
    for (WrongKind k : {WrongKind::kAny, WrongKind::kOffByOne, WrongKind::kWrongOperation}) {
      std::string r = wrong_response(e, rng, k);
      std::string n = final_number(r);
      ASSERT_FALSE(n.empty()) << r;
      EXPECT_NE(n, recompute(e.category, e.question)) << e.question << " -> " << r;
      EXPECT_GE(std::stol(n), 0);
    }
}

TEST(World, WarmStartSetHitsTargetAccuracyPerSkill) {
  WorldOptions o;
  o.n = 300;
  o.seed = 4;
  Dataset d = generate_world(o);
  WarmStartOptions w;
  w.accuracy = 0.4;
  w.per_skill = {{"cmp", 0.6}};
  w.seed = 9;
  auto recs = make_warm_start_set(d, w);
  ASSERT_EQ(recs.size(), 300u);
  std::map<std::string, size_t> right, total;
  for (size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    EXPECT_EQ(r.prompt, d.examples[i].prompt);
    bool ok = final_number(r.response) == recompute(d.examples[i].category, d.examples[i].question);
    EXPECT_EQ(ok, r.correct) << r.response;
    right[r.category] += ok;
    ++total[r.category];
  }
  EXPECT_EQ(right["add"], 40u);
  EXPECT_EQ(right["mul"], 40u);
  EXPECT_EQ(right["cmp"], 60u);
  auto again = make_warm_start_set(d, w);
  for (size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(again[i].response, recs[i].response);
  w.accuracy = 1.5;
  EXPECT_THROW(make_warm_start_set(d, w), Error);
}

TEST(World, WritersProduceSftAndEvalFiles) {
  WorldOptions o;
  o.n = 9;
  Dataset d = generate_world(o);
  WarmStartOptions w;
  w.accuracy = 1.0;
  std::string sft = test_util::scratch("world_sft.jsonl"), ev = test_util::scratch("world_eval.jsonl");
  write_sft_jsonl(sft, make_warm_start_set(d, w));
  write_eval_jsonl(ev, d);
  auto lines = io::read_jsonl(sft);
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(lines[0].size(), 2u);
  EXPECT_EQ(lines[0]["prompt"], d.examples[0].prompt);
  EXPECT_EQ(lines[0]["response"], "Final answer: " + d.examples[0].answer);
  Dataset back = load_dataset("jsonl", ev);
  ASSERT_EQ(back.size(), 9u);
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_EQ(back.examples[i].prompt, d.examples[i].prompt);
    EXPECT_EQ(back.examples[i].answer, d.examples[i].answer);
    EXPECT_EQ(back.examples[i].category, d.examples[i].category);
    EXPECT_EQ(correct_response(back.examples[i], true), correct_response(d.examples[i], true));
  }
}
