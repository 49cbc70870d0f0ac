// Win rate of a model's responses against a baseline's responses to the same prompts, judged by a
// reward model: the response wins a prompt when the judge scores it above the baseline's response
// by more than `tie_margin`, loses when below by more, ties otherwise (a tie counts half), as
// AlpacaEval counts ties. Identical response texts always tie (a batched judge can round the same
// item differently at another batch position). Not a generator: the caller supplies both sets of responses.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "laser/data/example.h"
#include "laser/reward/reward_model.h"

namespace laser::loop {

struct WinRateResult {
  double win_rate = 0;                          // (wins + ties / 2) / n, in [0,1]
  int wins = 0, ties = 0, losses = 0, n = 0;
  std::map<std::string, double> per_category;   // win rate per category
  std::map<std::string, int> count;             // prompts per category
  std::vector<double> score, baseline_score;    // the judge's scores, in dataset order
};

// responses[i] and baseline[i] answer d.examples[i]. Throws laser::Error when the sizes differ or
// the judge returns the wrong number of scores.
WinRateResult judge_win_rate(reward::RewardModel& judge, const data::Dataset& d, const std::vector<std::string>& responses,
                             const std::vector<std::string>& baseline, double tie_margin = 0.0);

}  // namespace laser::loop
