// Tests of the rm-agreement probe: normalized ranks (ties, single items), the consensus of the
// other RMs on hand-built scores, the probe rate, failing probe RMs, and the signal it yields
// through bandit_rewards; plus logging every signal, and decorrelated and leave-copies-out probe
// weights.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/loop/probe.h"
#include "laser/loop/step.h"

using namespace laser::loop;
using laser::reward::RewardItem;
using laser::reward::RewardModel;

namespace {

// Scores an item by a fixed table lookup on its response text; counts the items it scored.
class TableRM : public RewardModel {
 public:
  TableRM(std::string name, std::map<std::string, double> t) : RewardModel(std::move(name)), t_(std::move(t)) {}
  std::vector<double> score(const std::vector<RewardItem>& items) override {
    std::vector<double> s;
    for (auto& it : items) s.push_back(t_.at(it.response));
    items_seen += static_cast<int>(items.size());
    add_cost(static_cast<int64_t>(items.size()), 0, 0.0);
    return s;
  }
  std::string kind() const override { return "test"; }
  int items_seen = 0;

 private:
  std::map<std::string, double> t_;
};

class DownRM : public RewardModel {
 public:
  explicit DownRM(std::string name) : RewardModel(std::move(name)) {}
  std::vector<double> score(const std::vector<RewardItem>&) override {
    throw laser::reward::RewardModelFailure("connection refused", name(), "start the server");
  }
  std::string kind() const override { return "test"; }
};

// One prompt with responses a, b, c.
BatchItems abc(int prompts = 1) {
  BatchItems b;
  for (int p = 0; p < prompts; ++p) {
    b.of_prompt.emplace_back();
    for (auto r : {"a", "b", "c"}) {
      b.of_prompt.back().push_back(b.items.size());
      b.items.push_back({"p" + std::to_string(p), r, std::nullopt, "c"});
    }
  }
  return b;
}

Scored chosen(int arm, int prompts = 1) {
  Scored s;
  s.arm.assign(prompts, arm);
  s.chosen.assign(prompts, arm);
  s.prob.assign(prompts, 1.0);
  return s;
}

}  // namespace

TEST(Probe, NormalizedRanksHandleTiesAndSingletons) {
  std::vector<double> s = {3.0, 1.0, 3.0, 2.0};
  auto r = normalized_ranks(s, {0, 1, 2, 3});
  // Order: 1 (rank 0), 3 (rank 1), 0 and 2 tie at ranks 2 and 3 -> 2.5; divided by n-1 = 3.
  EXPECT_DOUBLE_EQ(r[0], 2.5 / 3);
  EXPECT_DOUBLE_EQ(r[1], 0.0);
  EXPECT_DOUBLE_EQ(r[2], 2.5 / 3);
  EXPECT_DOUBLE_EQ(r[3], 1.0 / 3);
  EXPECT_DOUBLE_EQ(normalized_ranks(s, {2})[0], 0.5);
  auto sub = normalized_ranks(s, {3, 1});  // indices pick the scores compared
  EXPECT_DOUBLE_EQ(sub[0], 1.0);
  EXPECT_DOUBLE_EQ(sub[1], 0.0);
}

