// LM-likelihood RM: the mean (or sum) of log p(response token | prompt, earlier tokens) under a
// causal LM, what the LASeR authors' code uses as its reward. Not a classifier (classifier_rm.h).
// Follows the authors' reward (mean token log-likelihood) with TRL-style prompt/response split.
#pragma once
#include <memory>

#include "laser/reward/model_source.h"

namespace laser::reward {

enum class Reduction { Mean, Sum };
Reduction parse_reduction(const std::string& s, const std::string& where);

class LmLikelihoodRM : public RewardModel {
 public:
  struct Options {
    ModelSource src;
    Reduction reduction = Reduction::Mean;
    double empty_score = -1000.0;  // score of a response with no tokens under mean reduction
  };
  LmLikelihoodRM(std::string name, Options o);
  ~LmLikelihoodRM() override;

  std::vector<double> score(const std::vector<RewardItem>& items) override;
  // Scoring from token ids (prompts non-empty); counts cost like score().
  std::vector<double> score_ids(const std::vector<std::vector<int32_t>>& prompts, const std::vector<std::vector<int32_t>>& responses);
  std::string kind() const override { return "lm-likelihood"; }
  void load() override;
  void unload() override;
  bool loaded() const override;

 private:
  struct State;
  std::vector<double> reduce(const std::vector<std::vector<float>>& lps) const;
  Options o_;
  std::unique_ptr<State> st_;
};

}  // namespace laser::reward
