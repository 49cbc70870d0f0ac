// report.html for a run directory: SVG plots (arm share over time and per category, bandit reward,
// loss, accuracy per iteration, RM cost per arm) and summary tables, built from the files the run
// wrote (metrics.jsonl, decisions.jsonl, eval.jsonl, summary.json). Opens offline in any browser.
// Also the plain-text summary table printed at the end of a run, and the time spent per phase.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace laser::loop {

// Reads the run directory's files and writes <run_dir>/report.html atomically; returns its path.
std::string write_report(const std::string& run_dir);

// The end-of-run table for the terminal, from the same files: dev score before training and after
// the last iteration, the test score (overall and per category), and per arm its decisions, share,
// RM items, calls and seconds. Plain text, one row per line.
std::string summary_table(const std::string& run_dir);

// Seconds per phase of the run in `run_dir` (context, generate, score, train, bandit, other, eval,
// total), from metrics.jsonl and eval.jsonl; all zero for an empty directory.
nlohmann::json run_phase_seconds(const std::string& run_dir);

}  // namespace laser::loop