TEST(Probe, ConsensusIsTheMeanRankOfTheOtherArms) {
  Arms arms;
  // Arm 0 is the chosen one (never asked); arm 1 orders a<b<c, arm 2 orders c<a<b on another scale.
  auto* a0 = new TableRM("chosen", {{"a", 0}, {"b", 0}, {"c", 0}});
  auto* a1 = new TableRM("one", {{"a", 1}, {"b", 2}, {"c", 3}});
  auto* a2 = new TableRM("two", {{"a", 200}, {"b", 300}, {"c", 100}});
  for (auto* r : {a0, a1, a2}) {
    arms.names.push_back(r->name());
    arms.rm.emplace_back(r);
  }
  arms.cost_before.assign(3, {});
  auto res = probe_consensus(chosen(0), abc(), arms, 1.0, 7);
  EXPECT_EQ(res.prompts, 1);
  EXPECT_EQ(a0->items_seen, 0);  // the chosen arm is not its own judge
  EXPECT_EQ(a1->items_seen, 3);
  EXPECT_EQ(a2->items_seen, 3);
  EXPECT_DOUBLE_EQ(res.consensus[0], (0.0 + 0.5) / 2);  // a: lowest for one, middle for two
  EXPECT_DOUBLE_EQ(res.consensus[1], (0.5 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(res.consensus[2], (1.0 + 0.0) / 2);
  // The chosen RM's pairs b>a and c>a: the consensus agrees with the first, not the second
  // (c 0.5 vs a 0.25: it agrees too); b>c: agrees; a>b: disagrees.
  BatchPairs bp;
  bp.of_prompt = {{{1, 0}, {2, 0}, {1, 2}, {0, 1}}};
  laser::train::StepResult none;
  auto raw = bandit_rewards("rm-agreement", bp, none, res.consensus);
  EXPECT_DOUBLE_EQ(raw[0], 3.0 / 4);
}

TEST(Probe, RateZeroProbesNothingAndFailedArmsAreLeftOut) {
  Arms arms;
  auto* a1 = new TableRM("one", {{"a", 1}, {"b", 2}, {"c", 3}});
  for (RewardModel* r : std::initializer_list<RewardModel*>{new TableRM("chosen", {{"a", 0}, {"b", 0}, {"c", 0}}), a1, new DownRM("down")}) {
    arms.names.push_back(r->name());
    arms.rm.emplace_back(r);
  }
  arms.cost_before.assign(3, {});
  auto none = probe_consensus(chosen(0, 4), abc(4), arms, 0.0, 1);
  EXPECT_EQ(none.prompts, 0);
  EXPECT_EQ(a1->items_seen, 0);
  for (double c : none.consensus) EXPECT_TRUE(std::isnan(c));
  // Rate 1 with a failing probe arm: the consensus is the working arm's ranks alone.
  auto res = probe_consensus(chosen(0, 2), abc(2), arms, 1.0, 1);
  EXPECT_EQ(res.prompts, 2);
  EXPECT_DOUBLE_EQ(res.consensus[3], 0.0);
  EXPECT_DOUBLE_EQ(res.consensus[5], 1.0);
  // About half the prompts at rate 0.5 (seeded, so exactly reproducible).
  auto half = probe_consensus(chosen(0, 200), abc(200), arms, 0.5, 3);
  EXPECT_GT(half.prompts, 70);
  EXPECT_LT(half.prompts, 130);
  EXPECT_EQ(probe_consensus(chosen(0, 200), abc(200), arms, 0.5, 3).prompts, half.prompts);
  // Ensembles (arm -1) are never probed.
  EXPECT_EQ(probe_consensus(chosen(-1, 2), abc(2), arms, 1.0, 1).prompts, 0);
}

TEST(Probe, LoggedSignals) {
  BatchPairs bp;
  bp.of_prompt = {{{0, 1}}, {}};
  laser::train::StepResult res;
  res.loss = 0.5;
  std::vector<nlohmann::json> d(2, nlohmann::json::object());
  add_signals(d, bp, res, {1, 0, NAN}, {0.2, 0.8, NAN});
  EXPECT_DOUBLE_EQ(d[0]["signals"]["neg-loss"].get<double>(), -0.5);
  EXPECT_DOUBLE_EQ(d[0]["signals"]["verifier"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(d[0]["signals"]["rm-agreement"].get<double>(), 0.0);
  EXPECT_TRUE(d[1]["signals"]["verifier"].is_null());
  EXPECT_TRUE(d[0]["signals"]["implicit-margin"].is_null());  // the trainer had no margins
  res.prompt_margin_agreement = {{0, 0.25}};
  add_signals(d, bp, res, {1, 0, NAN}, {0.2, 0.8, NAN});
  EXPECT_DOUBLE_EQ(d[0]["signals"]["implicit-margin"].get<double>(), 0.25);
}

// Rank correlations: copies correlate 1, opposite orders -1; too few shared items or unranked
// (NaN) items are handled.
TEST(ProbeWeights, RankCorrelationsOfCopiesAndOpposites) {
  // 4 arms x 12 items (3 prompts of 4 items, normalized ranks 0, 1/3, 2/3, 1 within each).
  std::vector<double> up{0, 1.0 / 3, 2.0 / 3, 1}, down{1, 2.0 / 3, 1.0 / 3, 0};
  std::vector<std::vector<double>> ranks(4);
  for (int p = 0; p < 3; ++p)
    for (int i = 0; i < 4; ++i) {
      for (int k = 0; k < 3; ++k) ranks[k].push_back(up[i]);
      ranks[3].push_back(down[i]);
    }
  auto rho = laser::loop::rank_correlations(ranks, 8);
  EXPECT_NEAR(rho[0][1], 1.0, 1e-12);
  EXPECT_NEAR(rho[0][3], -1.0, 1e-12);
  EXPECT_DOUBLE_EQ(rho[2][2], 1.0);
  // Too few shared items: no correlation assumed.
  EXPECT_DOUBLE_EQ(laser::loop::rank_correlations(ranks, 13)[0][1], 0.0);
  // NaN (not ranked) items are skipped.
  ranks[1][0] = NAN;
  EXPECT_NEAR(laser::loop::rank_correlations(ranks, 8)[0][1], 1.0, 1e-12);
}

TEST(ProbeWeights, DecorrelatedConsensusLetsNearCopiesVoteOnce) {
  Arms arms;
  std::vector<RewardModel*> rms{new TableRM("chosen", {{"a", 0}, {"b", 0}, {"c", 0}})};
  for (int k = 0; k < 3; ++k) rms.push_back(new TableRM("copy" + std::to_string(k), {{"a", 1}, {"b", 2}, {"c", 3}}));
  rms.push_back(new TableRM("other", {{"a", 3}, {"b", 2}, {"c", 1}}));
  for (auto* r : rms) {
    arms.names.push_back(r->name());
    arms.rm.emplace_back(r);
  }
  arms.cost_before.assign(rms.size(), {});
  // 4 prompts x 3 items = 12 shared items per pair of arms (>= 8: correlations are used).
  auto eq = probe_consensus(chosen(0, 4), abc(4), arms, 1.0, 3, ProbeWeighting::Equal);
  auto de = probe_consensus(chosen(0, 4), abc(4), arms, 1.0, 3, ProbeWeighting::Decorrelated);
  // Equal: the copies outvote "other" 3 to 1. Decorrelated: each copy carries 1/3 of a vote.
  EXPECT_DOUBLE_EQ(eq.consensus[0], 0.25);
  EXPECT_DOUBLE_EQ(eq.consensus[2], 0.75);
  EXPECT_NEAR(de.consensus[0], 0.5, 1e-12);
  EXPECT_NEAR(de.consensus[1], 0.5, 1e-12);
  EXPECT_NEAR(de.consensus[2], 0.5, 1e-12);
  EXPECT_EQ(de.prompts, 4);
}

// Leave-copies-out: a probe RM that ranks as the chosen RM does (on the batch, the chosen RM's own
// prompts included) gets no vote, an opposite or independent one a full vote; a prompt whose
// voters are all copies of the chosen RM gets no consensus.
TEST(ProbeWeights, LeaveCopiesOutSilencesTheChosenRmsCopies) {
  auto make = [](bool with_other) {
    Arms arms;
    std::vector<RewardModel*> rms{new TableRM("chosen", {{"a", 1}, {"b", 2}, {"c", 3}}),
                                  new TableRM("copy", {{"a", 10}, {"b", 20}, {"c", 30}})};
    if (with_other) rms.push_back(new TableRM("other", {{"a", 3}, {"b", 2}, {"c", 1}}));
    for (auto* r : rms) {
      arms.names.push_back(r->name());
      arms.rm.emplace_back(r);
    }
    arms.cost_before.assign(rms.size(), {});
    return arms;
  };
  Scored s = chosen(0, 4);
  for (int p = 0; p < 4; ++p)
    for (double v : {1.0, 2.0, 3.0}) s.score.push_back(v);  // the chosen RM's own scores of a, b, c
  auto arms = make(true);
  auto eq = probe_consensus(s, abc(4), arms, 1.0, 3, ProbeWeighting::Equal);
  auto lo = probe_consensus(s, abc(4), arms, 1.0, 3, ProbeWeighting::LeaveCopiesOut);
  // Equal: the copy (ranks 0, .5, 1) and "other" (1, .5, 0) cancel. Leave-copies-out: only "other".
  EXPECT_DOUBLE_EQ(eq.consensus[0], 0.5);
  EXPECT_NEAR(lo.consensus[0], 1.0, 1e-12);
  EXPECT_NEAR(lo.consensus[1], 0.5, 1e-12);
  EXPECT_NEAR(lo.consensus[2], 0.0, 1e-12);
  EXPECT_EQ(lo.prompts, 4);
  // Through the signal: the chosen RM prefers c over a; only the copy agrees, so it earns 0.
  BatchPairs pairs;
  pairs.of_prompt.assign(4, {});
  for (size_t p = 0; p < 4; ++p) pairs.of_prompt[p].push_back({3 * p + 2, 3 * p});
  EXPECT_TRUE(std::isnan(bandit_rewards("rm-agreement", pairs, {}, eq.consensus)[0]));  // equal: the consensus ties a and c
  EXPECT_DOUBLE_EQ(bandit_rewards("rm-agreement", pairs, {}, lo.consensus)[0], 0.0);
  // Nothing but a copy to judge the chosen RM: no consensus, so no reward.
  auto copies = make(false);
  auto alone = probe_consensus(s, abc(4), copies, 1.0, 3, ProbeWeighting::LeaveCopiesOut);
  EXPECT_TRUE(std::isnan(alone.consensus[0]));
  EXPECT_EQ(alone.prompts, 0);
  EXPECT_TRUE(std::isnan(bandit_rewards("rm-agreement", pairs, {}, alone.consensus)[0]));
}

TEST(ProbeWeights, UnknownWeightingNamesTheKey) {
  EXPECT_EQ(parse_probe_weighting("leave-copies-out"), ProbeWeighting::LeaveCopiesOut);
  try {
    parse_probe_weighting("copies");
    FAIL() << "no error";
  } catch (const laser::Error& e) {
    EXPECT_NE(std::string(e.what()).find("strategy.probe_weighting"), std::string::npos);
  }
}
