// Strategies: who decides which reward model (RM) ranks a batch's responses. LASeR's bandit and
// the paper's baselines share this interface: fixed:NAME (best single RM), random (per batch),
// sequential (round-robin per batch), score-ensemble, agreement-ensemble, online-ensemble.
// Single-RM strategies are bandits from src/laser/bandit (fixed, random, round-robin are bandit
// algorithms too), so every decision is logged with its exact probability.
#pragma once
#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "laser/bandit/bandit.h"
#include "laser/bandit/context_reducer.h"
#include "laser/bandit/factory.h"

namespace laser::loop {

enum class Combine { Single, ScoreEnsemble, AgreementEnsemble, OnlineEnsemble };

struct BatchChoice {
  Combine combine = Combine::Single;
  std::vector<int> arm;        // per prompt (Single); empty for ensembles
  std::vector<double> prob;    // probability of that arm
  std::vector<double> weights; // OnlineEnsemble: weight per RM
};

struct StrategyOptions {
  std::string name = "laser";          // strategy.name
  bool per_batch = false;              // strategy.mode == "per-batch"
  std::string normalizer = "percentile";
  bandit::BanditConfig bandit;         // for "laser"
  int context_dim = 0;                 // random projection; 0 = off
  bool context_l2 = false;             // L2-normalize contexts (after the projection)
  double online_lr = 0.5;
};

class Strategy {
 public:
  // rm_names: the arms, in config order.
  Strategy(const StrategyOptions& o, const std::vector<std::string>& rm_names, int context_dim, uint64_t seed);
  // contexts (B,d) -> the choice for this batch.
  BatchChoice choose(const Eigen::MatrixXd& contexts);
  // Raw bandit rewards (per prompt in per-query mode; one value, repeated, in per-batch mode).
  // Returns the normalized rewards that were used to update (NaN entries are skipped).
  std::vector<double> feedback(const Eigen::MatrixXd& contexts, const BatchChoice& choice, const std::vector<double>& raw);
  // OnlineEnsemble: per-RM rewards (full information: every RM scored).
  void feedback_ensemble(const std::vector<double>& per_rm_reward);
  bool uses_bandit() const { return combine_ == Combine::Single; }
  Combine combine() const { return combine_; }
  const std::string& name() const { return opts_.name; }
  int num_arms() const { return static_cast<int>(rm_names_.size()); }
  nlohmann::json save() const;
  void load(const nlohmann::json& j, const std::string& where);

 private:
  Eigen::VectorXd reduce(const Eigen::VectorXd& c) const;
  StrategyOptions opts_;
  std::vector<std::string> rm_names_;
  Combine combine_ = Combine::Single;
  std::unique_ptr<bandit::Bandit> bandit_;
  std::unique_ptr<bandit::RewardNormalizer> normalizer_;
  std::unique_ptr<bandit::RandomProjection> projection_;  // when context_dim > 0
  std::unique_ptr<bandit::L2Normalize> l2_;               // when context_l2
  std::vector<double> weights_;
};

// Validates a strategy name against the RM names ("fixed:NAME" must name one); throws with a hint.
void validate_strategy_name(const std::string& name, const std::vector<std::string>& rm_names, const std::string& where);

}  // namespace laser::loop
