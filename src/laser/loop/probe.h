// The reference-free bandit signal "rm-agreement": a probe of the other reward models re-scores
// some prompts' responses, and their consensus (the mean of each probe RM's within-prompt rank,
// so scales never mix) stands in for a verifier. The bandit reward of a probed prompt is then the
// share of the chosen RM's pairs that the consensus orders the same way (step.h: bandit_rewards).
// Needs no reference answer, so it works on chat and long-form prompts. Not a strategy and not an
// ensemble: the probe never changes which pairs are trained, only what the bandit learns.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "laser/loop/arms.h"
#include "laser/loop/strategy.h"

namespace laser::loop {

// Within-prompt normalized ranks of `scores` at `idx`: 0 for the lowest, 1 for the highest, ties
// share their mean rank; a single item gets 0.5. Returns one value per index, in `idx` order.
std::vector<double> normalized_ranks(const std::vector<double>& scores, const std::vector<size_t>& idx);

// Arm `k`'s scores of the samples of `prompts` (indices into batch.of_prompt), in one call, per
// item of `batch` (NaN for the other items). When the arm fails: a warning "<who>: reward model
// '<name>' failed (<why>); <consequence>" and nullopt. The probe and strategy.labelled_feedback
// share it.
std::optional<std::vector<double>> score_prompts(Arms& arms, int k, const BatchItems& batch, const std::vector<size_t>& prompts,
                                                 const std::string& who, const std::string& consequence);

struct ProbeResult {
  std::vector<double> consensus;  // per item: mean normalized rank over the probe RMs (NaN: not probed)
  int64_t prompts = 0;            // prompts probed
};

// Pearson correlation of every pair of arms' normalized ranks (K x (items)), centered at 0.5,
// over the items both ranked (NaN: not ranked); 0 where fewer than `min_items` are shared or a
// side is constant; 1 on the diagonal. Pure.
std::vector<std::vector<double>> rank_correlations(const std::vector<std::vector<double>>& ranks, int64_t min_items);

// How the probe RMs' votes are weighted (strategy.probe_weighting):
// - Equal: every probe RM's rank counts once.
// - Decorrelated: 1 / (1 + the sum of an RM's positive rank correlations with the prompt's other
//   probe RMs on this batch), so a group of near-copies votes about once.
// - LeaveCopiesOut: 1 - (the RM's positive rank correlation with the *chosen* RM on this batch,
//   over every item both ranked, the chosen RM's own prompts included), so the chosen RM's copies
//   cannot vouch for it (a copy counts about 0, an independent RM 1).
enum class ProbeWeighting { Equal, Decorrelated, LeaveCopiesOut };
ProbeWeighting parse_probe_weighting(const std::string& s);  // the config value; throws on another

// Probes each prompt scored by a single arm (scored.arm[b] >= 0) with probability `rate` (drawn
// from a generator seeded with `seed`): every other arm scores that prompt's items (one call per
// arm for the whole batch), and the consensus is the weighted mean of their normalized ranks.
// An arm that fails is left out with a warning; a prompt no other arm could score (or whose
// voters all weigh 0) stays NaN.
ProbeResult probe_consensus(const Scored& scored, const BatchItems& batch, Arms& arms, double rate, uint64_t seed,
                            ProbeWeighting weighting = ProbeWeighting::Equal);

}  // namespace laser::loop
