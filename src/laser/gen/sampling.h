// Sampling parameters and the token-level sampler (temperature, top-k, top-p, greedy), seeded.
// Pure functions on a logits row so that the support kept by top-k/top-p can be tested exactly.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "laser/core/rng.h"

namespace laser::gen {

struct SamplingParams {
  int n = 1;                          // samples per prompt
  int max_new_tokens = 150;           // METHOD.md default
  double temperature = 0.8;           // 0: greedy
  int top_k = 0;                      // 0: off
  double top_p = 1.0;                 // 1: off
  uint64_t seed = 0;
  std::vector<int32_t> stop_ids;      // in addition to the tokenizer's stop ids
  std::vector<std::string> stop_strings;  // generation stops after the first occurrence (text is cut before it)
  int batch_size = 32;                // rows decoded together
  void validate(const std::string& where) const;
};

// logits (V) f32 -> probabilities (V) after temperature, top-k and top-p (tokens outside the kept
// support get exactly 0). temperature 0 puts all mass on the argmax.
torch::Tensor filtered_probs(const torch::Tensor& logits, double temperature, int top_k, double top_p);

}  // namespace laser::gen
