// JSONL training data for `laser dpo` ({"prompt", "chosen", "rejected"} per line) and `laser sft`
// ({"prompt", "response"} per line), tokenized: prompt with the tokenizer's special tokens (or, with
// a chat template, as one user turn), responses without them plus EOS (or the template's
// end-of-turn token). Errors name file:line and the key. Not a task format (data/).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"
#include "laser/train/pairs.h"

namespace laser::train {

struct SftExample {
  std::vector<int32_t> prompt, response;
};

// prompt_index numbers distinct prompt texts in order of first appearance.
std::vector<PreferencePair> load_preference_jsonl(const std::string& path, const text::Tokenizer& tok, const text::PromptEncoder& pe = {});
std::vector<SftExample> load_sft_jsonl(const std::string& path, const text::Tokenizer& tok, const text::PromptEncoder& pe = {});

}  // namespace laser::train
