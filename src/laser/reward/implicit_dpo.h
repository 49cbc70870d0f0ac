// Implicit-DPO RM: beta * (log pi(y|x) - log pi_ref(y|x)) summed over response tokens (optionally
// divided by the response length), from a DPO-trained model and its reference. Not a trainer.
// Follows RewardBench's scoring of DPO models (e.g. Zephyr against Mistral-7B-SFT).
#pragma once
#include <memory>

#include "laser/reward/model_source.h"

namespace laser::reward {

class ImplicitDpoRM : public RewardModel {
 public:
  struct Options {
    ModelSource src;           // the DPO-trained model (and the tokenizer both models share)
    std::string ref_model_dir; // the reference model
    double beta = 0.1;
    bool length_normalize = false;  // divide by the number of response tokens
  };
  ImplicitDpoRM(std::string name, Options o);
  ~ImplicitDpoRM() override;
  std::vector<double> score(const std::vector<RewardItem>& items) override;
  std::string kind() const override { return "implicit-dpo"; }
  void load() override;
  void unload() override;
  bool loaded() const override;

 private:
  struct State;
  Options o_;
  std::unique_ptr<State> st_;
};

}  // namespace laser::reward
