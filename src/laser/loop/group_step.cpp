// The pure pieces of a GRPO/RLOO step (see group_step.h).
#include "laser/loop/group_step.h"

#include <cmath>

#include "laser/core/error.h"

namespace laser::loop {

train::GroupBatch group_batch(const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens,
                              const std::vector<std::vector<int32_t>>& prompt_ids, int64_t n) {
  train::GroupBatch gb;
  gb.n = n;
  gb.prompts = prompt_ids;
  for (size_t b = 0; b < batch.of_prompt.size(); ++b) {
    LASER_CHECK(static_cast<int64_t>(batch.of_prompt[b].size()) == n, "group_batch",
                "prompt " + std::to_string(b) + " has " + std::to_string(batch.of_prompt[b].size()) + " samples, not " + std::to_string(n),
                "generation must return generation.n samples per prompt");
    for (size_t g : batch.of_prompt[b]) {
      gb.responses.push_back(response_ids(gens[g]));
      gb.rewards.push_back(scored.score[g]);
    }
  }
  return gb;
}

BatchPairs group_pairs(const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens) {
  BatchPairs out = unpaired(scored, batch, gens);
  for (size_t b = 0; b < batch.of_prompt.size(); ++b) {
    const auto& items = batch.of_prompt[b];
    for (size_t i = 0; i < items.size(); ++i)
      for (size_t j = i + 1; j < items.size(); ++j) {
        size_t gi = items[i], gj = items[j];
        double si = scored.score[gi], sj = scored.score[gj];
        if (gens[gi].ids == gens[gj].ids || !std::isfinite(si) || !std::isfinite(sj) || si == sj) continue;
        if (si > sj) out.of_prompt[b].push_back({gi, gj});
        else out.of_prompt[b].push_back({gj, gi});
      }
  }
  return out;
}

}  // namespace laser::loop
