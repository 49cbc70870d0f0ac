// The Llama-family transformer (see causal_lm.h): RMSNorm, RoPE with linear/llama3 scaling, GQA
// attention over a preallocated KV cache, SwiGLU MLP, LM and classifier heads, pooling and LoRA
// plumbing. Follows HF transformers modeling_llama.py / modeling_qwen2.py; not a generator.
#include "laser/model/causal_lm.h"

#include <torch/version.h>

#include <cmath>
#include <limits>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/model/autocast.h"

namespace laser::model {

// ---------------------------------------------------------------- RMSNorm
RMSNormImpl::RMSNormImpl(int64_t d, double e) : eps(e) { weight = register_parameter("weight", torch::ones({d})); }

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  auto h = x.to(torch::kFloat32);
  h = h * torch::rsqrt(h.pow(2).mean(-1, true) + eps);
  return weight * h.to(x.scalar_type());
}

// ---------------------------------------------------------------- attention
AttentionImpl::AttentionImpl(const ModelConfig& c)
    : heads(c.num_attention_heads), kv_heads(c.num_key_value_heads), head_dim(c.get_head_dim()) {
  bool qkvb = c.qkv_bias || c.attention_bias;
  q_proj = register_module("q_proj", Linear(c.hidden_size, heads * head_dim, qkvb));
  k_proj = register_module("k_proj", Linear(c.hidden_size, kv_heads * head_dim, qkvb));
  v_proj = register_module("v_proj", Linear(c.hidden_size, kv_heads * head_dim, qkvb));
  o_proj = register_module("o_proj", Linear(heads * head_dim, c.hidden_size, c.attention_bias));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const AttentionInputs& in, KVCache* cache, size_t layer) {
  int64_t B = x.size(0), T = x.size(1);
  auto q = q_proj->forward(x).view({B, T, heads, head_dim}).transpose(1, 2);     // (B,H,T,D)
  auto k = k_proj->forward(x).view({B, T, kv_heads, head_dim}).transpose(1, 2);  // (B,Hkv,T,D)
  auto v = v_proj->forward(x).view({B, T, kv_heads, head_dim}).transpose(1, 2);
  q = apply_rotary(q, in.cos, in.sin);
  k = apply_rotary(k, in.cos, in.sin);
  if (cache) std::tie(k, v) = cache->append(layer, k, v);  // (B,Hkv,S,D) views, S = past + T
  int64_t S = k.size(2), rep = heads / kv_heads;
  // Grouped-query attention without copying k/v: query head h = g*rep + r uses kv head g, so the
  // rep query heads of a group are stacked along the query axis: (B,Hkv,rep*T,D).
  auto qg = q.reshape({B, kv_heads, rep * T, head_dim});
  torch::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
  out = at::scaled_dot_product_attention(qg, k, v, in.allowed);
#else
  auto scores = torch::matmul(qg, k.transpose(-2, -1));  // (B,Hkv,rep*T,S)
  if (scores.scalar_type() != torch::kFloat32) scores = scores.to(torch::kFloat32);
  scores.mul_(1.0 / std::sqrt(static_cast<double>(head_dim)));
  // The mask (B,1,T,S) broadcasts over the kv heads and a group's rep query heads when the
  // scores are seen as (B,Hkv,rep,T,S): a view, no expanded copy of the mask.
  scores.view({B, kv_heads, rep, T, S}).masked_fill_(in.blocked.unsqueeze(2), -std::numeric_limits<float>::infinity());
  auto p = torch::softmax(scores, -1).to(q.scalar_type());
  out = torch::matmul(p, v);  // (B,Hkv,rep*T,D)
#endif
  out = out.reshape({B, heads, T, head_dim}).transpose(1, 2).reshape({B, T, heads * head_dim});
  return o_proj->forward(out);
}

