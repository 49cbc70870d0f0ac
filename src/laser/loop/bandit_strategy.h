// The single-RM strategies: LASeR's contextual bandit (per query or per batch), and the baselines
// fixed:NAME, random and sequential, which are bandit algorithms too (fixed, uniform, round-robin),
// so every decision is logged with its exact probability. Each prompt is scored by its chosen arm;
// an arm that fails is replaced by the next arm that has not failed in this step, and the bandit
// learns that the chosen arm failed (it receives a reward below every reward seen so far).
#pragma once
#include <memory>

#include "laser/bandit/bandit.h"
#include "laser/bandit/context_reducer.h"
#include "laser/bandit/normalizer.h"
#include "laser/loop/strategy.h"

namespace laser::loop {

class BanditStrategy : public Strategy {
 public:
  BanditStrategy(const StrategyOptions& o, const std::vector<std::string>& rm_names, int context_dim, uint64_t seed);
  BatchChoice choose(const Eigen::MatrixXd& contexts) override;
  Scored score(const BatchChoice& choice, const BatchItems& batch, Arms& arms) override;
  std::vector<double> feedback(const Eigen::MatrixXd& contexts, const Scored& s, const StepOutcome& o) override;
  bool learns_other_arms() const override;  // laser in per-query mode
  void feedback_arms(const Eigen::MatrixXd& contexts, const std::vector<int>& arms, const std::vector<double>& raw) override;
  // Raw bandit rewards (per prompt in per-query mode; their mean in per-batch mode) for the arms of
  // `choice`. Returns the normalized rewards that were used to update (NaN entries are skipped).
  std::vector<double> feedback(const Eigen::MatrixXd& contexts, const BatchChoice& choice, const std::vector<double>& raw);
  // The reward a chosen arm that failed receives: the floor of a bounded normalizer (percentile:
  // 0), else one below the lowest normalized reward seen (zscore: at most -1), so it is always the worst.
  double failure_reward() const;
  int num_arms() const { return static_cast<int>(rm_names_.size()); }

 protected:
  void save_state(nlohmann::json& j) const override;
  void load_state(const nlohmann::json& j, const std::string& where) override;

 private:
  Eigen::VectorXd reduce(const Eigen::VectorXd& c) const;
  void penalize_failures(const Eigen::MatrixXd& contexts, const Scored& s);
  StrategyOptions opts_;
  std::vector<std::string> rm_names_;
  std::unique_ptr<bandit::Bandit> bandit_;
  std::unique_ptr<bandit::RewardNormalizer> normalizer_;
  std::unique_ptr<bandit::RandomProjection> projection_;  // when context_dim > 0
  std::unique_ptr<bandit::L2Normalize> l2_;               // when context_l2
  double worst_ = 0.0;
};

}  // namespace laser::loop
