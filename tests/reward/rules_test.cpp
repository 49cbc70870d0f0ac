// Verifier RMs on real dataset lines, the noise wrapper's reproducibility, ensembles (z-score
// mean, majority pairs) and the TOML factory's validation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "laser/reward/ensemble.h"
#include "laser/reward/noisy.h"
#include "laser/reward/reward_factory.h"
#include "laser/reward/verifier.h"

using namespace laser;
using namespace laser::reward;

namespace {

// Scores each response by its length: a deterministic fake inner RM.
class LengthRM : public RewardModel {
 public:
  explicit LengthRM(std::string n, double sign = 1) : RewardModel(std::move(n)), sign_(sign) {}
  std::vector<double> score(const std::vector<RewardItem>& items) override {
    std::vector<double> s;
    for (const auto& it : items) s.push_back(sign_ * static_cast<double>(it.response.size()));
    add_cost(static_cast<int64_t>(items.size()), 0, 0.0);
    return s;
  }
  std::string kind() const override { return "length"; }

 private:
  double sign_;
};

std::vector<RewardItem> group_items(int prompts, int n) {
  std::vector<RewardItem> v;
  for (int p = 0; p < prompts; ++p)
    for (int i = 0; i < n; ++i) v.push_back({"prompt " + std::to_string(p), std::string(1 + (i * 7 + p) % 13, 'x'), std::nullopt, ""});
  return v;
}

toml::table parse(const std::string& s) { return toml::parse(s); }

std::string expect_error(const std::string& toml_text) {
  try {
    make_reward_model(parse(toml_text), "test.toml [rm]");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << toml_text;
  return "";
}

}  // namespace

TEST(VerifierRM, Gsm8kRealLinesGoldOnePerturbedZero) {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  std::ifstream in(std::string(ext ? ext : "") + "/datasets/gsm8k/test.jsonl");
  if (!ext || !in) GTEST_SKIP() << "needs LASER_SHARED_EXT with datasets/gsm8k";
  std::vector<RewardItem> items;
  std::string line;
  while (items.size() < 40 && std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string sol = j["answer"];
    std::string gold = sol.substr(sol.rfind("####") + 4);
    // the reference solution itself (steps + "#### N") as the response, and a perturbed one
    items.push_back({j["question"], sol, sol, "gsm8k"});
    items.push_back({j["question"], "Final answer: " + gold + "1", sol, "gsm8k"});
  }
  auto rm = make_reward_model(parse("kind = \"verifier\"\ntype = \"gsm8k\"\nname = \"math\""), "t");
  auto s = rm->score(items);
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(s[i], i % 2 == 0 ? 1.0 : 0.0) << items[i].response;
  EXPECT_EQ(rm->cost().items, static_cast<int64_t>(items.size()));
  EXPECT_EQ(rm->cost().calls, 1);
  EXPECT_EQ(rm->cost().tokens, 0);
}

TEST(VerifierRM, MmluAndStrategyQaRealLines) {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  std::ifstream sq(std::string(ext ? ext : "") + "/datasets/strategyqa/codi_strategyqa_valid.json");
  if (!ext || !sq) GTEST_SKIP() << "needs LASER_SHARED_EXT with datasets/strategyqa";
  auto j = nlohmann::json::parse(sq);
  std::vector<RewardItem> items;
  for (size_t k = 0; k < 20 && k < j.size(); ++k) {
    std::string ans = j[k]["answer"];
    bool yes = ans.rfind("Yes", 0) == 0;
    items.push_back({j[k]["question"], std::string("Reasoning.\nFinal answer: ") + (yes ? "yes" : "no"), ans, "strategyqa"});
    items.push_back({j[k]["question"], std::string("Reasoning.\nFinal answer: ") + (yes ? "no" : "yes"), ans, "strategyqa"});
  }
  VerifierRM yn("yn", {VerifierType::YesNo, 4});
  auto s = yn.score(items);
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(s[i], i % 2 == 0 ? 1.0 : 0.0) << i;
  // MMLU: the prompt lists the options; the reference is the CSV's 0-based index
  RewardItem it{"Which is prime?\nA. 4\nB. 6\nC. 7\nD. 9", "It must be 7.\nFinal answer: C", std::string("2"), "mmlu"};
  VerifierRM mc("mc", {VerifierType::Mmlu, 4});
  EXPECT_EQ(mc.score({it})[0], 1.0);
  it.response = "Final answer: 7";  // the choice text
  EXPECT_EQ(mc.score({it})[0], 1.0);
  it.response = "Final answer: D";
  EXPECT_EQ(mc.score({it})[0], 0.0);
  VerifierRM f1("f1", {VerifierType::F1, 4});
  EXPECT_NEAR(f1.score({{"q", "Final answer: Paris France", std::string("Paris"), ""}})[0], 2.0 / 3.0, 1e-12);
  try {
    yn.score({{"q", "yes", std::nullopt, ""}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reward item 0"), std::string::npos);
  }
}

TEST(NoisyRM, SavedStateContinuesTheSameStream) {
  auto items = group_items(10, 4);
  NoisyRM a("noisy", std::make_unique<LengthRM>("len"), {0.3, 0.2, 7});
  a.score(items);  // advance the stream
  std::string st = a.save_state();
  EXPECT_FALSE(st.empty());
  auto next = a.score(items);
  NoisyRM b("noisy", std::make_unique<LengthRM>("len"), {0.3, 0.2, 7});
  EXPECT_NE(b.score(items), next);  // a fresh wrapper starts the stream over
  NoisyRM c("noisy", std::make_unique<LengthRM>("len"), {0.3, 0.2, 7});
  c.load_state(st, "ck");
  EXPECT_EQ(c.score(items), next);  // a restored one continues it
  EXPECT_THROW(c.load_state("{oops", "ck"), laser::Error);
  // An ensemble carries its members' states.
  std::vector<std::unique_ptr<RewardModel>> m1, m2;
  m1.push_back(std::make_unique<NoisyRM>("n", std::make_unique<LengthRM>("len"), NoisyRM::Options{0.5, 0.0, 3}));
  m1.push_back(std::make_unique<LengthRM>("len2"));
  m2.push_back(std::make_unique<NoisyRM>("n", std::make_unique<LengthRM>("len"), NoisyRM::Options{0.5, 0.0, 3}));
  m2.push_back(std::make_unique<LengthRM>("len2"));
  EnsembleRM e1("e", std::move(m1)), e2("e", std::move(m2));
  e1.score(items);
  e2.load_state(e1.save_state(), "ck");
  EXPECT_EQ(e1.score(items), e2.score(items));
  EXPECT_EQ(LengthRM("plain").save_state(), "");
}

TEST(NoisyRM, ReproducibleFromSeed) {
  auto items = group_items(50, 40);
  auto make = [](uint64_t seed, double sigma, double flip) {
    return NoisyRM("noisy", std::make_unique<LengthRM>("len"), {sigma, flip, seed});
  };
  auto a = make(5, 0.3, 0.2), b = make(5, 0.3, 0.2), c = make(6, 0.3, 0.2);
  auto sa = a.score(items), sb = b.score(items), sc = c.score(items);
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
  EXPECT_EQ(a.score(items), b.score(items));  // second calls agree too
  // Gaussian part: residuals have the configured spread
  auto g = make(9, 0.3, 0.0);
  auto sg = g.score(items);
  LengthRM clean("len");
  auto s0 = clean.score(items);
  double m = 0, v = 0;
  for (size_t i = 0; i < items.size(); ++i) m += sg[i] - s0[i];
  m /= items.size();
  for (size_t i = 0; i < items.size(); ++i) v += (sg[i] - s0[i] - m) * (sg[i] - s0[i] - m);
  EXPECT_NEAR(std::sqrt(v / items.size()), 0.3, 0.03);
  EXPECT_NEAR(m, 0.0, 0.03);
  // off: identity; flip_p = 1: every group's order reversed
  auto off = make(1, 0.0, 0.0);
  EXPECT_EQ(off.score(items), s0);
  auto flip = make(1, 0.0, 1.0);
  auto sf = flip.score(items);
  for (size_t i = 0; i + 1 < 40; ++i)
    if (s0[i] != s0[i + 1]) EXPECT_EQ(s0[i] < s0[i + 1], sf[i] > sf[i + 1]) << i;
  EXPECT_EQ(flip.cost().items, static_cast<int64_t>(items.size()));  // cost is the inner RM's
}

TEST(Ensemble, ZScoresAndMajorityPairs) {
  std::vector<std::vector<size_t>> groups = {{0, 1, 2}, {3, 4}};
  auto z = zscore_within_groups({1, 2, 3, 5, 5}, groups);
  EXPECT_NEAR(z[0], -std::sqrt(1.5), 1e-12);
  EXPECT_NEAR(z[1], 0.0, 1e-12);
  EXPECT_NEAR(z[2], std::sqrt(1.5), 1e-12);
  EXPECT_EQ(z[3], 0.0);
  EXPECT_EQ(z[4], 0.0);
  // three RMs over three responses: 0>1 by all; 1 vs 2 split 2:1 for 2; 0 vs 2: ties in two RMs -> no majority
  std::vector<std::vector<double>> ms = {{3, 1, 3}, {3, 1, 2}, {2, 1, 2}};
  auto pairs = majority_pairs(ms);
  std::vector<std::pair<size_t, size_t>> want = {{0, 1}, {2, 1}};
  EXPECT_EQ(pairs, want);
}

TEST(Ensemble, MeanOfNormalizedScoresAndSummedCost) {
  std::vector<std::unique_ptr<RewardModel>> members;
  members.push_back(std::make_unique<LengthRM>("up"));
  members.push_back(std::make_unique<LengthRM>("down", -1));
  members.push_back(std::make_unique<LengthRM>("up2"));
  EnsembleRM ens("ens", std::move(members));
  auto items = group_items(3, 5);
  auto s = ens.score(items);
  auto z = zscore_within_groups(LengthRM("x").score(items), group_by_prompt(items));
  for (size_t i = 0; i < items.size(); ++i) EXPECT_NEAR(s[i], z[i] / 3.0, 1e-12);
  EXPECT_EQ(ens.cost().calls, 3);
  EXPECT_EQ(ens.cost().items, 45);
  auto g = group_by_prompt(items);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[1], (std::vector<size_t>{5, 6, 7, 8, 9}));
}

TEST(Factory, BuildsEveryRuleKindAndValidatesKeys) {
  auto ens = make_reward_model(parse(R"(
name = "ens"
kind = "ensemble"
[[members]]
kind = "verifier"
type = "exact"
[[members]]
kind = "noisy"
sigma = 0.5
seed = 3
[members.inner]
kind = "verifier"
type = "f1"
)"),
                               "t");
  EXPECT_EQ(ens->name(), "ens");
  EXPECT_EQ(ens->kind(), "ensemble");
  auto* e = dynamic_cast<EnsembleRM*>(ens.get());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->size(), 2u);
  EXPECT_EQ(e->member(1).kind(), "noisy");
  EXPECT_EQ(ens->score({{"q", "Paris", std::string("paris"), ""}, {"q", "Rome", std::string("paris"), ""}}).size(), 2u);

  auto http = make_reward_model(parse("kind = \"http\"\nurl = \"http://127.0.0.1:9/x\"\nretries = 0"), "t");
  EXPECT_EQ(http->kind(), "http");

  std::string m = expect_error("kind = \"lm-likelihood\"\nmodel = \"/nonexistent\"\nreducton = \"sum\"");
  EXPECT_NE(m.find("unknown key 'reducton'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'reduction'"), std::string::npos) << m;
  m = expect_error("kind = \"verifer\"");
  EXPECT_NE(m.find("did you mean 'verifier'"), std::string::npos) << m;
  m = expect_error("kind = \"verifier\"\ntype = \"gsm9k\"");
  EXPECT_NE(m.find("gsm9k"), std::string::npos) << m;
  m = expect_error("kind = \"lm-likelihood\"");
  EXPECT_NE(m.find("missing key 'model'"), std::string::npos) << m;
  m = expect_error("kind = \"implicit-dpo\"\nmodel = \"a\"\nref_model = \"b\"\nbeta = \"high\"");
  EXPECT_NE(m.find("key 'beta'"), std::string::npos) << m;
  m = expect_error("kind = \"noisy\"\nsigma = 0.1");
  EXPECT_NE(m.find("inner"), std::string::npos) << m;
  m = expect_error("kind = \"http\"\nurl = \"https://example.org\"");
  EXPECT_NE(m.find("https"), std::string::npos) << m;
  m = expect_error("kind = \"lm-likelihood\"\nmodel = \"no-such-dir\"\nchat_template = true");
  EXPECT_NE(m.find("chat_template"), std::string::npos) << m;
  EXPECT_NE(m.find("no-such-dir/tokenizer_config.json"), std::string::npos) << m;
  m = expect_error("kind = \"lm-likelihood\"\nmodel = \"m\"\nchat_template = \"chatm\"");
  EXPECT_NE(m.find("chatml"), std::string::npos) << m;
  m = expect_error("kind = \"lm-likelihood\"\nmodel = \"m\"\nchat_template = 3");
  EXPECT_NE(m.find("true, false or a template name"), std::string::npos) << m;
}
