// The run directory of DESIGN.md and its append-only logs: paths, the latest checkpoint, and the
// truncation of metrics/decisions/eval lines written after that checkpoint (a resumed run goes on
// from there, so no step is logged twice). Not the checkpoint contents (train::Trainer, run.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "laser/io/jsonl.h"

namespace laser::loop {

struct RunFiles {
  explicit RunFiles(std::string dir);
  std::string dir, checkpoints, latest, config, metrics, decisions, eval, summary, baseline;

  // Whether `checkpoints/latest` names a checkpoint.
  bool has_checkpoint() const;
  // The directory `latest` names.
  std::string latest_checkpoint() const;
  // Whether a run started here (its metrics file has lines).
  bool holds_run() const;
  // Empties the three logs (a fresh start).
  void clear_logs() const;
  // Keeps the first lines of each log as a checkpoint counted them.
  void truncate_logs(int64_t metrics_lines, int64_t decisions_lines, int64_t eval_lines) const;
  // Deletes all but the newest `keep` checkpoints (iter-N and step-N directories, newest by the
  // step their trainer_state.json records); the one `latest` names is always kept. keep 0 keeps
  // all. A directory that is not a complete checkpoint (no readable step) is left alone.
  // Returns how many were deleted.
  int prune_checkpoints(int64_t keep) const;
  // Opens the three logs for appending.
  void open();
  std::unique_ptr<io::JsonlWriter> metrics_out, decisions_out, eval_out;
};

// Lines in a file (0 when it does not exist).
int64_t count_lines(const std::string& path);
// Keeps the first `lines` lines of a JSONL file (atomically); a torn last line is dropped.
void truncate_lines(const std::string& path, int64_t lines);

}  // namespace laser::loop
