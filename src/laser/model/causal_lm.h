// A Llama-family transformer (Llama 2/3, Mistral, Qwen2) on libtorch: RMSNorm, rotary embeddings
// (with linear or llama3 scaling), grouped-query attention, SwiGLU MLP, optional tied embeddings
// and q/k/v bias; a causal LM head or a sequence-classification score head (on the last non-pad
// token, like HF LlamaForSequenceClassification). Parameter names are HF's, so named_parameters()
// maps 1:1 to model.safetensors. Follows HF transformers' modeling_llama.py semantics.
// Not a generator (see gen/) and not a trainer (see train/).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "laser/core/device.h"
#include "laser/model/config.h"
#include "laser/model/kv_cache.h"
#include "laser/model/linear.h"
#include "laser/model/rotary.h"

namespace laser::model {

class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t d, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // (..., d) -> (..., d)
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(RMSNorm);

// What every layer's attention needs in one forward, built once per forward by
// CausalLM::hidden_states (S = past + T keys).
struct AttentionInputs {
  torch::Tensor cos, sin;  // (B,1,T,D/2) rotary factors of each query's position, model dtype
  torch::Tensor blocked;   // (B,1,T,S) bool, true where query t may not see key s (padding or future)
  torch::Tensor allowed;   // SDPA builds only (libtorch >= 2): NOT blocked, grouped to (B,1,rep*T,S) when T > 1
};

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const ModelConfig& c);
  // x (B,T,d) -> (B,T,d); appends this step's keys/values to `cache` as layer `layer` when a
  // cache is given.
  torch::Tensor forward(const torch::Tensor& x, const AttentionInputs& in, KVCache* cache, size_t layer);
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  int64_t heads, kv_heads, head_dim;
};
TORCH_MODULE(Attention);

class MLPImpl : public torch::nn::Module {
 public:
  explicit MLPImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);  // down(silu(gate(x)) * up(x))
  Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(MLP);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const AttentionInputs& in, KVCache* cache, size_t layer);
  Attention self_attn{nullptr};
  MLP mlp{nullptr};
  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(DecoderLayer);

// The "model." part of the HF layout: embeddings, layers, final norm.
class BackboneImpl : public torch::nn::Module {
 public:
  explicit BackboneImpl(const ModelConfig& c);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
};
TORCH_MODULE(Backbone);

// How embed() pools a prompt into one context vector for the bandit.
enum class PoolWhat { InputEmbedding, FinalHidden };
enum class PoolHow { Mean, Last };
struct Pooling {
  PoolWhat what = PoolWhat::InputEmbedding;  // the authors' code: mean of input embeddings
  PoolHow how = PoolHow::Mean;
};
// "mean-input", "last-input", "mean-hidden", "last-hidden".
Pooling parse_pooling(const std::string& s, const std::string& where = "pooling");
std::string pooling_name(const Pooling& p);

class CausalLMImpl : public torch::nn::Module {
 public:
  explicit CausalLMImpl(const ModelConfig& c);

  const ModelConfig& config() const { return cfg_; }

  // ids (B,T) int64, mask (B,T_past+T) with 1 for real tokens and 0 for left padding
  // -> final hidden states (B,T,d). Appends this step to `cache` if given; the cache also records
  // the mask. Undefined mask: all ones, except that with a cache holding earlier steps only the
  // new T tokens are real and the earlier positions keep the padding the cache recorded. A
  // decoding step (T = 1, a cache, no mask) takes positions and padding from the cache: no
  // mask, no cumulative sum, no host sync (ids on the host are range-checked there).
  torch::Tensor hidden_states(const torch::Tensor& ids, const torch::Tensor& mask = {}, KVCache* cache = nullptr);
  // ids (B,T) -> logits (B,T,V) in f32 (causal LM only).
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask = {}, KVCache* cache = nullptr);
  // hidden (B,T,d) -> logits (B,T,V) in f32.
  torch::Tensor lm_logits(const torch::Tensor& hidden);
  // Sequence classifier: ids (B,T), mask (B,T) -> scores (B,num_labels) in f32, read at the last
  // non-pad token of each row (works for left and right padding).
  torch::Tensor classify(const torch::Tensor& ids, const torch::Tensor& mask = {});
  // Pooled prompt embedding for the bandit: ids (B,T), mask (B,T) -> (B,d) in f32, no gradient.
  torch::Tensor embed(const torch::Tensor& ids, const torch::Tensor& mask, const Pooling& pooling);

  // Adds LoRA adapters to every Linear whose name ends with one of `targets` (for example
  // {"q_proj", "v_proj"}); returns the names of the adapted modules.
  std::vector<std::string> add_lora(const LoraSpec& spec, const std::vector<std::string>& targets);
  void set_lora_enabled(bool on);
  bool has_lora() const;
  void merge_lora();
  // Every Linear by its HF module name ("model.layers.0.self_attn.q_proj").
  std::vector<std::pair<std::string, Linear>> linears();

  // HF-named weights (no LoRA tensors; lm_head omitted when tied).
  std::vector<std::pair<std::string, torch::Tensor>> hf_state();
  torch::Device device() const;
  torch::Dtype dtype() const;
  // Mixed precision for f32 weights that are trained (full fine-tuning at run.dtype = bf16):
  // forwards run under torch autocast in `d` (see autocast.h); kFloat32, the default, is off.
  void set_autocast(torch::Dtype d) { autocast_ = d; }
  torch::Dtype autocast_dtype() const { return autocast_; }
  // Rotary inverse frequencies (D/2) in f32 on the CPU (kept f32 whatever the weights' dtype).
  const torch::Tensor& rope_inv_freq() const { return rope_.inv_freq(); }

  Backbone model{nullptr};
  Linear lm_head{nullptr};  // causal LM, untied
  Linear score{nullptr};    // sequence classifier

 private:
  RotaryTable rope_;  // not a buffer, so that .to(dtype) leaves the frequencies f32
  torch::Dtype autocast_ = torch::kFloat32;  // compute dtype under autocast; f32: off
  ModelConfig cfg_;
};
TORCH_MODULE(CausalLM);

// Random initialization as HF does it (normal(0, initializer_range) for matrices, ones for norms).
void init_weights(CausalLM& m, uint64_t seed);

// Loads an HF model directory (config.json + model.safetensors, or sharded with
// model.safetensors.index.json) to the device and dtype. Errors name the file, the tensor, and the
// expected vs found shape or dtype; nothing is half-loaded.
CausalLM load_model(const std::string& dir, const DeviceSpec& device = {}, DType dtype = DType::F32);
// Writes config.json and model.safetensors (HF names, current dtype) atomically into `dir`;
// other files in `dir` (tokenizer) are kept.
void save_model(CausalLM& m, const std::string& dir);

}  // namespace laser::model
