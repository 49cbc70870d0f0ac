// Evaluation: the RM-judged win rate (counts, ties, margin, per category, size checks) and the
// `laser eval` command end to end on tiny random models: accuracy, win rate against a baseline
// (a model against itself ties everywhere; otherwise the reported counts follow the judge's
// scores), chat templates, and its one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/win_rate.h"
#include "loop/loop_test_util.h"

using laser::io::json;
namespace io = laser::io;
using namespace laser;

using laser::loop::testing::sh;
using laser::loop::testing::tmp;

namespace {

// Scores a response by its length in bytes.
class LengthRM : public reward::RewardModel {
 public:
  LengthRM() : RewardModel("length") {}
  std::vector<double> score(const std::vector<reward::RewardItem>& items) override {
    std::vector<double> s;
    for (auto& it : items) s.push_back(static_cast<double>(it.response.size()));
    add_cost(static_cast<int64_t>(items.size()), 0, 0);
    return s;
  }
  std::string kind() const override { return "length"; }
};

data::Dataset three_categories() {
  data::Dataset d;
  for (int i = 0; i < 6; ++i) {
    data::Example e;
    e.id = "p" + std::to_string(i);
    e.category = i < 2 ? "a" : (i < 4 ? "b" : "c");
    e.prompt = "prompt " + std::to_string(i);
    d.examples.push_back(e);
  }
  return d;
}

// Tiny random models with the byte tokenizer, a judge file and an instruction dataset (made once).
struct Fixture {
  std::string dir, m1, m2, judge, data;
};
const Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    x.dir = tmp("eval-fixture");
    io::make_dirs(x.dir);
    x.m1 = x.dir + "/m1";
    x.m2 = x.dir + "/m2";
    std::string m3 = x.dir + "/m3";
    for (auto [d, seed] : std::vector<std::pair<std::string, int>>{{x.m1, 1}, {x.m2, 2}, {m3, 3}})
      if (!io::file_exists(d + "/config.json")) {
        int rc = 0;
        auto out = sh(std::string(LASER_BIN) + " init-model --preset tiny --tokenizer bytes --out " + d + " --seed " + std::to_string(seed), &rc);
        EXPECT_EQ(rc, 0) << out;
      }
    x.judge = x.dir + "/judge.toml";
    io::write_file_atomic(x.judge, "name = \"m3-likes\"\nkind = \"lm-likelihood\"\nmodel = \"" + m3 + "\"\nappend_eos = true\n");
    x.data = x.dir + "/instructions.jsonl";
    std::string lines;
    const char* ins[] = {"Write a haiku about rain.", "List three fruits.", "Explain gravity to a child.", "Say hello in French.",
                         "Give a synonym for happy.", "Name a planet."};
    for (int i = 0; i < 6; ++i)
      lines += json{{"instruction", ins[i]}, {"output", "ref"}, {"dataset", i % 2 ? "helpful" : "koala"}}.dump() + "\n";
    io::write_file_atomic(x.data, lines);
    return x;
  }();
  return f;
}

std::string eval_cmd(const std::string& args) { return std::string(LASER_BIN) + " eval --threads 1 --max-new-tokens 6 " + args; }

// `laser eval` of `model` against `baseline` on the fixture's instructions, judged by its judge.
std::string judged_cmd(const Fixture& f, const std::string& model, const std::string& baseline, const std::string& extra) {
  return eval_cmd("--model " + model + " --baseline " + baseline + " --judge " + f.judge + " --format instructions --data " + f.data + " " + extra);
}

}  // namespace

