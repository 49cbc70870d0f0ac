// Where a run's time goes: the phases of a step (context, generate, score, train, bandit, other)
// and evaluation, as metrics.jsonl / eval.jsonl record them, and their sums over a run for the
// summary and report.html. Plain data on JSON lines; no timer (the loop times), no torch.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace laser::loop {

// Timings of a step, in seconds, by phase: context (prompt embeddings), gen (sampling the
// responses), score (the chosen RMs), train (the DPO step), bandit (choose + feedback), and the
// whole step (which also holds pair building and logging: "other" = step - the phases).
struct StepTimes {
  double context = 0, gen = 0, score = 0, train = 0, bandit = 0, step = 0;
};

// The phases in report order, with the metrics.jsonl key of each ("time_<phase>"); eval's time is
// on eval.jsonl lines (time_eval), one per evaluation.
const std::vector<std::string>& phase_names();  // context, generate, score, train, bandit, other, eval
// Seconds per phase summed over a run's metrics.jsonl and eval.jsonl lines (as read), keyed by
// phase_names(); "other" is time_step minus the step's phases (never below 0); "total" their sum.
nlohmann::json phase_seconds(const std::vector<nlohmann::json>& metrics, const std::vector<nlohmann::json>& evals);
// One step line's seconds per phase (eval 0), in phase_names() order.
std::vector<double> step_phase_seconds(const nlohmann::json& metrics_line);

}  // namespace laser::loop
