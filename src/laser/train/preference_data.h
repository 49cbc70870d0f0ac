// JSONL training data in the layouts TRL / OpenRLHF users have, tokenized. `laser dpo`:
// {prompt, chosen, rejected} as strings or {role, content} message lists; {chosen, rejected} only,
// as HH-RLHF transcripts (prompt = the common prefix through its last "\n\nAssistant:") or message
// lists (prompt = the common leading messages). `laser sft`: {prompt, response}, {prompt, completion}
// or {messages} (the last assistant turn is the target, the turns before it the prompt).
// Text prompts get the tokenizer's special tokens (with a chat template: one user turn); message
// lists and, with a chat template, HH transcripts are rendered as conversations (they need one);
// responses carry no special tokens but end with EOS (or the template's end-of-turn token).
// Errors name file:line, the key and the layouts expected. Not a task format (data/).
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
