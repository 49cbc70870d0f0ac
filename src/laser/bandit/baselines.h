// The non-learning policies of the paper's baselines: round-robin ("Sequential RM": arm = number of
// selects so far mod K, probability 1), uniform random ("Random RM": probability 1/K) and a fixed
// arm ("Best RM": option fixed_arm in [0, K), probability 1). They record nothing from updates but
// the count. scores: round_robin/fixed one-hot on the chosen arm, uniform 1/K each. Ignore the context.
#pragma once
#include "laser/bandit/bandit.h"

namespace laser::bandit {

class RoundRobin : public Bandit {
 public:
  RoundRobin(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim) {}
  Decision select(const Eigen::VectorXd& context) override;
  void update(const Eigen::VectorXd& context, int arm, double reward) override;

 protected:
  void add_arm_state() override {}
  nlohmann::json save_state() const override { return {{"selects", selects_}}; }
  void load_state(const nlohmann::json& s, const std::string& where) override;

 private:
  int64_t selects_ = 0;
};

class UniformRandom : public Bandit {
 public:
  UniformRandom(const BanditConfig& config, int num_arms, int dim) : Bandit(config, num_arms, dim) {}
  Decision select(const Eigen::VectorXd& context) override;
  void update(const Eigen::VectorXd& context, int arm, double reward) override;

 protected:
  void add_arm_state() override {}
  nlohmann::json save_state() const override { return nlohmann::json::object(); }
  void load_state(const nlohmann::json&, const std::string&) override {}
};

class FixedArm : public Bandit {
 public:
  // Throws when config.fixed_arm is not in [0, num_arms).
  FixedArm(const BanditConfig& config, int num_arms, int dim);
  Decision select(const Eigen::VectorXd& context) override;
  void update(const Eigen::VectorXd& context, int arm, double reward) override;

 protected:
  void add_arm_state() override {}
  nlohmann::json save_state() const override { return nlohmann::json::object(); }
  void load_state(const nlohmann::json&, const std::string&) override {}
};

}  // namespace laser::bandit
