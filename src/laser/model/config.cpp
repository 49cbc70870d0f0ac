// HF config.json parsing, validation and round-tripping for Llama/Mistral/Qwen2 (see config.h),
// plus the init-model presets. Field meanings follow transformers' LlamaConfig / Qwen2Config.
#include "laser/model/config.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <type_traits>
#include <utility>
#include <vector>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/jsonl.h"

namespace laser::model {

using json = nlohmann::json;

namespace {
std::string fmt_double(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}
}  // namespace

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

// Reads an optional key into `out`, requiring the JSON type that T names exactly: an integer
// for int64_t (2.5 or 1e12 are refused, not truncated), a finite number for double, a boolean,
// a string. Errors name the file and the key.
template <typename T>
static void get_opt(const json& j, const char* key, T& out, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  std::string want;
  if constexpr (std::is_same_v<T, int64_t>) {
    if (!it->is_number_integer()) want = "an integer";
    else if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) want = "an integer below 2^63";
  } else if constexpr (std::is_same_v<T, double>) {
    if (!it->is_number()) want = "a number";
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) want = "true or false";
  } else {
    if (!it->is_string()) want = "a string";
  }
  if (!want.empty()) {
    std::string v = it->dump();
    if (v.size() > 40) v = v.substr(0, 40) + "...";
    throw Error(std::string("key '") + key + "' must be " + want + ", found " + it->type_name() + " " + v, where,
                "see the HF config.json format");
  }
  out = it->get<T>();
}

// A token id key: an integer, or a list of integers (the first is kept; Llama 3 lists several
// EOS ids). Every id must be an integer; ranges are checked by validate().
static std::optional<int64_t> get_id(const json& j, const char* key, std::vector<int64_t>& all, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  std::vector<const json*> items;
  if (it->is_array()) for (auto& x : *it) items.push_back(&x);
  else items.push_back(&*it);
  for (auto* x : items) {
    if (!x->is_number_integer() || (x->is_number_unsigned() && x->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)))
      throw Error(std::string("key '") + key + "' must be a token id (an integer) or a list of them, found " + x->type_name() + " " +
                      x->dump().substr(0, 40),
                  where, "see the HF config.json format");
    all.push_back(x->get<int64_t>());
  }
  if (all.empty()) return std::nullopt;
  return all.front();
}

ModelConfig ModelConfig::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error("config is not a JSON object", where, "expected an HF config.json");
  ModelConfig c;
  c.raw = j;
  if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty()) {
    LASER_CHECK(j["architectures"][0].is_string(), where, "key 'architectures' must list strings", "see the HF config.json format");
    c.architecture = j["architectures"][0].get<std::string>();
  }
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
  std::vector<int64_t> bos_ids, eos_ids, pad_ids;
  c.bos_token_id = get_id(j, "bos_token_id", bos_ids, where);
  c.eos_token_id = get_id(j, "eos_token_id", eos_ids, where);
  c.pad_token_id = get_id(j, "pad_token_id", pad_ids, where);
  // Old LLaMA conversions write pad_token_id -1 for "none".
  if (c.pad_token_id && *c.pad_token_id < 0) c.pad_token_id.reset();
  if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) {
    const json& r = j["rope_scaling"];
    std::string t;
    get_opt(r, "type", t, where);
    get_opt(r, "rope_type", t, where);
    c.rope_scaling.type = t;
    get_opt(r, "factor", c.rope_scaling.factor, where);
    get_opt(r, "low_freq_factor", c.rope_scaling.low_freq_factor, where);
    get_opt(r, "high_freq_factor", c.rope_scaling.high_freq_factor, where);
    get_opt(r, "original_max_position_embeddings", c.rope_scaling.original_max_position_embeddings, where);
  }
  c.validate(where);
  // validate() sees the first id of a list; the rest must be in the vocabulary too.
  for (int64_t id : eos_ids)
    LASER_CHECK(id >= 0 && id < c.vocab_size, where,
                "eos_token_id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")",
                "fix the token id or vocab_size in config.json");
  return c;
}

