// LoRA adapters in PEFT's on-disk layout: adapter_config.json (peft_type LORA, r, lora_alpha,
// lora_dropout, target_modules) and adapter_model.safetensors with PEFT tensor names
// "base_model.model.<module>.lora_A.weight" (r,in) and ".lora_B.weight" (out,r).
// Not LoRA itself (model/linear.h) and not a trainer.
#pragma once
#include <string>
#include <tuple>
#include <vector>

#include "laser/model/causal_lm.h"

namespace laser::train {

// An adapter as tensors: (module name "model.layers.0.self_attn.q_proj", A (r,in), B (out,r)).
using AdapterWeights = std::vector<std::tuple<std::string, torch::Tensor, torch::Tensor>>;

// Writes `w` with `spec` (r, alpha, dropout) into `dir` (created if needed; other files kept);
// `base_model` becomes base_model_name_or_path.
void save_adapter_weights(const AdapterWeights& w, const std::string& dir, const model::LoraSpec& spec,
                          const std::vector<std::string>& targets, const std::string& base_model = "");
// Writes the model's adapters atomically into `dir` (created if needed; other files kept).
void save_adapter(model::CausalLM& m, const std::string& dir, const model::LoraSpec& spec,
                  const std::vector<std::string>& targets, const std::string& base_model = "");
// Reads an adapter directory; adds adapters to the model when it has none, then copies the
// weights. Errors name the file and the tensor (missing, unexpected, or shape mismatch).
// Returns the target module names of the adapter.
std::vector<std::string> load_adapter(model::CausalLM& m, const std::string& dir);

}  // namespace laser::train
