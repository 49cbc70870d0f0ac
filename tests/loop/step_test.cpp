// Unit tests of the loop's step pieces without a model: scoring with fallback when an arm fails
// (and the bandit learning that it failed), ensembles degrading to the RMs that answered, pair
// building within prompts, the grad-align probe's verified pairs, the bandit's raw rewards and the step's metrics line.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/loop/bandit_strategy.h"
#include "laser/loop/ensembles.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/step.h"

using namespace laser::loop;
using laser::reward::RewardItem;
using laser::reward::RewardModel;

namespace {

// Scores a response by its length times `sign`; counts its calls.
class StepLengthRM : public RewardModel {
 public:
  StepLengthRM(std::string name, double sign) : RewardModel(std::move(name)), sign_(sign) {}
  std::vector<double> score(const std::vector<RewardItem>& items) override {
    ++calls;
    std::vector<double> s;
    for (auto& it : items) s.push_back(sign_ * static_cast<double>(it.response.size()));
    add_cost(static_cast<int64_t>(items.size()), 0, 0.0);
    return s;
  }
  std::string kind() const override { return "test"; }
  int calls = 0;

 private:
  double sign_;
};

// Always fails, as an HTTP RM whose server is down.
class BrokenRM : public RewardModel {
 public:
  explicit BrokenRM(std::string name) : RewardModel(std::move(name)) {}
  std::vector<double> score(const std::vector<RewardItem>&) override {
    ++calls;
    throw laser::reward::RewardModelFailure("connection refused", name(), "start the server");
  }
  std::string kind() const override { return "test"; }
  int calls = 0;
};

Arms arms_of(std::vector<std::unique_ptr<RewardModel>> rms) {
  Arms a;
  for (auto& r : rms) {
    a.names.push_back(r->name());
    a.rm.push_back(std::move(r));
  }
  a.cost_before.assign(a.rm.size(), {});
  return a;
}

// Two prompts, three responses each, of lengths 1..3 and 4..6.
BatchItems two_prompts() {
  BatchItems b;
  for (int p = 0; p < 2; ++p) {
    b.of_prompt.emplace_back();
    for (int r = 0; r < 3; ++r) {
      b.of_prompt.back().push_back(b.items.size());
      b.items.push_back({"p" + std::to_string(p), std::string(static_cast<size_t>(1 + r + 3 * p), 'x'), std::nullopt, "c"});
    }
  }
  return b;
}

std::vector<laser::gen::Generation> gens_of(const BatchItems& b) {
  std::vector<laser::gen::Generation> g(b.items.size());
  for (size_t p = 0; p < b.of_prompt.size(); ++p)
    for (size_t i : b.of_prompt[p]) {
      g[i].prompt_index = p;
      g[i].text = b.items[i].response;
      g[i].ids.assign(b.items[i].response.size(), 7);
    }
  return g;
}

Eigen::MatrixXd ctx2() {
  Eigen::MatrixXd c(2, 3);
  c << 1, 0, 0, 0, 1, 0;
  return c;
}

}  // namespace

TEST(Step, FailedArmFallsBackAndIsPenalised) {
  std::vector<std::unique_ptr<RewardModel>> rms;
  rms.push_back(std::make_unique<BrokenRM>("broken"));
  rms.push_back(std::make_unique<StepLengthRM>("long", 1.0));
  Arms arms = arms_of(std::move(rms));
  StrategyOptions o;
  o.name = "fixed:broken";
  BanditStrategy s(o, arms.names, 3, 1);
  auto batch = two_prompts();
  auto choice = s.choose(ctx2());
  ASSERT_EQ(choice.arm, (std::vector<int>{0, 0}));
  Scored sc = s.score(choice, batch, arms);
  // Both prompts were scored by the next arm, in one call; the chosen arm is kept for the log.
  EXPECT_EQ(sc.arm, (std::vector<int>{1, 1}));
  EXPECT_EQ(sc.chosen, (std::vector<int>{0, 0}));
  EXPECT_TRUE(sc.fallback(0));
  EXPECT_EQ(static_cast<StepLengthRM&>(*arms.rm[1]).calls, 1);
  EXPECT_EQ(static_cast<BrokenRM&>(*arms.rm[0]).calls, 1);
  EXPECT_DOUBLE_EQ(sc.score[5], 6.0);
  // The decision lines name both arms.
  std::vector<double> raw = {0.5, 0.7}, norm = {0.5, 0.7};
  std::vector<laser::data::Example> ex(2);
  std::vector<const laser::data::Example*> exp = {&ex[0], &ex[1]};
  auto lines = decision_lines(1, 1, exp, sc, arms.names, s.name(), raw, norm);
  EXPECT_EQ(lines[0]["arm_name"], "long");
  EXPECT_EQ(lines[0]["chosen_name"], "broken");
  EXPECT_TRUE(lines[0]["fallback"].get<bool>());
}

