// BanditConfig: every option of every bandit algorithm in one plain struct, with its default, meaning
// and valid range, validated where it is declared (as Vowpal Wabbit's reductions do). Not the factory
// (see factory.h) and not the algorithms. Options an algorithm does not use are ignored by it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace laser::bandit {

struct BanditConfig {
  // Which algorithm (see bandit_names()): linucb, linear_ts, epsilon_greedy, ucb1, exp3, softmax,
  // round_robin, uniform, fixed.
  std::string algorithm = "linucb";
  // LinUCB exploration width: score = c.theta + alpha * sqrt(c^T A^-1 c). Range [0, inf); 0 = greedy.
  double alpha = 0.1;
  // Ridge lambda of linucb and linear_ts: A starts at lambda * I. Range (0, inf).
  double ridge = 1.0;
  // epsilon_greedy exploration probability at the first update. Range [0, 1].
  double epsilon = 0.1;
  // epsilon_greedy decay: epsilon_t = epsilon / (1 + epsilon_decay * t), t = updates so far.
  // Range [0, inf); 0 = fixed epsilon.
  double epsilon_decay = 0.0;
  // Exp3 mixing rate gamma: p = (1 - gamma) * w / sum(w) + gamma / K. Range (0, 1].
  double exp3_gamma = 0.1;
  // softmax (Boltzmann) temperature tau: p_k proportional to exp(mean_k / tau). Range (0, inf).
  double temperature = 0.1;
  // linear_ts posterior scale v: theta_k ~ N(mu_k, v^2 A_k^-1). Range (0, inf).
  double ts_scale = 0.1;
  // fixed: the arm always chosen. Range [0, num_arms).
  int fixed_arm = 0;
  // Seed of the bandit's own random stream (ties, exploration, sampling). Any value.
  uint64_t seed = 0;

  // Throws laser::Error naming `where` + the key when an option is out of range or the algorithm
  // is unknown (with a "did you mean" hint).
  void validate(const std::string& where) const;
};

// The names accepted by BanditConfig::algorithm, in a fixed order.
std::vector<std::string> bandit_names();

nlohmann::json to_json(const BanditConfig& c);
// Reads the keys present in `j` over the defaults; unknown keys are an error (with a suggestion).
BanditConfig bandit_config_from_json(const nlohmann::json& j, const std::string& where);
// Sets one option from text ("alpha", "0.5"), as `--set key=value` does; throws on unknown keys or
// unparsable values.
void set_bandit_option(BanditConfig& c, const std::string& key, const std::string& value, const std::string& where);

}  // namespace laser::bandit