void ModelConfig::validate(const std::string& where) const {
  static const char* types[] = {"llama", "mistral", "qwen2"};
  bool known = false;
  for (auto t : types) known |= model_type == t;
  LASER_CHECK(known, where, "model_type '" + model_type + "' is not supported", "supported: llama, mistral, qwen2");
  // Each size within a bound far above any real model (so that products of sizes cannot overflow
  // and a typo such as hidden_size = 1e12 is refused here, not by the allocator).
  auto check_int = [&](const char* key, int64_t v, int64_t lo, int64_t hi) {
    LASER_CHECK(v >= lo && v <= hi, where,
                std::string(key) + " = " + std::to_string(v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                "fix config.json");
  };
  check_int("vocab_size", vocab_size, 1, int64_t{1} << 24);
  check_int("hidden_size", hidden_size, 1, 65536);
  check_int("intermediate_size", intermediate_size, 1, int64_t{1} << 20);
  check_int("num_hidden_layers", num_hidden_layers, 1, 1024);
  check_int("num_attention_heads", num_attention_heads, 1, 1024);
  check_int("num_key_value_heads", num_key_value_heads, 1, 1024);
  check_int("head_dim", head_dim, 0, 4096);
  check_int("max_position_embeddings", max_position_embeddings, 1, int64_t{1} << 24);
  check_int("num_labels", num_labels, 1, int64_t{1} << 20);
  LASER_CHECK(num_attention_heads % num_key_value_heads == 0, where,
              "num_attention_heads (" + std::to_string(num_attention_heads) + ") must be a multiple of num_key_value_heads (" +
                  std::to_string(num_key_value_heads) + ")",
              "fix config.json");
  LASER_CHECK(head_dim > 0 || hidden_size % num_attention_heads == 0, where,
              "hidden_size is not divisible by num_attention_heads", "set head_dim or fix the sizes");
  LASER_CHECK(get_head_dim() > 0 && get_head_dim() % 2 == 0, where, "head_dim must be positive and even for rotary embeddings",
              "fix config.json");
  auto check_positive = [&](const char* key, double v) {
    LASER_CHECK(std::isfinite(v) && v > 0, where, std::string(key) + " = " + fmt_double(v) + " must be a positive number", "fix config.json");
  };
  check_positive("rms_norm_eps", rms_norm_eps);
  check_positive("rope_theta", rope_theta);
  LASER_CHECK(std::isfinite(initializer_range) && initializer_range >= 0, where,
              "initializer_range = " + fmt_double(initializer_range) + " must be a non-negative number", "fix config.json");
  for (auto [id, key] : {std::pair{bos_token_id, "bos_token_id"}, std::pair{eos_token_id, "eos_token_id"}, std::pair{pad_token_id, "pad_token_id"}})
    LASER_CHECK(!id || (*id >= 0 && *id < vocab_size), where,
                std::string(key) + " " + std::to_string(*id) + " is outside the vocabulary [0, " + std::to_string(vocab_size) + ")",
                "fix the token id or vocab_size in config.json");
  LASER_CHECK(rope_scaling.type.empty() || rope_scaling.type == "default" || rope_scaling.type == "linear" || rope_scaling.type == "llama3",
              where, "rope_scaling type '" + rope_scaling.type + "' is not supported", "supported: linear, llama3");
  if (!rope_scaling.type.empty() && rope_scaling.type != "default") {
    check_positive("rope_scaling.factor", rope_scaling.factor);
    if (rope_scaling.type == "llama3") {
      check_positive("rope_scaling.low_freq_factor", rope_scaling.low_freq_factor);
      check_positive("rope_scaling.high_freq_factor", rope_scaling.high_freq_factor);
      LASER_CHECK(rope_scaling.high_freq_factor > rope_scaling.low_freq_factor, where,
                  "rope_scaling.high_freq_factor must be larger than low_freq_factor", "fix config.json");
      check_int("rope_scaling.original_max_position_embeddings", rope_scaling.original_max_position_embeddings, 1, int64_t{1} << 24);
    }
  }
}

void ModelConfig::check_fits_memory(const std::string& where) const {
  const double bytes = static_cast<double>(num_parameters()) * 4.0;  // parameters are created as float32
  const double phys = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
  const double gib = 1024.0 * 1024.0 * 1024.0;
  LASER_CHECK(phys <= 0 || bytes <= phys, where,
              "the model has " + std::to_string(num_parameters()) + " parameters (" + fmt_double(bytes / gib) +
                  " GiB as float32), more than this machine's " + fmt_double(phys / gib) + " GiB of memory",
              "check vocab_size, hidden_size, intermediate_size and num_hidden_layers in config.json");
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
