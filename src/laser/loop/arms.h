// The arms of a run: its reward models in [[rm]] order with their names, built from a config by
// one shared builder (train, rerank), plus the cost they spent before a resume. Scoring helpers
// that strategies share: one arm with fallback to the next when it fails, or every arm at once
// (ensembles) leaving out the ones that fail. Not a strategy (strategy.h).
#pragma once
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <memory>
#include <string>
#include <vector>

#include "laser/reward/reward_model.h"

namespace laser::loop {

struct Arms {
  std::vector<std::unique_ptr<reward::RewardModel>> rm;
  std::vector<std::string> names;
  std::vector<reward::RewardCost> cost_before;  // spent before a resume

  int size() const { return static_cast<int>(rm.size()); }
  bool empty() const { return rm.empty(); }
  // Cost of arm k over the whole run (before and after a resume).
  reward::RewardCost cost(int k) const;
  // Sum over arms.
  reward::RewardCost total_cost() const;
  // {name: {calls, items, tokens, seconds}}
  nlohmann::json cost_json() const;
  void load_cost(const nlohmann::json& j);
  // Random state of the arms (noisy RMs), so a resumed run scores as the uninterrupted one.
  nlohmann::json save_state() const;
  void load_state(const nlohmann::json& j, const std::string& where);
};

// The [[rm]] tables of a config file (`source` names it in messages); names must be distinct.
Arms build_arms(const toml::array* rm_tables, const std::string& source);

// One arm's scores of `items`; throws reward::RewardModelFailure when the arm fails, laser::Error
// when it returns the wrong number of scores.
std::vector<double> score_with(Arms& arms, int k, const std::vector<reward::RewardItem>& items);

// Every arm's scores of `items` (ensembles). An arm that fails is left out for this call (its row
// is empty) with a warning; when every arm fails, laser::Error naming `what`.
std::vector<std::vector<double>> score_all(Arms& arms, const std::vector<reward::RewardItem>& items, const std::string& what);

}  // namespace laser::loop