TEST(Step, BanditStopsChoosingAnArmThatFails) {
  // LinUCB with a failing arm 0 and a working arm 1 whose reward is always 1: after a few steps
  // the failing arm (worst reward) is no longer chosen.
  std::vector<std::unique_ptr<RewardModel>> rms;
  rms.push_back(std::make_unique<BrokenRM>("broken"));
  rms.push_back(std::make_unique<StepLengthRM>("long", 1.0));
  Arms arms = arms_of(std::move(rms));
  StrategyOptions o;
  o.bandit.alpha = 0.1;
  BanditStrategy s(o, arms.names, 3, 4);
  auto batch = two_prompts();
  int broken_chosen_late = 0;
  for (int step = 0; step < 30; ++step) {
    auto choice = s.choose(ctx2());
    Scored sc = s.score(choice, batch, arms);
    StepOutcome out;
    out.raw = {1.0, 1.0};
    if (step >= 20)
      for (int a : choice.arm) broken_chosen_late += a == 0;
    s.feedback(ctx2(), sc, out);
  }
  EXPECT_EQ(broken_chosen_late, 0);
  EXPECT_LE(s.failure_reward(), -1.0);  // zscore (the default): below every reward seen
  o.normalizer = "percentile";
  EXPECT_DOUBLE_EQ(BanditStrategy(o, arms.names, 3, 4).failure_reward(), 0.0);  // its floor
}

TEST(Step, EveryArmFailingIsAnError) {
  std::vector<std::unique_ptr<RewardModel>> rms;
  rms.push_back(std::make_unique<BrokenRM>("a"));
  rms.push_back(std::make_unique<BrokenRM>("b"));
  Arms arms = arms_of(std::move(rms));
  StrategyOptions o;
  o.name = "random";
  BanditStrategy s(o, arms.names, 3, 1);
  auto batch = two_prompts();
  EXPECT_THROW(s.score(s.choose(ctx2()), batch, arms), laser::Error);
  o.name = "score-ensemble";
  ScoreEnsemble e(o, arms.names);
  EXPECT_THROW(e.score(e.choose(ctx2()), batch, arms), laser::Error);
}

TEST(Step, ScoreEnsembleDegradesToTheRMsThatAnswered) {
  std::vector<std::unique_ptr<RewardModel>> rms;
  rms.push_back(std::make_unique<StepLengthRM>("long", 1.0));
  rms.push_back(std::make_unique<BrokenRM>("broken"));
  rms.push_back(std::make_unique<StepLengthRM>("short", -0.5));
  Arms arms = arms_of(std::move(rms));
  StrategyOptions o;
  o.name = "score-ensemble";
  ScoreEnsemble e(o, arms.names);
  auto batch = two_prompts();
  Scored sc = e.score(e.choose(ctx2()), batch, arms);
  ASSERT_EQ(sc.member.size(), 3u);
  EXPECT_TRUE(sc.member[1].empty());
  // z-scores of "long" and "short" cancel: (1/2) z + (1/2)(-z) = 0 for every item.
  for (double v : sc.score) EXPECT_NEAR(v, 0.0, 1e-12);
  // Without the broken arm the same two RMs give the same scores.
  o.name = "agreement-ensemble";
  AgreementEnsemble a(o, arms.names);
  Scored sa = a.score(a.choose(ctx2()), batch, arms);
  laser::train::PairConfig pc;
  // Two RMs that always disagree: no pair has a majority.
  EXPECT_TRUE(a.pairs(sa, batch.of_prompt[0], pc).empty());
}

