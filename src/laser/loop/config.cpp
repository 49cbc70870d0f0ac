#include "laser/loop/config.h"

#include <sstream>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"

namespace laser::loop {

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> s = {
      {"run.name", "string", "\"laser\"", "run directory name under run.out_dir"},
      {"run.out_dir", "string", "\"runs\"", "where run directories are created"},
      {"run.seed", "int", "0", "seed for data order, sampling, bandit and noise"},
      {"run.iterations", "int", "10", "M: iterations over the training prompts (authors: 10)"},
      {"run.device", "string", "\"cpu\"", "cpu, cuda or cuda:N"},
      {"run.dtype", "string", "\"f32\"", "compute dtype: f32, bf16, f16"},
      {"run.threads", "int", "0", "intra-op threads; 0 = all cores"},
      {"run.early_stop_loss", "float", "0.1", "stop when an iteration's mean loss is below this (authors: 0.1); 0 = off"},
      {"run.checkpoint_every_steps", "int", "0", "also checkpoint every N steps inside an iteration; 0 = only at iteration ends"},
      {"run.max_steps", "int", "0", "stop after this many training steps in total; 0 = no limit"},
      {"policy.model", "string", "\"\"", "policy model directory (HF layout); required"},
      {"policy.chat_template", "string", "\"\"", "render prompts as a user turn: auto (from the policy's tokenizer_config.json), llama-3, chatml, qwen2, qwen2.5, llama-2, mistral, zephyr; empty = raw prompt"},
      {"policy.system_prompt", "string", "\"\"", "system message of the chat template (needs policy.chat_template)"},
      {"data.format", "string", "\"world\"", "gsm8k, strategyqa, mmlu, instructions, longbench, nq, jsonl, world"},
      {"data.path", "string", "\"\"", "dataset file or folder (world: ignored)"},
      {"data.train_size", "int", "0", "training prompts; 0 = everything left after dev and test"},
      {"data.dev_size", "int", "32", "dev prompts evaluated after each iteration"},
      {"data.test_size", "int", "64", "test prompts evaluated at the end"},
      {"data.template", "string", "\"reasoning\"", "prompt template: reasoning (METHOD.md), mmlu, instruction, world, or a string with {question}"},
      {"data.world_skills", "strings", "[\"add\", \"mul\", \"cmp\"]", "world: skills to generate"},
      {"data.world_size", "int", "600", "world: examples generated"},
      {"data.world_max", "int", "9", "world: largest operand (9 = one-digit facts a tiny model learns quickly)"},
      {"data.batch_size", "int", "16", "prompts per step (authors: 16)"},
      {"generation.n", "int", "30", "responses sampled per prompt (authors: 30)"},
      {"generation.temperature", "float", "0.8", "sampling temperature (authors: 0.8)"},
      {"generation.top_p", "float", "1.0", "nucleus sampling; 1 = off"},
      {"generation.top_k", "int", "0", "top-k sampling; 0 = off"},
      {"generation.max_new_tokens", "int", "150", "response length limit in tokens (authors: 150)"},
      {"generation.stop", "strings", "[]", "stop strings"},
      {"strategy.name", "string", "\"laser\"", "laser, fixed:NAME, random, sequential, score-ensemble, agreement-ensemble, online-ensemble"},
      {"strategy.mode", "string", "\"per-query\"", "per-query (one arm per prompt, authors' default) or per-batch"},
      {"strategy.pooling", "string", "\"mean-input\"", "context: mean-input (authors), last-input, mean-hidden, last-hidden (paper)"},
      {"strategy.reward_signal", "string", "\"neg-loss\"", "bandit reward: neg-loss (paper) or verifier (agreement of the RM's pairs with a verifier on reference answers)"},
      {"strategy.normalizer", "string", "\"percentile\"", "bandit reward normalizer: percentile (20th/80th, paper), zscore, none"},
      {"strategy.context_dim", "int", "0", "random projection of contexts to this many dimensions; 0 = off"},
      {"strategy.context_l2", "bool", "false", "L2-normalize bandit contexts (after any projection); the paper uses raw contexts"},
      {"strategy.online_lr", "float", "0.5", "online-ensemble: learning rate of the multiplicative weight update"},
      {"bandit.algorithm", "string", "\"linucb\"", "linucb, linear_ts, epsilon_greedy, ucb1, exp3, softmax, round_robin, uniform, fixed"},
      {"bandit.alpha", "float", "0.1", "LinUCB exploration (authors: 0.1)"},
      {"bandit.ridge", "float", "1.0", "ridge lambda: A starts at lambda * I"},
      {"bandit.epsilon", "float", "0.1", "epsilon-greedy exploration probability"},
      {"bandit.epsilon_decay", "float", "0.0", "epsilon_t = epsilon / (1 + decay * t); 0 = fixed"},
      {"bandit.exp3_gamma", "float", "0.1", "Exp3 exploration"},
      {"bandit.temperature", "float", "0.1", "softmax temperature"},
      {"bandit.ts_scale", "float", "0.1", "linear Thompson sampling posterior scale"},
      {"pairs.mode", "string", "\"rank1-vs-rest\"", "rank1-vs-rest (authors), best-vs-worst, margin"},
      {"pairs.num_pairs", "int", "10", "P: pairs per prompt for rank1-vs-rest (authors: 10)"},
      {"pairs.margin", "float", "0.0", "margin mode: minimum score difference"},
      {"train.lr", "float", "5e-6", "learning rate (authors: 5e-6)"},
      {"train.weight_decay", "float", "0.0", "AdamW weight decay (matrices only)"},
      {"train.schedule", "string", "\"constant\"", "constant, linear, cosine"},
      {"train.warmup_steps", "int", "0", "linear warmup steps"},
      {"train.max_grad_norm", "float", "1.0", "global gradient-norm clipping; 0 = off"},
      {"train.micro_batch", "int", "16", "pairs per forward/backward (gradient accumulation over a step)"},
      {"train.beta", "float", "0.1", "DPO beta (authors: 0.1)"},
      {"train.loss", "string", "\"sigmoid\"", "preference loss: sigmoid (DPO), ipo, hinge, simpo"},
      {"train.dpo_weight", "float", "1.0", "weight of the preference loss"},
      {"train.nll_weight", "float", "1.0", "weight of the chosen NLL (reasoning: 1, instruction following: 0)"},
      {"train.lora", "bool", "true", "LoRA adapters (false = full fine-tuning)"},
      {"train.lora_r", "int", "16", "LoRA rank"},
      {"train.lora_alpha", "float", "32.0", "LoRA alpha"},
      {"train.lora_dropout", "float", "0.1", "LoRA dropout"},
      {"train.lora_targets", "strings", "[\"q_proj\", \"v_proj\"]", "LoRA target modules"},
      {"eval.max_new_tokens", "int", "0", "evaluation response length; 0 = generation.max_new_tokens"},
      {"eval.temperature", "float", "0.0", "evaluation temperature; 0 = greedy"},
      {"eval.verifier", "string", "\"auto\"", "answer checker: auto (from data.format), gsm8k, mmlu, yesno, exact, f1, none (instruction data: win rate)"},
      {"eval.judge", "string", "\"\"", "verifier none: name of the [[rm]] that judges the win rate against the starting policy (required with several [[rm]])"},
      {"eval.tie_margin", "float", "0.0", "win rate: judge score differences up to this count as ties"},
  };
  return s;
}

