// Batched generation with the KV cache: each prompt is prefilled once and expanded to n samples,
// rows are left-padded and decoded together; returns ids, text and per-token log-probs (under the
// sampling distribution's underlying model, i.e. log softmax of the raw logits).
// Not a server and not a trainer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "laser/gen/sampling.h"
#include "laser/model/causal_lm.h"
#include "laser/text/tokenizer.h"

namespace laser::gen {

struct Generation {
  size_t prompt_index = 0;            // which prompt this sample answers
  int sample_index = 0;               // 0..n-1
  std::vector<int32_t> ids;           // response ids (stop token excluded)
  std::string text;                   // decoded response (special tokens skipped, cut at a stop string)
  std::vector<float> logprobs;        // log p(id_t | prefix) for each id under the model (temperature 1)
  std::string finish_reason;          // "stop" (stop id or string) or "length"
  int32_t stop_id = -1;               // the stop id that ended the sample (-1: a stop string or the length limit)
};

// prompts: token ids (already including BOS if the model wants one). Output order: prompt-major,
// then sample index. Reproducible for a fixed seed.
// Each sample draws from its own laser::Rng seeded with mix_seed(seed, (p.first_prompt_index + prompt_index) * n + sample_index),
// so a sample does not depend on which other rows share its batch. A sample finishes at a stop id
// (the tokenizer's stop_ids() plus p.stop_ids; the id is not kept), at a stop string (its ids are
// kept up to the token that completes the string, its text is cut before the string), or at
// max_new_tokens. Finished rows leave the batch, so the cache shrinks as rows end.
std::vector<Generation> generate(model::CausalLM& m, const text::Tokenizer& tok,
                                 const std::vector<std::vector<int32_t>>& prompts, const SamplingParams& p);
// Same without a tokenizer (tok may be null): no text, no stop strings, only p.stop_ids end a
// sample. Used by benchmarks and by models whose tokenizer lives elsewhere.
std::vector<Generation> generate(model::CausalLM& m, const text::Tokenizer* tok,
                                 const std::vector<std::vector<int32_t>>& prompts, const SamplingParams& p);

}  // namespace laser::gen