TEST(Step, PairsStayWithinPromptsAndDropIdenticalResponses) {
  std::vector<std::unique_ptr<RewardModel>> rms;
  rms.push_back(std::make_unique<StepLengthRM>("long", 1.0));
  Arms arms = arms_of(std::move(rms));
  StrategyOptions o;
  o.name = "fixed:long";
  BanditStrategy s(o, arms.names, 3, 1);
  auto batch = two_prompts();
  auto gens = gens_of(batch);
  gens[1].ids = gens[0].ids;  // response 1 of prompt 0 is token-identical to response 0
  gens[2].stop_id = 99;       // ended by a stop id: the pair keeps it
  Scored sc = s.score(s.choose(ctx2()), batch, arms);
  laser::train::PairConfig pc;
  pc.num_pairs = 10;
  std::vector<std::vector<int32_t>> prompts = {{1}, {2}};
  auto bp = build_pairs(s, sc, batch, gens, prompts, pc);
  // rank1-vs-rest: prompt 0: (2,1), (2,0); prompt 1: (5,4), (5,3).
  ASSERT_EQ(bp.pairs.size(), 4u);
  EXPECT_EQ(bp.of_prompt[0], (std::vector<std::pair<size_t, size_t>>{{2, 1}, {2, 0}}));
  EXPECT_EQ(bp.of_prompt[1], (std::vector<std::pair<size_t, size_t>>{{5, 4}, {5, 3}}));
  EXPECT_EQ(bp.pairs[0].prompt, std::vector<int32_t>{1});
  EXPECT_EQ(bp.pairs[0].chosen.back(), 99);
  EXPECT_EQ(bp.pairs[2].prompt_index, 1u);
  EXPECT_EQ(bp.samples, batch.of_prompt);
  EXPECT_EQ(bp.tied, (std::vector<bool>{false, false}));
  EXPECT_EQ(bp.distinct, (std::vector<bool>{true, true}));
  // Identical token ids are not paired; the RM still ordered the samples, so they are not tied.
  gens[2].ids = gens[1].ids;
  auto bp2 = build_pairs(s, sc, batch, gens, prompts, pc);
  EXPECT_EQ(bp2.of_prompt[0].size(), 0u);
  EXPECT_FALSE(bp2.tied[0]);
  EXPECT_FALSE(bp2.distinct[0]);  // all three samples of prompt 0 are now one response
  EXPECT_TRUE(bp2.distinct[1]);
}

TEST(Step, BanditRewardsNegLossAndVerifier) {
  BatchPairs bp;
  bp.of_prompt = {{{0, 1}, {0, 2}}, {}, {{3, 4}}};
  laser::train::StepResult res;
  res.loss = 0.6;
  res.prompt_loss = {{0, 0.25}};
  auto raw = bandit_rewards("neg-loss", bp, res, {});
  EXPECT_DOUBLE_EQ(raw[0], -0.25);
  EXPECT_TRUE(std::isnan(raw[1]));  // no pairs, no reward
  EXPECT_DOUBLE_EQ(raw[2], -0.6);   // no per-prompt loss: the batch loss
  // Verifier: item 0 correct, 1 wrong, 2 correct (a tie, not counted); 3 wrong, 4 correct.
  std::vector<double> v = {1, 0, 1, 0, 1};
  raw = bandit_rewards("verifier", bp, res, v);
  EXPECT_DOUBLE_EQ(raw[0], 1.0);
  EXPECT_DOUBLE_EQ(raw[2], 0.0);
  v = {1, 0, 1, NAN, 1};
  raw = bandit_rewards("verifier", bp, res, v);
  EXPECT_TRUE(std::isnan(raw[2]));  // no reference answer: nothing to agree with
}

