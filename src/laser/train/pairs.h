// Preference pairs from n scored responses of one prompt: rank 1 vs ranks 2..P+1 (the authors'
// code), best vs worst, or every pair whose score margin is at least m. Ties are never paired and
// responses of different prompts are never paired (the function sees one prompt at a time).
// Not a scorer: scores come from reward/.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace laser::train {

struct PreferencePair {
  std::vector<int32_t> prompt, chosen, rejected;  // token ids; responses without the prompt
  size_t prompt_index = 0;                        // which prompt of the batch (for logging)
};

struct PairConfig {
  std::string mode = "rank1-vs-rest";  // "rank1-vs-rest", "best-vs-worst", "margin"
  int num_pairs = 10;                  // P for rank1-vs-rest (the authors: 10)
  double margin = 0.0;                 // minimum score difference for "margin" (> 0 drops ties too)
  void validate(const std::string& where) const;
};

// scores (n) of one prompt's responses -> (chosen index, rejected index) pairs. Ranking is by
// descending score, stable on equal scores (lower index first); pairs with equal scores are dropped.
std::vector<std::pair<size_t, size_t>> make_pairs(const std::vector<double>& scores, const PairConfig& cfg);

}  // namespace laser::train