// Data where only some examples have a reference answer (partly labelled data): the others are not
// scored (NaN), and accuracy, n and the per-category counts are over the answered ones. (Before,
// the stories checker threw on an empty reference and the numeric ones counted it wrong.)
TEST(Eval, ExamplesWithoutAnAnswerAreNotScored) {
  data::Dataset d;
  auto add = [&](const std::string& answer, const std::string& category) {
    data::Example e;
    e.prompt = "p";
    e.answer = answer;
    e.category = category;
    d.examples.push_back(e);
  };
  add("name:Anna", "name");
  add("", "name");
  add("ending", "ending");
  add("", "ending");
  auto r = loop::score_responses(d, "story", {"Anna went home.", "Tom went home.", "It was a sunny day and", "x"});
  ASSERT_EQ(r.scores.size(), 4u);
  EXPECT_EQ(r.scores[0], 1.0);
  EXPECT_TRUE(std::isnan(r.scores[1]));
  EXPECT_EQ(r.scores[2], 0.0);  // no full sentence at the end
  EXPECT_TRUE(std::isnan(r.scores[3]));
  EXPECT_EQ(r.n, 2);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.5);
  EXPECT_EQ(r.count.at("name"), 1);
  EXPECT_DOUBLE_EQ(r.per_category.at("name"), 1.0);
  data::Dataset none;
  none.examples.push_back(d.examples[1]);
  EXPECT_TRUE(std::isnan(loop::score_responses(none, "gsm8k", {"42"}).accuracy));
}

TEST(WinRate, CountsWinsTiesLossesPerCategory) {
  LengthRM judge;
  auto d = three_categories();
  //                 a: win, tie    b: loss, win    c: tie, loss
  std::vector<std::string> mine = {"long", "ab", "x", "longer", "cd", "a"};
  std::vector<std::string> base = {"ab", "cd", "xyz", "short", "ef", "abc"};
  auto r = loop::judge_win_rate(judge, d, mine, base);
  EXPECT_EQ(r.n, 6);
  EXPECT_EQ(r.wins, 2);
  EXPECT_EQ(r.ties, 2);
  EXPECT_EQ(r.losses, 2);
  EXPECT_DOUBLE_EQ(r.win_rate, 0.5);
  EXPECT_DOUBLE_EQ(r.per_category.at("a"), 0.75);
  EXPECT_DOUBLE_EQ(r.per_category.at("b"), 0.5);
  EXPECT_DOUBLE_EQ(r.per_category.at("c"), 0.25);
  EXPECT_EQ(r.score, (std::vector<double>{4, 2, 1, 6, 2, 1}));
  EXPECT_EQ(r.baseline_score, (std::vector<double>{2, 2, 3, 5, 2, 3}));
  EXPECT_EQ(judge.cost().items, 12);
  // A margin of 1 turns the one-byte win (6 vs 5) into a tie; the others differ by 2.
  auto m = loop::judge_win_rate(judge, d, mine, base, 1.0);
  EXPECT_EQ(m.wins, 1);
  EXPECT_EQ(m.ties, 3);
  EXPECT_EQ(m.losses, 2);
  EXPECT_DOUBLE_EQ(m.win_rate, 2.5 / 6);
}

TEST(WinRate, SizeMismatchAndNegativeMarginAreErrors) {
  LengthRM judge;
  auto d = three_categories();
  std::vector<std::string> six(6, "x"), five(5, "x");
  EXPECT_THROW(loop::judge_win_rate(judge, d, six, five), Error);
  EXPECT_THROW(loop::judge_win_rate(judge, d, five, six), Error);
  EXPECT_THROW(loop::judge_win_rate(judge, d, six, six, -1.0), Error);
}

TEST(EvalCli, AccuracyOnWorldMatchesItsPerExampleScores) {
  const auto& f = fixture();
  std::string out = f.dir + "/acc.json";
  int rc = 0;
  auto log = sh(eval_cmd("--model " + f.m1 + " --format world --data n=30,seed=2 --limit 10 --out " + out), &rc);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("overall"), std::string::npos) << log;
  auto j = io::read_json(out);
  ASSERT_EQ(j["scores"].size(), 10u);
  ASSERT_EQ(j["responses"].size(), 10u);
  double sum = 0;
  for (auto& s : j["scores"]) {
    EXPECT_TRUE(s.get<double>() == 0.0 || s.get<double>() == 1.0);
    sum += s.get<double>();
  }
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), sum / 10);
  EXPECT_FALSE(j.contains("win_rate"));
}