TEST(Step, BanditRewardsChargeAnRmThatOrdersNothing) {
  // Prompt 0: the chosen RM tied all three samples (no pairs) while the verifier separates them;
  // prompt 1: tied, and every sample wrong; prompt 2: tied, two identical verdicts and a sample
  // without a reference; prompt 3: pairs as usual; prompt 4: no pairs because its samples were
  // identical, not because the RM tied them (it did not).
  BatchPairs bp;
  bp.of_prompt = {{}, {}, {}, {{9, 10}}, {}};
  bp.samples = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10}, {11, 12}};
  bp.tied = {true, true, true, false, false};
  std::vector<double> v = {1, 0, 0, 0, 0, 0, 1, 1, NAN, 1, 0, 1, 0};
  laser::train::StepResult res;
  res.loss = 0.6;
  auto raw = bandit_rewards("verifier", bp, res, v);
  EXPECT_DOUBLE_EQ(raw[0], 0.0);    // it agreed with none of the verifier's preferences
  EXPECT_TRUE(std::isnan(raw[1]));  // nothing to agree with: no reward
  EXPECT_TRUE(std::isnan(raw[2]));
  EXPECT_DOUBLE_EQ(raw[3], 1.0);
  EXPECT_TRUE(std::isnan(raw[4]));  // not the RM's doing
  // The same rule for the probe's consensus. The answer-free signals need pairs.distinct, unset
  // here: whether there was anything to order is unknown, so no charge.
  EXPECT_DOUBLE_EQ(bandit_rewards("rm-agreement", bp, res, v)[0], 0.0);
  EXPECT_TRUE(std::isnan(bandit_rewards("neg-loss", bp, res, v)[0]));
  // Pairs built elsewhere, without the tie flags: an empty prompt stays unrewarded.
  bp.tied.clear();
  EXPECT_TRUE(std::isnan(bandit_rewards("verifier", bp, res, v)[0]));
}

TEST(Step, AnswerFreeSignalsChargeAnRmThatTiesDifferentSamples) {
  // Prompt 0: the chosen RM tied three different samples; 1 and 2: pairs as usual; 3: tied, but
  // its samples were one response; 4: not tied, no pairs (identical responses dropped).
  BatchPairs bp;
  bp.of_prompt = {{}, {{3, 4}}, {{6, 7}}, {}, {}};
  bp.samples = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10}, {11, 12}};
  bp.tied = {true, false, false, true, false};
  bp.distinct = {true, true, true, false, true};
  laser::train::StepResult res;
  res.loss = 0.5;
  res.prompt_loss = {{1, 0.3}, {2, 0.7}};
  res.prompt_margin_agreement = {{1, 0.5}};
  // neg-loss has no loss without pairs: the blind choice is marked, then charged as the batch's
  // worst decision (once the whole batch is known).
  auto nl = bandit_rewards("neg-loss", bp, res, {});
  EXPECT_EQ(nl[0], -INFINITY);
  charge_batch_worst(nl);
  EXPECT_DOUBLE_EQ(nl[0], -0.7);
  EXPECT_DOUBLE_EQ(nl[1], -0.3);
  EXPECT_DOUBLE_EQ(nl[2], -0.7);
  EXPECT_TRUE(std::isnan(nl[3]));  // nothing to order: not the RM's doing
  EXPECT_TRUE(std::isnan(nl[4]));
  // implicit-margin: it agreed with nothing the policy learned.
  auto im = bandit_rewards("implicit-margin", bp, res, {});
  EXPECT_DOUBLE_EQ(im[0], 0.0);
  EXPECT_DOUBLE_EQ(im[1], 0.5);
  EXPECT_TRUE(std::isnan(im[2]));  // no margin for it (right after a sync)
  EXPECT_TRUE(std::isnan(im[3]));
  // The agreement signals still ask their judge, not the responses' text: a judge that separates
  // nothing on prompt 0 charges nothing.
  std::vector<double> judge(13, NAN);
  EXPECT_TRUE(std::isnan(bandit_rewards("verifier", bp, res, judge)[0]));
  // No prompt of the batch has pairs: neg-loss has no worst value, so no reward.
  BatchPairs none = bp;
  none.of_prompt = {{}, {}, {}, {}, {}};
  none.tied = {true, true, true, true, true};
  auto nothing = bandit_rewards("neg-loss", none, res, {});
  charge_batch_worst(nothing);
  for (double r : nothing) EXPECT_TRUE(std::isnan(r));
  EXPECT_DOUBLE_EQ(bandit_rewards("implicit-margin", none, res, {})[1], 0.0);
}

TEST(Step, ScoresTiedOnlyWhenEveryScoreIsOneFiniteValue) {
  std::vector<double> s = {0.5, 0.5, 0.5, 0.2, NAN};
  EXPECT_TRUE(scores_tied(s, {0, 1, 2}));
  EXPECT_TRUE(scores_tied(s, {3}));
  EXPECT_FALSE(scores_tied(s, {0, 1, 3}));
  EXPECT_FALSE(scores_tied(s, {0, 4}));  // a failed score is no tie
}

