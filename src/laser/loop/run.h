// One LASeR training run (METHOD.md's loop) from a resolved Config: contexts from the policy, the
// strategy's choice of reward model, n samples per prompt, scoring by the chosen RM only, pairs,
// a DPO + NLL step, bandit feedback, reference sync and dev evaluation after each iteration,
// checkpoints, resume, and the run directory of DESIGN.md (config.toml, metrics.jsonl,
// decisions.jsonl, eval.jsonl, summary.json, checkpoints/, report.html).
// Not the CLI (cli/cmd_loop.cpp) and not a strategy (strategy.h).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "laser/loop/config.h"

namespace laser::loop {

struct RunOptions {
  bool resume = false;       // continue from the run directory's latest checkpoint
  bool quiet = false;        // no progress bar or summary table
};

// Runs to the end (or to early stopping, max_steps, or a SIGINT/SIGTERM, after which it writes a
// checkpoint and throws laser::Error saying how to resume). Returns summary.json's content.
nlohmann::json run_training(const Config& cfg, const RunOptions& opts = {});

// The run directory a config writes to (run.out_dir/run.name).
std::string run_dir_of(const Config& cfg);

// Installs SIGINT/SIGTERM handlers that ask the running loop to checkpoint and stop (a second
// signal kills the process as usual).
void install_stop_handlers();
bool stop_requested();

}  // namespace laser::loop
