// Where a model-based RM gets its model: directory, tokenizer, device, dtype, batch size and how
// the prompt is formatted; plus the shared encoding of items into prompt/response token ids.
// Not an RM itself (see lm_likelihood.h, implicit_dpo.h, classifier_rm.h). Torch-free header.
// The prompt/response split (tokenized separately, prompt with BOS) follows TRL's DPO trainer.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "laser/core/device.h"
#include "laser/reward/reward_model.h"

namespace laser::text {
class Tokenizer;
}

namespace laser::reward {

struct ModelSource {
  std::string model_dir;             // HF directory (config.json + model.safetensors)
  std::string tokenizer_dir;         // "" = model_dir
  DeviceSpec device;                 // cpu
  DType dtype = DType::F32;
  int batch_size = 16;               // sequences per forward pass
  std::string prompt_format = "{prompt}";  // "{prompt}" is replaced by the item's prompt
  bool add_special = true;           // BOS (and what the tokenizer adds) on the prompt
  bool append_eos = false;           // EOS after the response (with a chat template: its end-of-turn token)
  std::string chat_template;         // "" = none; else a template name: the formatted prompt becomes a user turn

  std::string tokenizer_path() const { return tokenizer_dir.empty() ? model_dir : tokenizer_dir; }
};

// prompt_format with every "{prompt}" replaced by `prompt`.
std::string format_prompt(const std::string& prompt_format, const std::string& prompt);

// Token ids of the items: prompt (formatted, with special tokens, or rendered by the chat template;
// never empty: BOS is used when the prompt encodes to nothing) and response (no special tokens;
// EOS, or the template's end-of-turn token, appended if asked).
struct EncodedItems {
  std::vector<std::vector<int32_t>> prompts, responses;
  int64_t tokens = 0;  // sum of both lengths
};
EncodedItems encode_items(const text::Tokenizer& tok, const ModelSource& src, const std::vector<RewardItem>& items);

}  // namespace laser::reward