TEST(Step, AnswerRateShowsAFixedShareOfPromptIds) {
  // A fixed subset by prompt id: the same ids every call, about `rate` of them, another subset
  // under another seed; rate 1 shows all and rate 0 none.
  int shown = 0, both = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string id = "world-" + std::to_string(i);
    bool a = laser::loop::answer_visible(id, 0.25, 7);
    EXPECT_EQ(a, laser::loop::answer_visible(id, 0.25, 7));
    shown += a;
    both += a && laser::loop::answer_visible(id, 0.25, 8);
    EXPECT_TRUE(laser::loop::answer_visible(id, 1.0, 7));
    EXPECT_FALSE(laser::loop::answer_visible(id, 0.0, 7));
  }
  EXPECT_NEAR(shown / 4000.0, 0.25, 0.03);
  EXPECT_NEAR(both / 4000.0, 0.0625, 0.02);  // independent subsets: about 0.25 * 0.25
  // hide_answers blanks every item of a hidden prompt and keeps the visible ones.
  laser::data::Example e0, e1;
  e0.id = "world-0";
  e1.id = "world-1";
  for (int i = 2; laser::loop::answer_visible(e0.id, 0.5, 1) == laser::loop::answer_visible(e1.id, 0.5, 1); ++i)
    e1.id = "world-" + std::to_string(i);  // one shown, one hidden
  BatchItems batch;
  batch.of_prompt = {{0, 1}, {2, 3}};
  std::vector<double> judge = {1, 0, 1, 0};
  laser::loop::hide_answers(judge, batch, {&e0, &e1}, 0.5, 1);
  bool shown0 = laser::loop::answer_visible(e0.id, 0.5, 1);
  EXPECT_EQ(std::isnan(judge[0]) && std::isnan(judge[1]), !shown0);
  EXPECT_EQ(std::isnan(judge[2]) && std::isnan(judge[3]), shown0);
  EXPECT_EQ(std::isfinite(judge[0]), shown0);
}

TEST(Step, UnlabelledPromptsTakeTheProbesJudgement) {
  // Prompt 0 has verifier scores (one of them NaN), prompt 1 none: only prompt 1 takes the
  // probe's consensus, and a bandit reward follows from it.
  BatchItems batch;
  batch.of_prompt = {{0, 1, 2}, {3, 4}};
  std::vector<double> judge = {1, NAN, 0, NAN, NAN};
  std::vector<double> consensus = {0.1, 0.2, 0.3, 0.9, 0.4};
  laser::loop::judge_unlabelled(judge, consensus, batch);
  EXPECT_DOUBLE_EQ(judge[0], 1.0);
  EXPECT_TRUE(std::isnan(judge[1]));
  EXPECT_DOUBLE_EQ(judge[2], 0.0);
  EXPECT_DOUBLE_EQ(judge[3], 0.9);
  EXPECT_DOUBLE_EQ(judge[4], 0.4);
  BatchPairs bp;
  bp.of_prompt = {{{0, 2}}, {{4, 3}}};
  laser::train::StepResult res;
  auto raw = bandit_rewards("verifier", bp, res, judge);
  EXPECT_DOUBLE_EQ(raw[0], 1.0);
  EXPECT_DOUBLE_EQ(raw[1], 0.0);  // the probe prefers item 3
}

TEST(Step, BanditRewardsImplicitMargin) {
  BatchPairs bp;
  bp.of_prompt = {{{0, 1}, {0, 2}}, {}, {{3, 4}}};
  laser::train::StepResult res;
  res.loss = 0.6;
  res.prompt_margin_agreement = {{0, 0.5}, {1, 1.0}};
  auto raw = bandit_rewards("implicit-margin", bp, res, {});
  EXPECT_DOUBLE_EQ(raw[0], 0.5);
  EXPECT_TRUE(std::isnan(raw[1]));  // no pairs, no reward (whatever the trainer says)
  EXPECT_TRUE(std::isnan(raw[2]));  // all margins 0 (right after a sync): no reward, not the batch's
}

namespace {
// The batch of the gradient signals' tests: prompt 0 tied by the chosen RM over different samples,
// prompts 1 and 2 with a pair, prompt 3 without pairs and with one distinct response.
BatchPairs gradient_signal_batch() {
  BatchPairs bp;
  bp.of_prompt = {{}, {{3, 4}}, {{6, 7}}, {}};
  bp.samples = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10}};
  bp.tied = {true, false, false, true};
  bp.distinct = {true, true, true, false};
  return bp;
}
}  // namespace

