// Classifier RM: a sequence-classification model (score head read at the last non-pad token, as
// HF *ForSequenceClassification does) scores prompt + response. Not an LM-likelihood RM.
// Follows HF LlamaForSequenceClassification reward models (e.g. RewardBench classifiers).
#pragma once
#include <memory>

#include "laser/reward/model_source.h"

namespace laser::reward {

class ClassifierRM : public RewardModel {
 public:
  struct Options {
    ModelSource src;
    int label = 0;             // which output of the score head is the reward
    bool left_padding = false; // pad batches on the left instead of the right
  };
  ClassifierRM(std::string name, Options o);
  ~ClassifierRM() override;
  std::vector<double> score(const std::vector<RewardItem>& items) override;
  std::string kind() const override { return "classifier"; }
  void load() override;
  void unload() override;
  bool loaded() const override;

 private:
  struct State;
  Options o_;
  std::unique_ptr<State> st_;
};

}  // namespace laser::reward
