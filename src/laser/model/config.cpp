// HF config.json parsing, validation and round-tripping for Llama/Mistral/Qwen2 (see config.h),
// plus the init-model presets. Field meanings follow transformers' LlamaConfig / Qwen2Config.
#include "laser/model/config.h"

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/jsonl.h"

namespace laser::model {

using json = nlohmann::json;

bool ModelConfig::is_classifier() const { return ends_with(architecture, "ForSequenceClassification"); }

int64_t ModelConfig::num_parameters() const {
  int64_t d = hidden_size, hd = get_head_dim();
  int64_t q = num_attention_heads * hd, kv = num_key_value_heads * hd;
  int64_t attn = d * q + 2 * d * kv + q * d;
  if (qkv_bias || attention_bias) attn += q + 2 * kv;
  if (attention_bias) attn += d;
  int64_t mlp = 3 * d * intermediate_size;
  int64_t layer = attn + mlp + 2 * d;
  int64_t n = vocab_size * d + num_hidden_layers * layer + d;
  if (is_classifier()) n += num_labels * d;
  else if (!tie_word_embeddings) n += vocab_size * d;
  return n;
}

template <typename T>
static void get_opt(const json& j, const char* key, T& out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const std::exception&) {
    throw Error(std::string("key '") + key + "' has the wrong type (" + it->type_name() + ")", where, "see the HF config.json format");
  }
}

static std::optional<int64_t> get_id(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_array()) return it->empty() ? std::nullopt : std::optional<int64_t>((*it)[0].get<int64_t>());
  if (it->is_number_integer()) return it->get<int64_t>();
  return std::nullopt;
}

ModelConfig ModelConfig::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error("config is not a JSON object", where, "expected an HF config.json");
  ModelConfig c;
  c.raw = j;
  if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty())
    c.architecture = j["architectures"][0].get<std::string>();
  get_opt(j, "model_type", c.model_type, where);
  get_opt(j, "vocab_size", c.vocab_size, where);
  get_opt(j, "hidden_size", c.hidden_size, where);
  get_opt(j, "intermediate_size", c.intermediate_size, where);
  get_opt(j, "num_hidden_layers", c.num_hidden_layers, where);
  get_opt(j, "num_attention_heads", c.num_attention_heads, where);
  c.num_key_value_heads = c.num_attention_heads;
  get_opt(j, "num_key_value_heads", c.num_key_value_heads, where);
  get_opt(j, "head_dim", c.head_dim, where);
  get_opt(j, "max_position_embeddings", c.max_position_embeddings, where);
  get_opt(j, "rms_norm_eps", c.rms_norm_eps, where);
  get_opt(j, "rope_theta", c.rope_theta, where);
  get_opt(j, "tie_word_embeddings", c.tie_word_embeddings, where);
  get_opt(j, "attention_bias", c.attention_bias, where);
  get_opt(j, "mlp_bias", c.mlp_bias, where);
  get_opt(j, "initializer_range", c.initializer_range, where);
  get_opt(j, "torch_dtype", c.torch_dtype, where);
  get_opt(j, "num_labels", c.num_labels, where);
  if (j.contains("id2label") && j["id2label"].is_object() && !j.contains("num_labels"))
    c.num_labels = static_cast<int64_t>(j["id2label"].size());
  c.qkv_bias = c.model_type == "qwen2";
  if (j.contains("qkv_bias")) get_opt(j, "qkv_bias", c.qkv_bias, where);
  c.bos_token_id = get_id(j, "bos_token_id");
  c.eos_token_id = get_id(j, "eos_token_id");
  c.pad_token_id = get_id(j, "pad_token_id");
  if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) {
    const json& r = j["rope_scaling"];
    std::string t = r.value("rope_type", r.value("type", ""));
    c.rope_scaling.type = t;
    get_opt(r, "factor", c.rope_scaling.factor, where);
    get_opt(r, "low_freq_factor", c.rope_scaling.low_freq_factor, where);
    get_opt(r, "high_freq_factor", c.rope_scaling.high_freq_factor, where);
    get_opt(r, "original_max_position_embeddings", c.rope_scaling.original_max_position_embeddings, where);
  }
  c.validate(where);
  return c;
}