MLPImpl::MLPImpl(const ModelConfig& c) {
  gate_proj = register_module("gate_proj", Linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
  up_proj = register_module("up_proj", Linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
  down_proj = register_module("down_proj", Linear(c.intermediate_size, c.hidden_size, c.mlp_bias));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) {
  return down_proj->forward(torch::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c) {
  self_attn = register_module("self_attn", Attention(c));
  mlp = register_module("mlp", MLP(c));
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const AttentionInputs& in, KVCache* cache, size_t layer) {
  auto h = x + self_attn->forward(input_layernorm->forward(x), in, cache, layer);
  return h + mlp->forward(post_attention_layernorm->forward(h));
}

BackboneImpl::BackboneImpl(const ModelConfig& c) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(DecoderLayer(c));
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

// ---------------------------------------------------------------- pooling
Pooling parse_pooling(const std::string& s, const std::string& where) {
  Pooling p;
  if (s == "mean-input") return p;
  if (s == "last-input") { p.how = PoolHow::Last; return p; }
  if (s == "mean-hidden") { p.what = PoolWhat::FinalHidden; return p; }
  if (s == "last-hidden") { p.what = PoolWhat::FinalHidden; p.how = PoolHow::Last; return p; }
  throw Error("unknown pooling '" + s + "'", where, "use mean-input, last-input, mean-hidden or last-hidden");
}

std::string pooling_name(const Pooling& p) {
  return std::string(p.how == PoolHow::Mean ? "mean" : "last") + (p.what == PoolWhat::InputEmbedding ? "-input" : "-hidden");
}

// ---------------------------------------------------------------- causal LM
CausalLMImpl::CausalLMImpl(const ModelConfig& c) : rope_(c), cfg_(c) {
  model = register_module("model", Backbone(c));
  if (c.is_classifier()) score = register_module("score", Linear(c.hidden_size, c.num_labels, false));
  else if (!c.tie_word_embeddings) lm_head = register_module("lm_head", Linear(c.hidden_size, c.vocab_size, false));
}

torch::Device CausalLMImpl::device() const { return model->embed_tokens->weight.device(); }
torch::Dtype CausalLMImpl::dtype() const { return model->embed_tokens->weight.scalar_type(); }

torch::Tensor CausalLMImpl::hidden_states(const torch::Tensor& ids_in, const torch::Tensor& mask_in, KVCache* cache) {
  LASER_CHECK(ids_in.dim() == 2, "CausalLM::hidden_states", "ids must be (B,T), got " + std::to_string(ids_in.dim()) + " dims",
              "add a batch dimension");
  const auto dev = device();
  Autocast ac(dev, autocast_);
  const int64_t B = ids_in.size(0), T = ids_in.size(1), V = cfg_.vocab_size;
  bool ids_ok = true;
  if (ids_in.is_cpu()) {  // ids from the host (a decoding step's): a plain loop, no tensor ops, no sync
    auto h = ids_in.to(torch::kLong).contiguous();
    const int64_t* a = h.data_ptr<int64_t>();
    for (int64_t i = 0, n = h.numel(); i < n; ++i) ids_ok &= a[i] >= 0 && a[i] < V;
  } else {  // ids already on the device: one reduction and one sync
    auto d = ids_in.to(torch::kLong);
    ids_ok = d.numel() == 0 || !(d < 0).logical_or(d >= V).any().item<bool>();
  }
  LASER_CHECK(ids_ok, "CausalLM::hidden_states", "token id outside the vocabulary (" + std::to_string(V) + ")",
              "the tokenizer does not match the model");
  // From pinned host memory (generate's step ids on a CUDA model) the copy is asynchronous: no sync.
  auto ids = ids_in.to(dev, torch::kLong, /*non_blocking=*/ids_in.is_cpu() && !dev.is_cpu() && ids_in.is_pinned());
  if (cache && cache->k.empty()) {
    cache->k.resize(cfg_.num_hidden_layers);
    cache->v.resize(cfg_.num_hidden_layers);
  }
  const int64_t past = cache ? cache->length() : 0, S = past + T;
  const auto dt = dtype();
  AttentionInputs in;
  if (cache && past > 0 && T == 1 && !mask_in.defined() && cache->has_mask(B)) {
    // A decoding step: the new token is real, its position is its row's count of real tokens
    // so far, and it may see every real key (all are in its past) and itself. All from the cache,
    // in place: no mask, no cumulative sum, no host sync.
    std::tie(in.cos, in.sin) = rope_.at(cache->real_count().view({B, 1}), S, dev, dt);  // (B,1,1,D/2)
    cache->mark_real(1);
    in.blocked = cache->padding(S).unsqueeze(1).unsqueeze(1);  // (B,1,1,S) view
  } else {
    torch::Tensor mask;  // (B,S) int64
    auto lopts = torch::TensorOptions().dtype(torch::kLong).device(dev);
    if (mask_in.defined()) mask = mask_in.to(dev, torch::kLong);
    else if (cache && past > 0 && cache->has_mask(B))
      mask = torch::cat({cache->padding(past).logical_not().to(torch::kLong), torch::ones({B, T}, lopts)}, 1);
    else mask = torch::ones({B, S}, lopts);
    LASER_CHECK(mask.size(0) == B && mask.size(1) == S, "CausalLM::hidden_states",
                "mask must be (B, past+T) = (" + std::to_string(B) + ", " + std::to_string(S) + "), got (" +
                    std::to_string(mask.size(0)) + ", " + std::to_string(mask.size(1)) + ")",
                "pass the attention mask of the whole sequence so far");
    // Positions count real tokens only, so a left-padded row gets the positions it gets alone.
    // One new token: its position is the row's count of real tokens before it, without the
    // cumulative sum over the whole row.
    torch::Tensor pos;  // (B,T) int64
    if (T == 1) pos = (mask.narrow(1, 0, past).sum(1, true) + mask.narrow(1, past, 1) - 1).clamp_min(0);
    else pos = (mask.cumsum(1) - 1).clamp_min(0).narrow(1, past, T);
    std::tie(in.cos, in.sin) = rope_.at(pos, S, dev, dt);  // (B,1,T,D/2)
    // allowed[b,0,i,j]: key j is a real token and not in the future of query i; each query may
    // always see itself, so no row is fully masked (pad queries produce finite garbage, unused).
    torch::Tensor allowed;  // (B,1,T,S) bool
    if (T == 1) {
      // One query at the last position: every key is in its past, so allowed = real keys, and itself.
      allowed = mask.to(torch::kBool).view({B, 1, 1, S});
      allowed.select(3, past).fill_(true);
    } else {
      auto qpos = torch::arange(past, S, lopts).view({T, 1});
      auto kpos = torch::arange(0, S, lopts).view({1, S});
      auto causal = (kpos <= qpos).view({1, 1, T, S});
      auto real = mask.to(torch::kBool).view({B, 1, 1, S});
      auto self = (kpos == qpos).view({1, 1, T, S});
      allowed = (causal.logical_and(real)).logical_or(self);
    }
    in.blocked = allowed.logical_not();
    if (cache) cache->set_mask(mask);
  }
#if TORCH_VERSION_MAJOR >= 2
  // SDPA takes the allowed mask broadcastable to (B,Hkv,rep*T,S): the grouped query axis stacks a
  // group's rep heads (see AttentionImpl::forward), so T > 1 needs the mask repeated once here.
  in.allowed = in.blocked.logical_not();
  if (int64_t rep = cfg_.num_attention_heads / cfg_.num_key_value_heads; rep > 1 && T > 1)
    in.allowed = in.allowed.unsqueeze(2).expand({B, 1, rep, T, S}).reshape({B, 1, rep * T, S});
#endif
  auto x = model->embed_tokens->forward(ids);
  for (int64_t i = 0; i < cfg_.num_hidden_layers; ++i) {
    auto layer = model->layers[i]->as<DecoderLayerImpl>();
    x = layer->forward(x, in, cache, static_cast<size_t>(i));
  }
  if (cache) cache->advance(T);
  return model->norm->forward(x);
}

torch::Tensor CausalLMImpl::lm_logits(const torch::Tensor& hidden) {
  LASER_CHECK(!cfg_.is_classifier(), "CausalLM::lm_logits", "this model is a sequence classifier", "use classify()");
  Autocast ac(device(), autocast_);
  if (lm_head) return lm_head->forward(hidden).to(torch::kFloat32);
  const auto& w = model->embed_tokens->weight;  // (V,d)
  if (hidden.numel() == w.size(1) && w.scalar_type() == torch::kFloat32 && hidden.scalar_type() == torch::kFloat32 &&
      !(at::GradMode::is_enabled() && (w.requires_grad() || hidden.requires_grad()))) {
    auto shape = hidden.sizes().vec();  // one f32 row: (V,d) x (d) as a matrix-vector product, as Linear does
    shape.back() = w.size(0);
    return at::mv(w, hidden.reshape({-1})).view(shape).to(torch::kFloat32);
  }
  return torch::matmul(hidden, w.t()).to(torch::kFloat32);
}

torch::Tensor CausalLMImpl::forward(const torch::Tensor& ids, const torch::Tensor& mask, KVCache* cache) {
  return lm_logits(hidden_states(ids, mask, cache));
}

static torch::Tensor last_real_index(const torch::Tensor& mask) {
  // (B,T) -> (B): the largest j with mask[b,j] == 1 (0 for an all-pad row).
  int64_t T = mask.size(1);
  auto ar = torch::arange(T, mask.options().dtype(torch::kLong)).view({1, T});
  return (mask.to(torch::kLong) * (ar + 1)).argmax(1);
}

torch::Tensor CausalLMImpl::classify(const torch::Tensor& ids, const torch::Tensor& mask_in) {
  LASER_CHECK(cfg_.is_classifier(), "CausalLM::classify", "this model has no score head", "load a *ForSequenceClassification model");
  auto mask = mask_in.defined() ? mask_in.to(device(), torch::kLong) : torch::ones_like(ids, torch::TensorOptions().dtype(torch::kLong).device(device()));
  Autocast ac(device(), autocast_);
  auto h = hidden_states(ids, mask);
  auto idx = last_real_index(mask);
  auto picked = h.index({torch::arange(h.size(0), idx.options()), idx});  // (B,d)
  return score->forward(picked).to(torch::kFloat32);
}

torch::Tensor CausalLMImpl::embed(const torch::Tensor& ids_in, const torch::Tensor& mask_in, const Pooling& p) {
  torch::NoGradGuard ng;
  auto ids = ids_in.to(device(), torch::kLong);
  auto mask = mask_in.defined() ? mask_in.to(device(), torch::kLong) : torch::ones_like(ids);
  torch::Tensor h = p.what == PoolWhat::InputEmbedding ? model->embed_tokens->forward(ids) : hidden_states(ids, mask);
  h = h.to(torch::kFloat32);
  if (p.how == PoolHow::Last) {
    auto idx = last_real_index(mask);
    return h.index({torch::arange(h.size(0), idx.options()), idx});
  }
  auto m = mask.to(torch::kFloat32).unsqueeze(-1);
  return (h * m).sum(1) / m.sum(1).clamp_min(1.0);
}

std::vector<std::pair<std::string, Linear>> CausalLMImpl::linears() {
  std::vector<std::pair<std::string, Linear>> out;
  for (auto& item : named_modules("", false)) {
    if (auto lin = std::dynamic_pointer_cast<LinearImpl>(item.value())) out.emplace_back(item.key(), Linear(lin));
  }
  return out;
}

std::vector<std::string> CausalLMImpl::add_lora(const LoraSpec& spec, const std::vector<std::string>& targets) {
  std::vector<std::string> done;
  for (auto& [name, lin] : linears()) {
    for (auto& t : targets)
      if (name == t || ends_with(name, "." + t)) {
        lin->add_lora(spec);
        done.push_back(name);
        break;
      }
  }
  LASER_CHECK(!done.empty(), "lora.targets", "no linear layer matches the LoRA targets '" + join(targets, ",") + "'",
              "use module names such as q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
  return done;
}

void CausalLMImpl::set_lora_enabled(bool on) {
  for (auto& [n, l] : linears()) l->set_lora_enabled(on);
}

bool CausalLMImpl::has_lora() const {
  for (auto& p : named_parameters(true))
    if (p.key().find("lora_") != std::string::npos) return true;
  return false;
}

void CausalLMImpl::merge_lora() {
  for (auto& [n, l] : linears()) l->merge_lora();
}

std::vector<std::pair<std::string, torch::Tensor>> CausalLMImpl::hf_state() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : named_parameters(true)) {
    if (p.key().find("lora_") != std::string::npos) continue;
    out.emplace_back(p.key(), p.value());
  }
  return out;
}

void init_weights(CausalLM& m, uint64_t seed) {
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  double std = m->config().initializer_range;
  for (auto& p : m->named_parameters(true)) {
    const auto& name = p.key();
    auto& t = p.value();
    if (name.find("lora_") != std::string::npos) continue;
    if (ends_with(name, "norm.weight")) t.fill_(1.0);
    else if (ends_with(name, ".bias")) t.zero_();
    else {
      auto r = at::normal(0.0, std, t.sizes(), gen, torch::TensorOptions().dtype(torch::kFloat32));
      t.copy_(r);
    }
  }
}

}  // namespace laser::model
