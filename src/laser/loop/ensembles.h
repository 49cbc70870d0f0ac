// The paper's ensemble baselines as strategies: every RM scores every response. score-ensemble
// ranks by the mean of the RMs' within-prompt z-scores; agreement-ensemble trains only on pairs a
// majority of RMs agree on (strongest agreements first); online-ensemble weights the RMs by Hedge
// (multiplicative weights) on each RM's agreement with the verifier, or, without reference
// answers, with the trained pairs. An RM that fails is left out of that step (its weight goes to
// the others; online-ensemble gives it the worst reward, 0). Not a bandit: no arm is chosen.
#pragma once
#include "laser/loop/strategy.h"

namespace laser::loop {

class Ensemble : public Strategy {
 public:
  Ensemble(const StrategyOptions& o, const std::vector<std::string>& rm_names, Combine combine);
  BatchChoice choose(const Eigen::MatrixXd& contexts) override;
  Scored score(const BatchChoice& choice, const BatchItems& batch, Arms& arms) override;
  std::vector<double> feedback(const Eigen::MatrixXd& contexts, const Scored& s, const StepOutcome& o) override;

 protected:
  // The weight of each RM in the mean of z-scores (the same for every RM by default).
  virtual std::vector<double> weights() const;
  void save_state(nlohmann::json& j) const override;
  void load_state(const nlohmann::json& j, const std::string& where) override;
  StrategyOptions opts_;
  std::vector<std::string> rm_names_;
  Combine combine_;
};

class ScoreEnsemble : public Ensemble {
 public:
  ScoreEnsemble(const StrategyOptions& o, const std::vector<std::string>& rm_names) : Ensemble(o, rm_names, Combine::ScoreEnsemble) {}
};

class AgreementEnsemble : public Ensemble {
 public:
  AgreementEnsemble(const StrategyOptions& o, const std::vector<std::string>& rm_names)
      : Ensemble(o, rm_names, Combine::AgreementEnsemble) {}
  // Pairs on which more than half of the RMs that answered agree, by descending mean z-score margin.
  std::vector<std::pair<size_t, size_t>> pairs(const Scored& s, const std::vector<size_t>& prompt_items,
                                               const train::PairConfig& pc) const override;
};

class OnlineEnsemble : public Ensemble {
 public:
  OnlineEnsemble(const StrategyOptions& o, const std::vector<std::string>& rm_names);
  std::vector<double> feedback(const Eigen::MatrixXd& contexts, const Scored& s, const StepOutcome& o) override;
  bool needs_verifier_scores() const override { return true; }
  // Hedge on per-RM rewards in [0,1] (NaN: 0.5, no information).
  void feedback_ensemble(const std::vector<double>& per_rm_reward);

 protected:
  std::vector<double> weights() const override { return weights_; }
  void save_state(nlohmann::json& j) const override;
  void load_state(const nlohmann::json& j, const std::string& where) override;

 private:
  std::vector<double> weights_;
};

// Each RM's agreement with the truth over the trained pairs: the verifier where it separates the
// two responses, else the pair's own order. NaN for an RM that separated no pair; 0 for one that
// failed (empty row in s.member).
std::vector<double> ensemble_agreement(const Scored& s, const StepOutcome& o);

}  // namespace laser::loop
