// Best-of-n reranking at inference with a trained bandit choosing the reward model (the paper's
// long-context use): for each prompt the policy samples n candidates, the bandit (restored from a
// run's checkpoint) picks one RM from the prompt's context, that RM ranks the candidates, and the
// best is checked against the reference. Reports accuracy next to the unreranked first sample.
// No RM sees the reference answer here (an RM that did would make best-of-n an oracle).
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "laser/data/example.h"
#include "laser/reward/reward_model.h"

namespace laser::loop {

struct RerankOptions {
  std::string run_dir;          // a `laser train` run directory (config.toml + checkpoints/)
  std::string checkpoint;       // checkpoint name under checkpoints/ ("" = latest)
  std::string model;            // policy directory ("" = the checkpoint's policy)
  std::string format, path;     // dataset
  std::string template_spec;    // "" = the run's data.template
  size_t limit = 0;
  int n = 8;
  double temperature = 0.8;
  int max_new_tokens = 0;       // 0 = the run's generation.max_new_tokens
  uint64_t seed = 0;
};

// Returns {"n", "accuracy", "first_sample_accuracy", "per_category": {cat: {accuracy, first, n}},
// "arm_share": {cat: {arm: share}}, "rm_items"}.
// Refuses a run's RMs that must see the reference answer (verifiers, also under a noise wrapper or in
// an ensemble): throws laser::Error naming the arm, `where` (the run's config.toml) and a hint.
nlohmann::json run_rerank(const RerankOptions& o);

// Throws laser::Error when `rm` needs the reference answer (see above); `where` names the config.
void check_inference_rm(reward::RewardModel& rm, const std::string& where);
// The items an RM ranks for one prompt's candidates: prompt, candidate and category; the
// reference is always empty (std::nullopt), whatever ex.answer holds.
std::vector<reward::RewardItem> rerank_items(const data::Example& ex, const std::vector<std::string>& candidates);

}  // namespace laser::loop
