// Exp3 (Auer, Cesa-Bianchi, Freund, Schapire 2002) for adversarial rewards in [0, 1]:
// p = (1 - gamma) * w / sum(w) + gamma / K; after reward r of arm a: w_a *= exp(gamma * (r / p_a) / K).
// Option: exp3_gamma in (0, 1] (default 0.1). Weights are kept as logs (no overflow). A reward outside
// [0, 1] is an error (use the percentile normalizer). An added arm starts at the mean of the others'
// weights. scores[k] = p_k (exact probabilities). Ignores the context.
#pragma once
#include <vector>

#include "laser/bandit/bandit.h"

namespace laser::bandit {

class Exp3 : public Bandit {
 public:
  Exp3(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim), log_w_(num_arms, 0.0) {}
  Decision select(const Eigen::VectorXd& context) override;
  void update(const Eigen::VectorXd& context, int arm, double reward) override;
  std::vector<double> probabilities() const;

 protected:
  void add_arm_state() override;
  nlohmann::json save_state() const override { return {{"log_weights", log_w_}}; }
  void load_state(const nlohmann::json& s, const std::string& where) override;

 private:
  std::vector<double> log_w_;
};

}  // namespace laser::bandit
