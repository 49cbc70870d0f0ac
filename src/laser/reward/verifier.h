// Rule-based verifier RMs: compare a response's final answer with the item's reference. Scores
// 1/0 (gsm8k numeric match, mmlu letter match, yes/no match, exact match, the stories world's
// constraint) or token F1. No model.
// Answer extraction lives in data/answer.h (shared with evaluation).
#pragma once
#include "laser/reward/reward_model.h"

namespace laser::reward {

enum class VerifierType { Gsm8k, Mmlu, YesNo, Exact, F1, Story };
VerifierType parse_verifier_type(const std::string& s, const std::string& where);
std::string verifier_type_name(VerifierType t);

class VerifierRM : public RewardModel {
 public:
  struct Options {
    VerifierType type = VerifierType::Exact;
    int num_choices = 4;  // mmlu, when the prompt lists no "A. ..." lines
  };
  VerifierRM(std::string name, Options o) : RewardModel(std::move(name)), o_(o) {}
  // Throws laser::Error naming the item when an item has no reference.
  std::vector<double> score(const std::vector<RewardItem>& items) override;
  std::string kind() const override { return "verifier"; }
  // The score of one response against one reference.
  double score_one(const RewardItem& item) const;

 private:
  Options o_;
};

}  // namespace laser::reward