static const ConfigKey* find_key(const std::string& k) {
  for (auto& e : config_schema())
    if (e.key == k) return &e;
  return nullptr;
}

static std::vector<std::string> all_keys() {
  std::vector<std::string> v;
  for (auto& e : config_schema()) v.push_back(e.key);
  return v;
}

static toml::table parse_value(const std::string& text, const std::string& where) {
  try {
    return toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    throw Error("cannot parse value '" + text + "'", where, "use TOML syntax: 3, 0.5, true, \"text\", [\"a\", \"b\"]");
  }
}

Config::Config() { fill_defaults(); }

void Config::fill_defaults() {
  for (auto& e : config_schema()) {
    auto parts = split(e.key, '.');
    toml::table* t = &tbl_;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!t->contains(parts[i])) t->insert(parts[i], toml::table{});
      t = (*t)[parts[i]].as_table();
    }
    if (!t->contains(parts.back())) {
      auto v = parse_value(e.dflt, "schema");
      t->insert(parts.back(), *v["v"].node());
    }
  }
}

static bool type_ok(const toml::node& n, const std::string& type) {
  if (type == "int") return n.is_integer();
  if (type == "float") return n.is_floating_point() || n.is_integer();
  if (type == "bool") return n.is_boolean();
  if (type == "string") return n.is_string();
  if (type == "strings") {
    if (!n.is_array()) return false;
    for (auto& x : *n.as_array())
      if (!x.is_string()) return false;
    return true;
  }
  return false;
}

