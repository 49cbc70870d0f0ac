// Best-of-n reranking at inference with a trained bandit choosing the reward model (the paper's
// long-context use): for each prompt the policy samples n candidates, the bandit (restored from a
// run's checkpoint) picks one RM from the prompt's context, that RM ranks the candidates, and the
// best is checked against the reference. Reports accuracy next to the unreranked first sample.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

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
nlohmann::json run_rerank(const RerankOptions& o);

}  // namespace laser::loop
