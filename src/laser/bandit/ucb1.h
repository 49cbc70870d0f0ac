// UCB1 (Auer, Cesa-Bianchi, Fischer 2002): each arm once, then argmax mean_k + sqrt(2 ln t / n_k),
// t = updates so far. Assumes rewards in [0, 1] (use a normalizer). No options. Deterministic:
// probability 1 (1/#tied for exact ties, including the untried arms at the start).
// scores[k] = the index (+infinity for an arm never updated). Ignores the context.
#pragma once
#include "laser/bandit/arm_stats.h"
#include "laser/bandit/bandit.h"

namespace laser::bandit {

class UCB1 : public Bandit {
 public:
  UCB1(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim), stats_(num_arms) {}
  Decision select(const Eigen::VectorXd& context) override;
  void update(const Eigen::VectorXd& context, int arm, double reward) override;

 protected:
  void add_arm_state() override { stats_.add_arm(); }
  nlohmann::json save_state() const override { return {{"stats", stats_.save()}}; }
  void load_state(const nlohmann::json& s, const std::string& where) override;

 private:
  ArmStats stats_;
};

}  // namespace laser::bandit
