// `laser compare`: one config run under several strategies (plus "sft", the untrained policy),
// and the paper-style table: accuracy overall and per category, RM calls, RM seconds, wall time,
// printed and written as compare.md, compare.json and compare.html. With seeds > 1 every strategy
// runs on each seed (data order, sampling and, for the world, the generated facts) and the table
// shows mean ± 95% t-interval, plus LASeR's paired difference to each baseline.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "laser/loop/config.h"

namespace laser::loop {

struct CompareOptions {
  std::vector<std::string> strategies;  // e.g. sft, laser, fixed:A, random, sequential, score-ensemble; a strategy may carry
                                        // overrides of its own: laser@bandit.algorithm=exp3@strategy.mode=per-batch
  bool resume = false;                  // reuse finished runs (summary.json present) and resume unfinished ones
  std::string out_name;                 // compare directory name ("" = <run.name>-compare)
  int seeds = 1;                        // seeds run.seed, run.seed + 1, ...; runs are named <run.name>-<strategy>-s<seed> when > 1
};

// Runs every strategy (run.name becomes <run.name>-<strategy>) and returns compare.json's content.
nlohmann::json run_compare(const Config& base, const std::vector<std::string>& overrides, const CompareOptions& o);
// Where a single-RM strategy routed in its last iteration (from run_dir/decisions.jsonl):
// {"decisions", "match_share": the share that chose an arm named "<anything>-<category>" for the
// prompt's category (spec-add, spec2-add, aspect-name; null when no arm is named so),
// "noisy_share": the share that chose the RM named "noisy" (null when there is none)}. Empty for
// ensembles and runs without decisions.
nlohmann::json routing_of(const std::string& run_dir);
// The markdown table of a compare.json.
std::string compare_markdown(const nlohmann::json& c);

}  // namespace laser::loop
