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
  uint64_t first_prompt_index = 0;    // prompts[i] seeds as prompt first_prompt_index + i (a rank's shard draws as the whole batch would)
  std::vector<int32_t> stop_ids;      // in addition to the tokenizer's stop ids
  std::vector<std::string> stop_strings;  // generation stops after the first occurrence (text is cut before it)
  bool stop_at_bos = false;           // also stop at the tokenizer's BOS id (llama2.c story models end a story with BOS)
  int batch_size = 32;                // rows decoded together
  void validate(const std::string& where) const;
};

// logits (V) f32 -> probabilities (V) after temperature, top-k and top-p (tokens outside the kept
// support get exactly 0). temperature 0 puts all mass on the argmax.
// Works row-wise on (B,V) as well. Order as in HF: temperature, then top-k (exactly k tokens kept;
// which of tied logits at the boundary survive is unspecified), then top-p (the smallest prefix of the sorted distribution whose mass
// reaches top_p; the most likely token is always kept).
torch::Tensor filtered_probs(const torch::Tensor& logits, double temperature, int top_k, double top_p);

// probs (B,V) (non-negative, rows need not be normalized), u (B) uniforms in [0,1) -> ids (B)
// int64: inverse-CDF sampling, row b takes the first token whose cumulative mass exceeds
// u[b] * total; a token with zero probability is never returned.
torch::Tensor sample_from_probs(const torch::Tensor& probs, const std::vector<double>& u);
// One row of the above on raw memory: probs (V) f32, u in [0,1) -> id. Two sequential passes
// (total mass, then the search, which stops at the token), both accumulating in double left to
// right, so the id equals that of a float64 cumsum over the row; no temporaries.
int64_t inverse_cdf(const float* probs, int64_t V, double u);

// logits (B,V) -> ids (B) int64 under `p` (greedy when temperature == 0), one uniform from
// rngs[b] per row (no draw for greedy). rngs.size() must be B.
torch::Tensor sample_tokens(const torch::Tensor& logits, const SamplingParams& p, const std::vector<Rng*>& rngs);
// One row: logits (V) -> id.
int64_t sample_token(const torch::Tensor& logits, const SamplingParams& p, Rng& rng);

// The sampler of a decoding loop: sample_tokens plus each token's log-probability, with scratch
// buffers (B,V) kept across steps (they only shrink as rows finish), so a step allocates no
// vocabulary-sized memory. Same ids as sample_tokens for the same uniforms (same float kernels,
// same double inverse CDF).
class TokenSampler {
 public:
  explicit TokenSampler(const SamplingParams& p) : p_(p) {}
  // logits (B,V) f32 -> ids (B) and logprobs (B) = log softmax(logits)[id] (temperature 1, no
  // top-k/top-p: the model's own probability), one uniform from rngs[b] per row unless greedy.
  void sample(const torch::Tensor& logits, const std::vector<Rng*>& rngs, std::vector<int64_t>& ids, std::vector<float>& logprobs);

 private:
  SamplingParams p_;
  torch::Tensor z_, probs_, lse_, argmax_;  // (B,V), (B,V), (B), (B) scratch
  torch::Tensor temp_;                      // the temperature as a wrapped scalar
};

}  // namespace laser::gen