TEST(Step, BanditRewardsGradAlign) {
  // The trainer's gradient cosine where the prompt has pairs; 0 where the chosen RM tied
  // different samples (its choice moved the policy nowhere); no reward otherwise.
  const BatchPairs bp = gradient_signal_batch();
  laser::train::StepResult res;
  res.loss = 0.5;
  res.prompt_alignment = {{1, -0.25}, {3, 0.9}};
  res.prompt_margin_agreement = {{2, 1.0}};  // another signal's: not read
  auto ga = bandit_rewards("grad-align", bp, res, {});
  EXPECT_DOUBLE_EQ(ga[0], 0.0);
  EXPECT_DOUBLE_EQ(ga[1], -0.25);
  EXPECT_TRUE(std::isnan(ga[2]));  // no cosine for it (a zero gradient)
  EXPECT_TRUE(std::isnan(ga[3]));  // no pairs and one response: nothing, whatever the trainer says
}

TEST(Step, BanditRewardsGradCoherence) {
  // As grad-align, from the trainer's prompt_coherence: its value where the prompt has pairs; 0
  // where the chosen RM tied different samples; no reward otherwise.
  const BatchPairs bp = gradient_signal_batch();
  laser::train::StepResult res;
  res.loss = 0.5;
  res.prompt_coherence = {{1, 0.125}, {3, 0.9}};
  res.prompt_alignment = {{2, 1.0}};  // another signal's: not read
  auto gc = bandit_rewards("grad-coherence", bp, res, {});
  EXPECT_DOUBLE_EQ(gc[0], 0.0);
  EXPECT_DOUBLE_EQ(gc[1], 0.125);
  EXPECT_TRUE(std::isnan(gc[2]));  // alone in its RM's group, or a zero gradient
  EXPECT_TRUE(std::isnan(gc[3]));
}

TEST(Step, VerifiedPairsUseEveryBestAndEveryLowerSampleOnce) {
  // Prompt 0: samples 0 and 3 right, 1 and 2 wrong; prompt 1: all wrong; prompt 2: one right, two
  // wrong (one of them token-identical to it) and one unchecked.
  std::vector<laser::gen::Generation> g(11);
  const std::vector<size_t> prompt = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
  for (size_t i = 0; i < g.size(); ++i) {
    g[i].prompt_index = prompt[i];
    g[i].ids = {static_cast<int32_t>(i)};
  }
  g[3].stop_id = 99;
  g[8].ids = g[7].ids;
  std::vector<double> v = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, NAN};
  std::vector<std::vector<int32_t>> prompts = {{100}, {101}, {102}};
  auto ps = verified_pairs(g, v, prompts, 4);
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].chosen, std::vector<int32_t>{0});
  EXPECT_EQ(ps[0].rejected, std::vector<int32_t>{1});
  EXPECT_EQ(ps[1].chosen, (std::vector<int32_t>{3, 99}));  // the stop id stays
  EXPECT_EQ(ps[1].rejected, std::vector<int32_t>{2});
  EXPECT_EQ(ps[0].prompt, std::vector<int32_t>{100});
  EXPECT_EQ(ps[2].prompt, std::vector<int32_t>{102});  // (7, 8) identical: dropped; (7, 9) kept
  EXPECT_EQ(ps[2].chosen, std::vector<int32_t>{7});
  EXPECT_EQ(ps[2].rejected, std::vector<int32_t>{9});
  EXPECT_EQ(ps[2].prompt_index, 2u);
  EXPECT_EQ(verified_pairs(g, v, prompts, 1).size(), 2u);  // at most one per prompt
}

