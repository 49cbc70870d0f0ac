// Ensembles over several RMs, the paper's baselines: the score ensemble (mean over RMs of scores
// z-normalized within each prompt's group of responses) and the agreement ensemble (pairs on which
// a majority of RMs agree). Pure helpers plus an RM that runs every member. Not a bandit.
// Follows the LASeR paper's "RM Score Ensemble" and "RM Agreement Ensemble" baselines.
#pragma once
#include <memory>
#include <utility>

#include "laser/reward/reward_model.h"

namespace laser::reward {

// Indices of items grouped by prompt, groups in order of first appearance.
std::vector<std::vector<size_t>> group_by_prompt(const std::vector<RewardItem>& items);

// Scores z-normalized within each group ((s - mean) / std, population std; 0 when std is 0).
std::vector<double> zscore_within_groups(const std::vector<double>& scores, const std::vector<std::vector<size_t>>& groups);

// For n responses scored by K RMs (member_scores[k][i]), the pairs (i, j) on which more than half
// of the RMs score i strictly above j. Each unordered pair appears at most once.
std::vector<std::pair<size_t, size_t>> majority_pairs(const std::vector<std::vector<double>>& member_scores);

class EnsembleRM : public RewardModel {
 public:
  EnsembleRM(std::string name, std::vector<std::unique_ptr<RewardModel>> members, std::vector<double> weights = {});
  // Weighted mean of the members' within-prompt z-scores.
  std::vector<double> score(const std::vector<RewardItem>& items) override;
  // Every member's raw scores, members_scores[k][i] (for majority_pairs per prompt).
  std::vector<std::vector<double>> member_scores(const std::vector<RewardItem>& items);
  // The ensemble score from member scores already computed (what score() returns).
  std::vector<double> combine(const std::vector<std::vector<double>>& member_scores, const std::vector<RewardItem>& items) const;
  std::string kind() const override { return "ensemble"; }
  RewardCost cost() const override;
  void reset_cost() override;
  void load() override;
  void unload() override;
  bool loaded() const override;
  size_t size() const { return members_.size(); }
  RewardModel& member(size_t k) { return *members_.at(k); }
  // The members' states, as a JSON array of their strings.
  std::string save_state() const override;
  void load_state(const std::string& state, const std::string& where) override;

 private:
  std::vector<std::unique_ptr<RewardModel>> members_;
  std::vector<double> weights_;
};

}  // namespace laser::reward
