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
};

// prompts: token ids (already including BOS if the model wants one). Output order: prompt-major,
// then sample index. Reproducible for a fixed seed.
std::vector<Generation> generate(model::CausalLM& m, const text::Tokenizer& tok,
                                 const std::vector<std::vector<int32_t>>& prompts, const SamplingParams& p);

}  // namespace laser::gen