TEST(EvalCli, ModelAgainstItselfTiesEverywhere) {
  const auto& f = fixture();
  std::string out = f.dir + "/self.json";
  int rc = 0;
  auto log = sh(judged_cmd(f, f.m1, f.m1, "--chat-template zephyr --out " + out), &rc);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("50.00%"), std::string::npos) << log;
  EXPECT_NE(log.find("wins 0, ties 6, losses 0"), std::string::npos) << log;
  auto j = io::read_json(out);
  EXPECT_EQ(j["chat_template"], "zephyr");
  EXPECT_EQ(j["responses"], j["baseline_responses"]);
  EXPECT_EQ(j["judge"]["name"], "m3-likes");
  EXPECT_DOUBLE_EQ(j["win_rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["win_rate_per_category"]["koala"].get<double>(), 0.5);
}

TEST(EvalCli, WinRateFollowsTheJudgeScores) {
  const auto& f = fixture();
  std::string out = f.dir + "/vs.json";
  int rc = 0;
  auto log = sh(judged_cmd(f, f.m1, f.m2, "--temperature 1 --seed 4 --out " + out), &rc);
  ASSERT_EQ(rc, 0) << log;
  auto j = io::read_json(out);
  auto a = j["judge_scores"].get<std::vector<double>>(), b = j["baseline_judge_scores"].get<std::vector<double>>();
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  int w = 0, t = 0, l = 0;
  auto ra = j["responses"].get<std::vector<std::string>>(), rb = j["baseline_responses"].get<std::vector<std::string>>();
  for (size_t i = 0; i < a.size(); ++i) (ra[i] == rb[i] ? t : a[i] > b[i] ? w : a[i] < b[i] ? l : t)++;
  EXPECT_EQ(j["wins"].get<int>(), w);
  EXPECT_EQ(j["ties"].get<int>(), t);
  EXPECT_EQ(j["losses"].get<int>(), l);
  EXPECT_DOUBLE_EQ(j["win_rate"].get<double>(), (w + 0.5 * t) / 6);
  EXPECT_NE(j["responses"], j["baseline_responses"]);  // two different random models, sampled
}

TEST(EvalCli, BadInvocationsGiveOneLineErrors) {
  const auto& f = fixture();
  auto check = [](const std::string& cmd, const std::string& want) {
    int rc = 0;
    auto log = sh(cmd, &rc);
    EXPECT_NE(rc, 0) << log;
    EXPECT_NE(log.find(want), std::string::npos) << log;
    EXPECT_LE(std::count(log.begin(), log.end(), '\n'), 1) << log;
  };
  check(eval_cmd("--model " + f.m1 + " --format instructions --data " + f.data), "--baseline DIR --judge RM.toml");
  check(eval_cmd("--model " + f.m1 + " --baseline " + f.m2 + " --format instructions --data " + f.data), "needs both a baseline model and a judge");
  check(eval_cmd("--model " + f.m1 + " --format world --data n=30 --chat-template auto"), "no known chat template");
  check(eval_cmd("--model " + f.m1 + " --baseline " + f.m2 + " --judge " + f.dir + "/missing.toml --format instructions --data " + f.data),
        "missing.toml");
}

// The judge can be one [[rm]] of a `laser train` config, picked by name.
TEST(EvalCli, JudgeFromATrainConfigByName) {
  const auto& f = fixture();
  std::string cfg = f.dir + "/train.toml";
  io::write_file_atomic(cfg, "[run]\nname = \"x\"\n[[rm]]\nname = \"check\"\nkind = \"verifier\"\ntype = \"exact\"\n" +
                                 io::read_file(f.judge).insert(0, "[[rm]]\n"));
  int rc = 0;
  auto log = sh(eval_cmd("--model " + f.m1 + " --baseline " + f.m1 + " --judge " + cfg + " --judge-name m3-likes --format instructions --data " + f.data),
                &rc);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_NE(log.find("judged by m3-likes (lm-likelihood)"), std::string::npos) << log;
  log = sh(eval_cmd("--model " + f.m1 + " --baseline " + f.m1 + " --judge " + cfg + " --format instructions --data " + f.data), &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("which one?"), std::string::npos) << log;
  EXPECT_NE(log.find("check, m3-likes"), std::string::npos) << log;
  log = sh(eval_cmd("--model " + f.m1 + " --baseline " + f.m1 + " --judge " + cfg + " --judge-name m3-like --format instructions --data " + f.data), &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(log.find("did you mean 'm3-likes'"), std::string::npos) << log;
}
