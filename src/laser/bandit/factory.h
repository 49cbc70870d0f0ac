// make_bandit: builds any bandit of this library from a BanditConfig (validated first). This is the
// one entry point the LASeR loop uses; the classes themselves are in linucb.h, linear_ts.h, ...
// Not a registry of user plugins.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "laser/bandit/bandit.h"
#include "laser/bandit/bandit_config.h"
#include "laser/bandit/normalizer.h"

namespace laser::bandit {

// num_arms in [1, 64] (2..64 is the useful range); dim in [1, 8192] for linucb / linear_ts / linear_epsilon_greedy
// (memory: num_arms * dim^2 * 8 bytes), in [0, 8192] for the others (they ignore contexts).
// Throws laser::Error for a bad option, arm count or dimension.
std::unique_ptr<Bandit> make_bandit(const BanditConfig& config, int num_arms, int dim);

// True for the algorithms that use the context (linucb, linear_ts, linear_epsilon_greedy).
bool is_contextual(const std::string& algorithm);

}  // namespace laser::bandit
