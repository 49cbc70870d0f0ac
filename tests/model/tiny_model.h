// Helpers for model/gen tests: tiny random Llama-family models built in memory or written as HF
// directories under LASER_TEST_TMP, and tensor comparison. Not a fixture library.
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"

namespace laser::testing {

// A small config: vocab 300 (>= the byte tokenizer's 259), GQA 4 heads / 2 kv heads, 2 layers.
inline model::ModelConfig tiny_config(const std::string& arch = "llama") {
  model::ModelConfig c;
  c.model_type = arch;
  c.architecture = arch == "llama" ? "LlamaForCausalLM" : arch == "mistral" ? "MistralForCausalLM" : "Qwen2ForCausalLM";
  c.qkv_bias = arch == "qwen2";
  c.vocab_size = 300;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.max_position_embeddings = 256;
  c.rms_norm_eps = 1e-5;
  c.initializer_range = 0.2;  // larger than HF's 0.02 so that logits are far from uniform
  c.tie_word_embeddings = false;
  return c;
}

// Random weights; biases (when present) random too, so that bias code paths matter.
inline model::CausalLM make_model(const model::ModelConfig& c, uint64_t seed = 1) {
  model::CausalLM m(c);
  model::init_weights(m, seed);
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed + 1000);
  for (auto& p : m->named_parameters(true))
    if (p.key().size() > 5 && p.key().substr(p.key().size() - 5) == ".bias")
      p.value().copy_(at::normal(0.0, 0.2, p.value().sizes(), gen, torch::TensorOptions().dtype(torch::kFloat32)));
  m->eval();
  return m;
}

inline std::string tmp_dir(const std::string& name) {
  std::string d = io::join_path(LASER_TEST_TMP, name);
  io::remove_all(d);
  io::make_dirs(d);
  return d;
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

inline torch::Tensor ids_tensor(const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).view({1, -1}); }

// Left-pads rows with id 0: returns ids (B,T) and mask (B,T) (1 for real tokens).
inline std::pair<torch::Tensor, torch::Tensor> left_pad_rows(const std::vector<std::vector<int64_t>>& rows) {
  int64_t T = 0;
  for (auto& r : rows) T = std::max<int64_t>(T, static_cast<int64_t>(r.size()));
  auto ids = torch::zeros({static_cast<int64_t>(rows.size()), T}, torch::kLong), mask = torch::zeros_like(ids);
  for (size_t b = 0; b < rows.size(); ++b)
    for (size_t t = 0; t < rows[b].size(); ++t) {
      ids[b][T - static_cast<int64_t>(rows[b].size()) + static_cast<int64_t>(t)] = rows[b][t];
      mask[b][T - static_cast<int64_t>(rows[b].size()) + static_cast<int64_t>(t)] = 1;
    }
  return {ids, mask};
}

}  // namespace laser::testing