TEST(Step, RewardsIfChosenJudgeAnotherRmsPairsAsTheVerifierSignalDoes) {
  // An RM preferring long responses on two prompts of three samples (lengths 1..3 and 4..6). The
  // verifier: prompt 0's longest is right (the RM's rank 1 beats both others: 1.0); prompt 1's
  // shortest is right ((5,3) disagrees; (5,4) is a tie the verifier does not count: 0.0).
  std::vector<std::unique_ptr<RewardModel>> rms;
  rms.push_back(std::make_unique<StepLengthRM>("long", 1.0));
  Arms arms = arms_of(std::move(rms));
  StrategyOptions o;
  o.name = "laser";
  BanditStrategy s(o, arms.names, 3, 1);
  auto batch = two_prompts();
  auto gens = gens_of(batch);
  laser::train::PairConfig pc;
  pc.num_pairs = 10;
  std::vector<double> scores = {1, 2, 3, 4, 5, 6}, judge = {0, 0, 1, 1, 0, 0};
  auto raw = rewards_if_chosen(s, scores, batch, gens, pc, judge);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_DOUBLE_EQ(raw[0], 1.0);
  EXPECT_DOUBLE_EQ(raw[1], 0.0);
  // Judged on every pair of samples the RM orders (grpo/rloo, signal_pairs = group), prompt 0's
  // pair (1, 0) counts too: rank 1 against the rest agrees once and ties once (1.0); all pairs
  // agree once and disagree once (0.5).
  judge = {1, 0, 1, 1, 0, 0};
  EXPECT_DOUBLE_EQ(rewards_if_chosen(s, scores, batch, gens, pc, judge)[0], 1.0);
  EXPECT_DOUBLE_EQ(rewards_if_chosen(s, scores, batch, gens, pc, judge, /*group=*/true)[0], 0.5);
  // A prompt the RM did not score, or one the judge cannot tell apart, gives nothing.
  scores[4] = NAN;
  judge = {1, 1, 1, 1, 0, 0};
  raw = rewards_if_chosen(s, scores, batch, gens, pc, judge);
  EXPECT_TRUE(std::isnan(raw[0]));
  EXPECT_TRUE(std::isnan(raw[1]));
}

TEST(Step, RewardSignalAutoIsTheVerifierWithAnswersAndGradCoherenceWithoutForDpo) {
  EXPECT_EQ(resolve_reward_signal("auto", "gsm8k", false, "laser", 5), "verifier");
  EXPECT_EQ(resolve_reward_signal("auto", "story", true, "laser", 5), "verifier");  // any algorithm
  EXPECT_EQ(resolve_reward_signal("auto", "none", false, "laser", 5), "grad-coherence");
  EXPECT_EQ(resolve_reward_signal("auto", "none", false, "laser", 1), "grad-coherence");  // needs no other RM
  EXPECT_EQ(resolve_reward_signal("auto", "none", false, "random", 5), "neg-loss");  // learns nothing: the free one
  EXPECT_EQ(resolve_reward_signal("auto", "none", true, "laser", 5), "rm-agreement");
  EXPECT_EQ(resolve_reward_signal("auto", "none", true, "laser", 1), "none");
  EXPECT_EQ(resolve_reward_signal("neg-loss", "gsm8k", false, "laser", 5), "neg-loss");  // set: kept
  EXPECT_EQ(resolve_reward_signal("grad-coherence", "none", true, "laser", 5), "grad-coherence");
}

TEST(Step, LabelledFeedbackAutoTurnsAllRmsOnWhereFewPromptsHaveAnswers) {
  StrategyOptions laser, per_batch, fixed;
  laser.name = per_batch.name = "laser";
  per_batch.per_batch = true;
  fixed.name = "fixed:a";
  EXPECT_EQ(resolve_labelled_feedback("auto", "verifier", laser, 10, 100), "all-rms");
  EXPECT_EQ(resolve_labelled_feedback("auto", "verifier", laser, 25, 100), "all-rms");  // a quarter: still measured
  EXPECT_EQ(resolve_labelled_feedback("auto", "verifier", laser, 26, 100), "chosen");
  EXPECT_EQ(resolve_labelled_feedback("auto", "verifier", laser, 100, 100), "chosen");  // every answer: the chosen RM's
  EXPECT_EQ(resolve_labelled_feedback("auto", "verifier", laser, 0, 100), "chosen");
  EXPECT_EQ(resolve_labelled_feedback("auto", "neg-loss", laser, 10, 100), "chosen");
  EXPECT_EQ(resolve_labelled_feedback("auto", "verifier", per_batch, 10, 100), "chosen");
  EXPECT_EQ(resolve_labelled_feedback("auto", "verifier", fixed, 10, 100), "chosen");  // a strategy that does not learn
  EXPECT_EQ(resolve_labelled_feedback("chosen", "verifier", laser, 10, 100), "chosen");
  EXPECT_EQ(resolve_labelled_feedback("all-rms", "verifier", laser, 100, 100), "all-rms");
}

