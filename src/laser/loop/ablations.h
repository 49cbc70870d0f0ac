// The ablation grid of `laser world --ablations` (issue: routing evidence): LASeR at its defaults
// against one change at a time — the bandit algorithm, the bandit reward signal, the context
// pooling, per-query vs per-batch choice, and the noisy RM's sigma (the paper's robustness claim),
// plus random routing. Each entry is a compare strategy string
// ("laser@key=value", compare.h), so run_compare gives every variant its interval and its paired
// difference to default LASeR. Not a runner: compare.h runs them.
#pragma once
#include <string>
#include <vector>

namespace laser::loop {

struct Ablation {
  std::string group;     // "bandit", "signal", "pooling", "mode", "noise", "baseline"
  std::string strategy;  // compare strategy string
};

// The grid for a world whose RMs are `rm_names` (the noise rows need an RM named "noisy"). The
// first entry is "laser" itself, the reference of every paired difference.
std::vector<Ablation> ablation_grid(const std::vector<std::string>& rm_names);

}  // namespace laser::loop
