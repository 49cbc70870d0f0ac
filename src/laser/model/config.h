// ModelConfig: the fields of an HF config.json that a Llama-family model needs (Llama 2/3,
// Mistral, Qwen2; causal LM or sequence classifier). Unknown keys are kept and written back.
// Not a model: see causal_lm.h.
#pragma once
#include <nlohmann/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace laser::model {

struct RopeScaling {
  std::string type;                    // "" (none), "linear", "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;        // llama3 only
  double high_freq_factor = 4.0;       // llama3 only
  int64_t original_max_position_embeddings = 8192;  // llama3 only
};

struct ModelConfig {
  std::string architecture = "LlamaForCausalLM";  // or MistralForCausalLM, Qwen2ForCausalLM, *ForSequenceClassification
  std::string model_type = "llama";               // llama, mistral, qwen2
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;   // < heads: grouped-query attention
  int64_t head_dim = 0;               // 0: hidden_size / num_attention_heads
  int64_t max_position_embeddings = 4096;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;        // q/k/v/o bias (Llama attention_bias); Qwen2: q/k/v bias only
  bool qkv_bias = false;              // Qwen2
  bool mlp_bias = false;
  double initializer_range = 0.02;
  std::string torch_dtype = "float32";
  std::optional<int64_t> bos_token_id, eos_token_id, pad_token_id;
  int64_t num_labels = 1;             // sequence classifier head size
  nlohmann::json raw = nlohmann::json::object();  // everything read, for round-tripping

  bool is_classifier() const;
  int64_t get_head_dim() const { return head_dim > 0 ? head_dim : hidden_size / num_attention_heads; }
  // Parameter count implied by the config (embeddings, layers, head).
  int64_t num_parameters() const;

  // Reads and validates config.json; errors name the file and the key.
  static ModelConfig load(const std::string& path);
  static ModelConfig from_json(const nlohmann::json& j, const std::string& where);
  nlohmann::json to_json() const;
  // Checks every field's range (from_json checks the JSON types); errors name the field.
  void validate(const std::string& where) const;
  // Throws when the parameters as float32 would not fit this machine's physical memory.
  void check_fits_memory(const std::string& where) const;
};

// Named presets for `laser init-model` (tiny, small, ~20M, ~100M), with the given vocabulary size.
ModelConfig preset_config(const std::string& name, int64_t vocab_size);
std::vector<std::string> preset_names();

}  // namespace laser::model