void ModelConfig::validate(const std::string& where) const {
  static const char* types[] = {"llama", "mistral", "qwen2"};
  bool known = false;
  for (auto t : types) known |= model_type == t;
  LASER_CHECK(known, where, "model_type '" + model_type + "' is not supported", "supported: llama, mistral, qwen2");
  LASER_CHECK(vocab_size > 0 && hidden_size > 0 && intermediate_size > 0 && num_hidden_layers > 0, where,
              "vocab_size, hidden_size, intermediate_size and num_hidden_layers must be positive", "fix config.json");
  LASER_CHECK(num_attention_heads > 0 && num_key_value_heads > 0 && num_attention_heads % num_key_value_heads == 0, where,
              "num_attention_heads (" + std::to_string(num_attention_heads) + ") must be a multiple of num_key_value_heads (" +
                  std::to_string(num_key_value_heads) + ")",
              "fix config.json");
  LASER_CHECK(head_dim > 0 || hidden_size % num_attention_heads == 0, where,
              "hidden_size is not divisible by num_attention_heads", "set head_dim or fix the sizes");
  LASER_CHECK(get_head_dim() % 2 == 0, where, "head_dim must be even for rotary embeddings", "fix config.json");
  LASER_CHECK(rope_scaling.type.empty() || rope_scaling.type == "default" || rope_scaling.type == "linear" || rope_scaling.type == "llama3",
              where, "rope_scaling type '" + rope_scaling.type + "' is not supported", "supported: linear, llama3");
  LASER_CHECK(rms_norm_eps > 0, where, "rms_norm_eps must be positive", "fix config.json");
}

ModelConfig ModelConfig::load(const std::string& path) { return from_json(io::read_json(path), path); }

json ModelConfig::to_json() const {
  json j = raw.is_object() ? raw : json::object();
  j["architectures"] = {architecture};
  j["model_type"] = model_type;
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_key_value_heads;
  if (head_dim > 0) j["head_dim"] = head_dim;
  j["max_position_embeddings"] = max_position_embeddings;
  j["rms_norm_eps"] = rms_norm_eps;
  j["rope_theta"] = rope_theta;
  j["tie_word_embeddings"] = tie_word_embeddings;
  j["attention_bias"] = attention_bias;
  j["mlp_bias"] = mlp_bias;
  j["initializer_range"] = initializer_range;
  j["torch_dtype"] = torch_dtype;
  j["hidden_act"] = "silu";
  if (is_classifier()) j["num_labels"] = num_labels;
  if (rope_scaling.type.empty()) j.erase("rope_scaling");
  else {
    json r = {{"rope_type", rope_scaling.type}, {"factor", rope_scaling.factor}};
    if (rope_scaling.type == "llama3") {
      r["low_freq_factor"] = rope_scaling.low_freq_factor;
      r["high_freq_factor"] = rope_scaling.high_freq_factor;
      r["original_max_position_embeddings"] = rope_scaling.original_max_position_embeddings;
    }
    j["rope_scaling"] = r;
  }
  auto put_id = [&](const char* k, const std::optional<int64_t>& v) {
    if (v) j[k] = *v;
  };
  put_id("bos_token_id", bos_token_id);
  put_id("eos_token_id", eos_token_id);
  put_id("pad_token_id", pad_token_id);
  return j;
}

std::vector<std::string> preset_names() { return {"tiny", "small", "20m", "100m"}; }

ModelConfig preset_config(const std::string& name, int64_t vocab_size) {
  ModelConfig c;
  c.vocab_size = vocab_size;
  c.max_position_embeddings = 2048;
  c.rms_norm_eps = 1e-5;
  if (name == "tiny") {  // a few hundred thousand parameters: unit tests
    c.hidden_size = 64; c.intermediate_size = 176; c.num_hidden_layers = 2;
    c.num_attention_heads = 4; c.num_key_value_heads = 2; c.tie_word_embeddings = true;
  } else if (name == "small") {  // ~1-2M parameters with a byte vocabulary: the built-in world
    c.hidden_size = 192; c.intermediate_size = 512; c.num_hidden_layers = 4;
    c.num_attention_heads = 6; c.num_key_value_heads = 2; c.tie_word_embeddings = true;
  } else if (name == "20m") {  // ~20M parameters (32k vocabulary): benchmarks
    c.hidden_size = 384; c.intermediate_size = 1024; c.num_hidden_layers = 6;
    c.num_attention_heads = 6; c.num_key_value_heads = 2; c.tie_word_embeddings = true;
  } else if (name == "100m") {  // ~100M parameters (32k vocabulary): benchmarks
    c.hidden_size = 768; c.intermediate_size = 2048; c.num_hidden_layers = 12;
    c.num_attention_heads = 12; c.num_key_value_heads = 4; c.tie_word_embeddings = true;
  } else {
    throw Error("unknown preset '" + name + "'", "--preset", "use one of: " + join(preset_names(), ", "));
  }
  c.validate("preset " + name);
  return c;
}

}  // namespace laser::model
