// One LASeR training run (METHOD.md's loop) from a resolved Config, as a Run you can read: setup
// (data, policy, arms, strategy, trainer; or the state of a checkpoint), then per batch the seven
// steps of DESIGN.md (contexts, choice, generation, scoring by the chosen RM only, pairs, a DPO +
// NLL step, bandit feedback), and at each iteration's end a reference sync, dev evaluation and a
// checkpoint; finish() evaluates test and writes summary.json and report.html. The run directory
// is DESIGN.md's (config.toml, metrics.jsonl, decisions.jsonl, eval.jsonl, checkpoints/).
// Data parallel with RunOptions::dist: every rank runs a Run on its share of each batch (shard.h);
// rank 0 alone writes the run directory.
// Not the CLI (cli/cmd_loop.cpp) and not a strategy (strategy.h). Follows llm.c's train_gpt2.c.
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "laser/data/example.h"
#include "laser/loop/config.h"

namespace laser::train {
class Distributed;
struct PreferencePair;
}

namespace laser::loop {

struct RunOptions {
  bool resume = false;       // continue from the run directory's latest checkpoint (from the start when it has none)
  bool quiet = false;        // no progress bar or summary table
  std::shared_ptr<train::Distributed> dist;  // the ranks of a data-parallel run (null: a world of one)
};

class Run {
 public:
  // Setup: everything a step needs, restored from the latest checkpoint with opts.resume.
  Run(const Config& cfg, const RunOptions& opts = {});
  ~Run();
  // Every remaining iteration, then finish(). Stops early at run.early_stop_loss, at run.max_steps
  // (with a checkpoint), or at SIGINT/SIGTERM (checkpoint, then laser::Error saying how to resume).
  nlohmann::json run();
  // One training step on a batch of prompts of iteration `iteration` (its `batch`-th batch).
  // Returns the step's loss (NaN when no pair was built).
  double step(const std::vector<const data::Example*>& examples, int64_t iteration, int64_t batch);
  // After iteration `it`: reference <- policy, dev evaluation, checkpoint. True: stop early.
  bool end_iteration(int64_t it);
  // Test evaluation, summary.json, report.html, the summary table. Returns summary.json's content.
  nlohmann::json finish();

 private:
  struct State;
  void start_fresh();
  void resume();
  void checkpoint(const std::string& name, int64_t iteration, int64_t batch);
  bool run_iteration(int64_t it);
  std::vector<train::PreferencePair> alignment_probe();
  std::unique_ptr<State> s_;
};

// Runs to the end: Run(cfg, opts).run().
nlohmann::json run_training(const Config& cfg, const RunOptions& opts = {});

// The run directory a config writes to (run.out_dir/run.name).
std::string run_dir_of(const Config& cfg);

// Installs SIGINT/SIGTERM handlers that ask the running loop to checkpoint and stop (a second
// signal kills the process as usual).
void install_stop_handlers();
bool stop_requested();

}  // namespace laser::loop
