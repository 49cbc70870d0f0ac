// BanditConfig: every option of every bandit algorithm in one plain struct, with its default, meaning
// and valid range, validated where it is declared (as Vowpal Wabbit's reductions do). Not the factory
// (see factory.h) and not the algorithms. Options an algorithm does not use are ignored by it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace laser::bandit {

// The defaults are the settings that won a sweep of `laser bandit-sim --seeds 10` over all its
// problems (with the simulator's defaults: z-scored rewards, unit-norm contexts). The authors'
// settings are bandit_preset("paper").
struct BanditConfig {
  // Which algorithm (see bandit_names()): linucb, linear_ts, linear_epsilon_greedy, epsilon_greedy,
  // ucb1, exp3, softmax, round_robin, uniform, fixed.
  std::string algorithm = "linucb";
  // LinUCB exploration width: score = c.theta + alpha * sqrt(c^T A^-1 c). Range [0, inf); 0 = greedy.
  // 1.5 here (with unit-norm contexts and z-scored rewards, alpha 1..2 with ridge 0.5..3 is a
  // plateau; 1.5 had the lowest mean regret over 30 seeds); the paper uses 0.1, which collapses
  // onto one arm when rewards are not centered.
  double alpha = 1.5;
  // Ridge lambda of the linear bandits: A starts at lambda * I. Range (0, inf).
  double ridge = 1.0;
  // epsilon_greedy / linear_epsilon_greedy exploration probability at the first update. Range [0, 1].
  // 0.05 is epsilon_greedy's best; linear_epsilon_greedy does better with 0..0.01.
  double epsilon = 0.05;
  // epsilon decay: epsilon_t = epsilon / (1 + epsilon_decay * t), t = updates so far.
  // Range [0, inf); 0 = fixed epsilon.
  double epsilon_decay = 0.0;
  // Exp3 mixing rate gamma: p = (1 - gamma) * w / sum(w) + gamma / K. Range (0, 1].
  double exp3_gamma = 0.2;
  // softmax (Boltzmann) temperature tau: p_k proportional to exp(mean_k / tau). Range (0, inf).
  double temperature = 0.1;
  // linear_ts posterior scale v: theta_k ~ N(mu_k, v^2 A_k^-1). Range (0, inf).
  double ts_scale = 0.2;
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

// Presets: "laser" (the defaults above) and "paper" (METHOD.md, the authors' LASeR: linucb, alpha 0.1,
// ridge 1; the options the paper does not set keep laser's earlier values: epsilon 0.1, exp3_gamma
// 0.1, temperature 0.1, ts_scale 0.1). Unknown names are a laser::Error naming `where`. The
// context and reward sides of a preset are the caller's (simulator: apply_sim_preset).
std::vector<std::string> preset_names();
BanditConfig bandit_preset(const std::string& name, const std::string& where);

nlohmann::json to_json(const BanditConfig& c);
// Reads the keys present in `j` over the defaults; unknown keys are an error (with a suggestion).
BanditConfig bandit_config_from_json(const nlohmann::json& j, const std::string& where);
// Sets one option from text ("alpha", "0.5"), as `--set key=value` does; throws on unknown keys or
// unparsable values.
void set_bandit_option(BanditConfig& c, const std::string& key, const std::string& value, const std::string& where);

}  // namespace laser::bandit