TEST(Step, MetricsLineCountsArmsAndMeansFiniteRewards) {
  std::vector<nlohmann::json> decisions = {{{"arm_name", "a"}}, {{"arm_name", "b"}}, {{"arm_name", "a"}}};
  BatchPairs bp;
  bp.pairs.resize(5);
  laser::train::StepResult res;
  res.loss = NAN;
  res.skipped = true;
  res.metrics = {{"rewards/margins", 0.5}};
  laser::reward::RewardCost cost{3, 30, 0, 1.5};
  auto m = step_metrics(7, 2, 1, bp, res, decisions, {0.1, 0.2, 0.3, 0.7}, {1.0, NAN, 3.0}, {0.0, NAN, 1.0}, cost);
  EXPECT_EQ(m["arm_counts"]["a"], 2);
  EXPECT_EQ(m["arm_counts"]["b"], 1);
  EXPECT_TRUE(m["loss"].is_null());
  EXPECT_DOUBLE_EQ(m["bandit_raw_reward"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(m["bandit_reward"].get<double>(), 0.5);
  EXPECT_EQ(m["pairs"], 5);
  EXPECT_EQ(m["rm_items"], 30);
  EXPECT_DOUBLE_EQ(m["rewards/margins"].get<double>(), 0.5);
}


// majority-vote: the samples' own final answers vote; the strict majority (at least 2 votes)
// judges the RM's pairs as a reference answer would. Ties and single votes judge nothing.
TEST(Step, MajorityVoteJudgesByTheSamplesStrictMajority) {
  BatchItems batch;
  const std::vector<std::vector<std::string>> responses = {
      {"Final answer: 7", "7", "so 3+4 = 7.0", "Final answer: 8", "no idea"},  // 7 wins 3 to 1
      {"5", "6"},                                                             // one vote each
      {"3", "3", "4", "4"},                                                   // a tie at the top
      {"1", "x", "y"}};                                                       // no answer twice
  for (auto& rs : responses) {
    batch.of_prompt.emplace_back();
    for (auto& r : rs) {
      batch.of_prompt.back().push_back(batch.items.size());
      batch.items.push_back({"p", r, std::nullopt, "c"});
    }
  }
  laser::data::Example e;  // no reference answer: the signal never reads one
  std::vector<const laser::data::Example*> ex(responses.size(), &e);
  auto judge = majority_scores("gsm8k", batch, ex);
  ASSERT_EQ(judge.size(), batch.items.size());
  EXPECT_EQ(std::vector<double>(judge.begin(), judge.begin() + 5), (std::vector<double>{1, 1, 1, 0, 0}));
  for (size_t g = 5; g < judge.size(); ++g) EXPECT_TRUE(std::isnan(judge[g])) << g;
  // The chosen RM's pairs on prompt 0: (7 over 8) agrees with the majority; (8 over 7) and (no
  // answer over 7) do not; (7 over 7) is a tie the judge cannot separate. Prompt 1 has no
  // majority, so no reward.
  BatchPairs bp;
  bp.of_prompt = {{{0, 3}, {3, 1}, {0, 2}, {4, 2}}, {{5, 6}}};
  auto raw = bandit_rewards("majority-vote", bp, laser::train::StepResult{}, judge);
  EXPECT_DOUBLE_EQ(raw[0], 1.0 / 3.0);
  EXPECT_TRUE(std::isnan(raw[1]));
  // Other checkers compare their own final answers; the stories' constraints have none.
  laser::data::Example mc;
  mc.choices = {"red", "green", "blue", "pink"};
  EXPECT_EQ(answer_key("mmlu", "Final answer: (B)", mc).value_or(""), "B");
  EXPECT_EQ(answer_key("mmlu", "Final answer: green", mc).value_or(""), "B");
  EXPECT_EQ(answer_key("yesno", "Yes, it is.", e).value_or(""), "yes");
  EXPECT_EQ(answer_key("exact", "Final answer: The Eiffel Tower!", e).value_or(""), "eiffel tower");
  EXPECT_EQ(answer_key("gsm8k", "Final answer: 1,200", e).value_or(""), "1200");
  EXPECT_FALSE(answer_key("story", "Once upon a time.", e).has_value());
  EXPECT_FALSE(answer_key("gsm8k", "no number here", e).has_value());
}