void Config::validate(const std::string& where) const {
  for (auto& [sec, node] : tbl_) {
    std::string s(sec.str());
    if (s == "rm") {
      LASER_CHECK(node.is_array_of_tables(), where + " [[rm]]", "rm must be an array of tables", "write each reward model as [[rm]]");
      continue;
    }
    auto* t = node.as_table();
    if (!t) {
      std::string near = nearest(s, {"run", "policy", "data", "generation", "strategy", "bandit", "pairs", "train", "eval", "rm"});
      throw Error("unknown key '" + s + "'", where, near.empty() ? "see `laser train --list-keys`" : "did you mean '" + near + "'?");
    }
    for (auto& [k, v] : *t) {
      std::string full = s + "." + std::string(k.str());
      const ConfigKey* e = find_key(full);
      if (!e) {
        std::string near = nearest(full, all_keys());
        auto src = v.source();
        std::string loc = where + (src.begin.line ? ":" + std::to_string(src.begin.line) : "");
        throw Error("unknown config key '" + full + "'", loc, near.empty() ? "see `laser train --list-keys`" : "did you mean '" + near + "'?");
      }
      if (!type_ok(v, e->type)) {
        auto src = v.source();
        std::string loc = where + (src.begin.line ? ":" + std::to_string(src.begin.line) : "");
        throw Error("config key '" + full + "' must be " + e->type + " (default " + e->dflt + ")", loc, e->doc);
      }
    }
  }
}

void Config::set(const std::string& assignment, const std::string& where) {
  auto eq = assignment.find('=');
  LASER_CHECK(eq != std::string::npos, where + " '" + assignment + "'", "expected key=value", "for example --set train.lr=1e-5");
  std::string key = trim(assignment.substr(0, eq)), val = trim(assignment.substr(eq + 1));
  const ConfigKey* e = find_key(key);
  if (!e) {
    std::string near = nearest(key, all_keys());
    throw Error("unknown config key '" + key + "'", where, near.empty() ? "see `laser train --list-keys`" : "did you mean '" + near + "'?");
  }
  toml::table v;
  if (e->type == "string" && (val.empty() || (val.front() != '"' && val.front() != '\''))) {
    v.insert("v", val);
  } else {
    v = parse_value(val, where + " " + key);
  }
  auto parts = split(key, '.');
  auto* t = tbl_[parts[0]].as_table();
  if (!type_ok(*v["v"].node(), e->type))
    throw Error("config key '" + key + "' must be " + e->type + ", got '" + val + "'", where, e->doc);
  t->insert_or_assign(parts[1], *v["v"].node());
}

Config Config::from_string(const std::string& text, const std::string& where, const std::vector<std::string>& overrides) {
  Config c;
  c.tbl_ = toml::table{};
  try {
    c.tbl_ = toml::parse(text, where);
  } catch (const toml::parse_error& e) {
    auto src = e.source();
    throw Error(std::string(e.description()), where + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column),
                "fix the TOML syntax");
  }
  c.source_ = where;
  c.validate(where);
  c.fill_defaults();
  for (auto& o : overrides) c.set(o);
  return c;
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  LASER_CHECK(io::file_exists(path), path, "config file not found", "give a TOML file, e.g. configs/world.toml");
  return from_string(io::read_file(path), path, overrides);
}

const toml::node& Config::node(const std::string& key) const {
  auto n = tbl_.at_path(key);
  if (!n) throw Error("config key '" + key + "' is missing", source_.empty() ? "config" : source_, "internal: key not in schema");
  return *n.node();
}

int64_t Config::get_int(const std::string& key) const { return node(key).value<int64_t>().value(); }
double Config::get_float(const std::string& key) const { return node(key).value<double>().value(); }
bool Config::get_bool(const std::string& key) const { return node(key).value<bool>().value(); }
std::string Config::get_string(const std::string& key) const { return node(key).value<std::string>().value(); }
std::vector<std::string> Config::get_strings(const std::string& key) const {
  std::vector<std::string> out;
  for (auto& x : *node(key).as_array()) out.push_back(x.value<std::string>().value());
  return out;
}

const toml::array* Config::reward_models() const { return tbl_["rm"].as_array(); }

std::string Config::to_toml() const {
  std::ostringstream os;
  os << "# resolved laser config (format_version 1): every default written out\n";
  os << tbl_ << "\n";
  return os.str();
}

std::string config_reference_markdown() {
  std::ostringstream os;
  os << "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (auto& e : config_schema()) os << "| `" << e.key << "` | " << e.type << " | `" << e.dflt << "` | " << e.doc << " |\n";
  return os.str();
}

}  // namespace laser::loop
