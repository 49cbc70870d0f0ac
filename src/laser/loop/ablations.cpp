// The ablation grid (see ablations.h).
#include "laser/loop/ablations.h"

#include <algorithm>

namespace laser::loop {

std::vector<Ablation> ablation_grid(const std::vector<std::string>& rm_names) {
  std::vector<Ablation> g = {{"default", "laser"}};
  for (auto a : {"linear_ts", "linear_epsilon_greedy", "exp3"}) g.push_back({"bandit", std::string("laser@bandit.algorithm=") + a});
  g.push_back({"bandit", "random"});
  for (auto s : {"rm-agreement", "neg-loss", "implicit-margin", "grad-coherence"}) g.push_back({"signal", std::string("laser@strategy.reward_signal=") + s});
  for (auto p : {"last-input", "mean-hidden", "last-hidden"}) g.push_back({"pooling", std::string("laser@strategy.pooling=") + p});
  g.push_back({"mode", "laser@strategy.mode=per-batch"});
  if (std::find(rm_names.begin(), rm_names.end(), "noisy") != rm_names.end())
    for (auto s : {"0", "0.3", "3"}) g.push_back({"noise", std::string("laser@rm.noisy.sigma=") + s});
  return g;
}

}  // namespace laser::loop
