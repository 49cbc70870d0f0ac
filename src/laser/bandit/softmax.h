// Softmax / Boltzmann exploration over per-arm mean rewards (Sutton & Barto 2018, sec. 2.8 style):
// p_k proportional to exp(mean_k / temperature). Option: temperature > 0 (default 0.1). Means start
// at 0. scores[k] = mean_k; the probability is exact. Ignores the context.
#pragma once
#include "laser/bandit/arm_stats.h"
#include "laser/bandit/bandit.h"

namespace laser::bandit {

class Softmax : public Bandit {
 public:
  Softmax(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim), stats_(num_arms) {}
  Decision select(const Eigen::VectorXd& context) override;
  void update(const Eigen::VectorXd& context, int arm, double reward) override;
  std::vector<double> probabilities() const;

 protected:
  void add_arm_state() override { stats_.add_arm(); }
  nlohmann::json save_state() const override { return {{"stats", stats_.save()}}; }
  void load_state(const nlohmann::json& s, const std::string& where) override;

 private:
  ArmStats stats_;
};

}  // namespace laser::bandit
