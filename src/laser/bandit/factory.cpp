// The factory from BanditConfig to a Bandit.
#include "laser/bandit/factory.h"

#include "laser/bandit/baselines.h"
#include "laser/bandit/epsilon_greedy.h"
#include "laser/bandit/exp3.h"
#include "laser/bandit/linear_eps_greedy.h"
#include "laser/bandit/linear_ts.h"
#include "laser/bandit/linucb.h"
#include "laser/bandit/softmax.h"
#include "laser/bandit/ucb1.h"
#include "laser/core/error.h"

namespace laser::bandit {

bool is_contextual(const std::string& algorithm) {
  return algorithm == "linucb" || algorithm == "linear_ts" || algorithm == "linear_epsilon_greedy";
}

std::unique_ptr<Bandit> make_bandit(const BanditConfig& config, int num_arms, int dim) {
  config.validate("bandit");
  LASER_CHECK(num_arms >= 1 && num_arms <= kMaxArms, "bandit.num_arms",
              "a bandit needs 1 to " + std::to_string(kMaxArms) + " arms, got " + std::to_string(num_arms),
              "give one arm per reward model (2 to 64)");
  bool ctx = is_contextual(config.algorithm);
  LASER_CHECK(dim >= (ctx ? 1 : 0) && dim <= kMaxDim, "bandit.dim",
              "context dimension " + std::to_string(dim) + " is outside [" + (ctx ? "1" : "0") + ", " +
                  std::to_string(kMaxDim) + "]",
              "reduce the context (random projection) to at most 8192 dimensions");
  if (ctx) {
    double now = static_cast<double>(num_arms) * dim * dim * 8.0;
    LASER_CHECK(now <= 64.0 * (1ull << 30), "bandit.dim",
                "linear bandit state would take " + std::to_string(now / (1ull << 30)) + " GiB",
                "reduce the context dimension with a random projection");
  }
  const auto& a = config.algorithm;
  if (a == "linucb") return std::make_unique<LinUCB>(config, num_arms, dim);
  if (a == "linear_ts") return std::make_unique<LinearTS>(config, num_arms, dim);
  if (a == "linear_epsilon_greedy") return std::make_unique<LinearEpsGreedy>(config, num_arms, dim);
  if (a == "epsilon_greedy") return std::make_unique<EpsilonGreedy>(config, num_arms, dim);
  if (a == "ucb1") return std::make_unique<UCB1>(config, num_arms, dim);
  if (a == "exp3") return std::make_unique<Exp3>(config, num_arms, dim);
  if (a == "softmax") return std::make_unique<Softmax>(config, num_arms, dim);
  if (a == "round_robin") return std::make_unique<RoundRobin>(config, num_arms, dim);
  if (a == "uniform") return std::make_unique<UniformRandom>(config, num_arms, dim);
  if (a == "fixed") return std::make_unique<FixedArm>(config, num_arms, dim);
  throw Error("unknown bandit algorithm '" + a + "'", "bandit.algorithm", "see bandit_names()");
}

}  // namespace laser::bandit
