// The pure pieces of a GRPO/RLOO step between scoring and training: the group batch the trainer's
// rl_step takes (each prompt's n samples with the routed RM's scores as rewards) and, for the
// bandit signal, every ordered pair of a prompt's samples that those scores separate.
// No model, no file. The DPO counterpart is build_pairs in step.h; the step itself is Run::step.
#pragma once
#include <vector>

#include "laser/gen/generate.h"
#include "laser/loop/step.h"
#include "laser/loop/strategy.h"
#include "laser/train/trainer.h"

namespace laser::loop {

// gens: n samples per prompt, prompt-major (gen::generate's order). Rewards = scored.score, so
// ensembles' rewards are their averaged normalized scores. A response that ended at a stop id keeps
// it (as build_pairs does).
train::GroupBatch group_batch(const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens,
                              const std::vector<std::vector<int32_t>>& prompt_ids, int64_t n);

// For bandit_rewards: within each prompt, every pair (i, j) of samples whose scores differ, as
// (higher, lower) item indices; `pairs` (the trainer's) stays empty. Identical responses are skipped.
BatchPairs group_pairs(const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens);

}  // namespace laser::loop
