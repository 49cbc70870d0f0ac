// The `laser train` configuration (see config.h): one binding per TOML key, declared once below
// with its field in RunConfig (where its default lives), its doc line and its valid range. From
// the table come the schema, validation with file:line, --list-keys, the resolved config.toml and
// README's configuration reference. Follows llama.cpp's common/arg.cpp (each option declared once).
#include "laser/loop/config.h"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <type_traits>

#include "laser/bandit/bandit_config.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/data/loaders.h"
#include "laser/io/file_util.h"

namespace laser::loop {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A numeric range; open ends exclude the bound.
struct Range {
  double lo = -kInf, hi = kInf;
  bool lo_open = false, hi_open = false;
  bool contains(double v) const {
    return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi) && !std::isnan(v);
  }
  std::string text() const {
    if (lo == -kInf && hi == kInf) return "";
    std::string l = lo == -kInf ? "" : (lo_open ? "> " : ">= ") + fmt::format("{}", lo);
    std::string h = hi == kInf ? "" : (hi_open ? "< " : "<= ") + fmt::format("{}", hi);
    return l.empty() ? h : h.empty() ? l : l + " and " + h;
  }
};
Range any() { return {}; }
Range at_least(double lo) { return {lo, kInf, false, false}; }
Range above(double lo) { return {lo, kInf, true, false}; }
Range between(double lo, double hi) { return {lo, hi, false, false}; }

std::string float_text(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEni") == std::string::npos) s += ".0";  // stays a TOML float
  return s;
}
std::string toml_quoted(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    o += ch;
  }
  return o + "\"";
}

struct Binding {
  ConfigKey key;                         // key, type, default (from RunConfig{}), doc
  Range range;                           // numbers
  std::vector<std::string> choices;      // strings: allowed values (empty: any)
  std::function<void(RunConfig&, const toml::node&)> read;
  std::function<std::string(const RunConfig&)> text;
};

template <class F>
Binding num(const char* key, F field, Range r, const char* doc) {
  using T = std::remove_reference_t<decltype(field(std::declval<RunConfig&>()))>;
  Binding b;
  b.key = {key, std::is_integral_v<T> ? "int" : "float", "", doc};
  b.range = r;
  b.read = [field](RunConfig& c, const toml::node& n) {
    if constexpr (std::is_integral_v<T>) field(c) = static_cast<T>(n.value<int64_t>().value());
    else field(c) = static_cast<T>(n.value<double>().value());
  };
  b.text = [field](const RunConfig& c) {
    auto v = field(const_cast<RunConfig&>(c));
    if constexpr (std::is_integral_v<T>) return std::to_string(v);
    else return float_text(v);
  };
  return b;
}

template <class F>
Binding flag(const char* key, F field, const char* doc) {
  Binding b;
  b.key = {key, "bool", "", doc};
  b.read = [field](RunConfig& c, const toml::node& n) { field(c) = n.value<bool>().value(); };
  b.text = [field](const RunConfig& c) { return std::string(field(const_cast<RunConfig&>(c)) ? "true" : "false"); };
  return b;
}

template <class F>
Binding str(const char* key, F field, std::vector<std::string> choices, const char* doc) {
  Binding b;
  b.key = {key, "string", "", doc};
  b.choices = std::move(choices);
  b.read = [field](RunConfig& c, const toml::node& n) { field(c) = n.value<std::string>().value(); };
  b.text = [field](const RunConfig& c) { return toml_quoted(field(const_cast<RunConfig&>(c))); };
  return b;
}

template <class F>
Binding strs(const char* key, F field, const char* doc) {
  Binding b;
  b.key = {key, "strings", "", doc};
  b.read = [field](RunConfig& c, const toml::node& n) {
    auto& v = field(c);
    v.clear();
    for (auto& x : *n.as_array()) v.push_back(x.value<std::string>().value());
  };
  b.text = [field](const RunConfig& c) {
    std::string o = "[";
    for (auto& s : field(const_cast<RunConfig&>(c))) o += (o.size() > 1 ? ", " : "") + toml_quoted(s);
    return o + "]";
  };
  return b;
}

#define F(path) [](RunConfig& c) -> auto& { return c.path; }

// The run and the policy.
std::vector<Binding> run_bindings() {
  return {
    str("run.name", F(run.name), {}, "run directory name under run.out_dir"),
    str("run.out_dir", F(run.out_dir), {}, "where run directories are created"),
    num("run.seed", F(run.seed), at_least(0), "seed for data order, sampling, bandit and noise"),
    num("run.iterations", F(run.iterations), at_least(0), "M: iterations over the training prompts (authors: 10)"),
    str("run.device", F(run.device), {}, "cpu, cuda or cuda:N"),
    str("run.dtype", F(run.dtype), {"f32", "bf16", "f16"}, "compute dtype: f32, bf16, f16 (frozen weights stored in it; trained weights stay f32)"),
    num("run.threads", F(run.threads), between(0, 4096), "intra-op threads; 0 = all cores"),
    num("run.early_stop_loss", F(run.early_stop_loss), at_least(0), "stop when an iteration's mean loss is below this (authors: 0.1); 0 = off; ignored by grpo/rloo"),
    num("run.checkpoint_every_steps", F(run.checkpoint_every_steps), at_least(0), "also checkpoint every N steps inside an iteration; 0 = only at iteration ends"),
    num("run.max_steps", F(run.max_steps), at_least(0), "stop after this many training steps in total (with a checkpoint); 0 = no limit"),
    num("run.keep_checkpoints", F(run.keep_checkpoints), at_least(0),
        "keep only the newest N checkpoints (older ones are deleted once a newer one is written; --resume needs only the newest); 0 = keep all. laser world writes 1"),
    num("run.dist_timeout", F(run.dist_timeout), between(1, 86400),
        "data parallelism (--nproc, torchrun): seconds a rank waits for its peers (rendezvous, each collective) before it stops naming the missing rank"),
    str("policy.model", F(policy.model), {}, "policy model directory (HF layout); required"),
    str("policy.chat_template", F(policy.chat_template), {}, "render prompts as a user turn: auto (from the policy's tokenizer_config.json), llama-3, chatml, qwen2, qwen2.5, llama-2, mistral, zephyr; empty = raw prompt"),
    str("policy.system_prompt", F(policy.system_prompt), {}, "system message of the chat template (needs policy.chat_template)"),
  };
}

// Data and generation.
std::vector<Binding> data_bindings() {
  return {
    str("data.format", F(data.format), data::dataset_formats(), "gsm8k, strategyqa, mmlu, instructions, longbench, nq, jsonl, world"),
    str("data.path", F(data.path), {}, "dataset file or folder (world: ignored)"),
    num("data.train_size", F(data.train_size), at_least(0), "training prompts; 0 = everything left after dev and test"),
    num("data.dev_size", F(data.dev_size), at_least(0), "dev prompts evaluated after each iteration"),
    flag("data.dedup", F(data.dedup), "drop examples whose prompt repeats an earlier one, so no test or dev prompt is also a training prompt"),
    num("data.test_size", F(data.test_size), at_least(0), "test prompts evaluated at the end"),
    str("data.template", F(data.template_spec), {}, "prompt template: reasoning (METHOD.md), mmlu, instruction, world, or a string with {question}"),
    strs("data.world_skills", F(data.world_skills), "world: skills to generate"),
    num("data.world_size", F(data.world_size), at_least(1), "world: examples generated"),
    num("data.world_max", F(data.world_max), between(1, 1000000), "world: largest operand (9 = one-digit facts a tiny model learns quickly)"),
    num("data.batch_size", F(data.batch_size), at_least(1), "prompts per step (authors: 16)"),
    num("generation.n", F(generation.n), between(1, 4096), "responses sampled per prompt (authors: 30)"),
    num("generation.temperature", F(generation.temperature), at_least(0), "sampling temperature (authors: 0.8)"),
    num("generation.top_p", F(generation.top_p), {0, 1, true, false}, "nucleus sampling; 1 = off"),
    num("generation.top_k", F(generation.top_k), at_least(0), "top-k sampling; 0 = off"),
    num("generation.max_new_tokens", F(generation.max_new_tokens), at_least(1), "response length limit in tokens (authors: 150)"),
    strs("generation.stop", F(generation.stop_strings), "stop strings"),
    flag("generation.stop_at_bos", F(generation.stop_at_bos), "also stop at the tokenizer's BOS id (llama2.c story models such as stories260K end a story with BOS)"),
  };
}

// The strategy and its bandit.
std::vector<Binding> strategy_bindings() {
  return {
    str("strategy.name", F(strategy.name), {}, "laser, fixed:NAME, random, sequential, score-ensemble, agreement-ensemble, online-ensemble"),
    str("strategy.mode", F(mode), {"per-query", "per-batch"}, "per-query (one arm per prompt, authors' default) or per-batch"),
    str("strategy.pooling", F(pooling), {"mean-input", "last-input", "mean-hidden", "last-hidden"}, "context: mean-input (authors), last-input, mean-hidden, last-hidden (paper)"),
    str("strategy.reward_signal", F(reward_signal), {"auto", "neg-loss", "verifier", "rm-agreement", "implicit-margin", "grad-align", "grad-coherence", "majority-vote"},
        "bandit reward: verifier (agreement of the RM's pairs, or for grpo/rloo of its ordering of the group, with a verifier on "
        "reference answers), rm-agreement (agreement with a probe of the other RMs; "
        "needs no answers), implicit-margin (agreement of "
        "the RM's pairs with what the policy learned since the last reference sync, before training on them; dpo only, needs no "
        "answers), grad-align (cosine between the gradient of the RM's pairs and that of verifier-ordered pairs on "
        "strategy.align_prompts labelled prompts: answers on those few only; dpo only), grad-coherence (mean cosine between the "
        "gradient of what the RM's ordering teaches on the prompt (its pairs; grpo/rloo: its group's policy-gradient loss) "
        "and on each other prompt routed to it in the batch: does it prefer by a rule the policy can learn? needs no answers), majority-vote (agreement of the RM's ordering of every pair of "
        "the prompt's samples with their majority final answer, where one answer has a strict majority of at least 2, else no "
        "reward: needs no reference answers, only a final-answer checker: gsm8k, mmlu, yesno, exact, f1), neg-loss (the paper; dpo only); "
        "auto = verifier where the data has answers, else grad-coherence for dpo (neg-loss for strategies other than laser, which learn nothing from it) and rm-agreement for grpo/rloo. An RM that gives a "
        "prompt's different samples one score earns the signal's worst value (0; neg-loss: the batch's lowest) where there was "
        "something to order (the verifier or probe separates them; for the answer-free signals, they differ)"),
    str("strategy.unlabelled_signal", F(unlabelled_signal), {"none", "rm-agreement"},
        "verifier signal, prompts without a (visible) reference answer: none (no bandit reward) or rm-agreement (the probe's "
        "consensus judges them instead; the probe then scores those prompts)"),
    str("strategy.labelled_feedback", F(labelled_feedback), {"auto", "chosen", "all-rms"},
        "verifier signal: the bandit learns the chosen RM's agreement with the verifier (chosen), or on each prompt with a "
        "(visible) reference answer every RM's (all-rms: the other RMs score its samples too, so a few labelled prompts "
        "teach every arm; laser per-query only; their RM calls count); auto = all-rms where some but at most a quarter of "
        "the training prompts have an answer in the data (strategy.answer_rate does not count), else chosen"),
    num("strategy.answer_rate", F(answer_rate), between(0.0, 1.0),
        "verifier signal: share of training prompts (a fixed subset, drawn by prompt id) whose reference answer the bandit may read; "
        "the rest give it no reward (how many labelled prompts routing needs)"),
    num("strategy.align_prompts", F(align_prompts), at_least(1),
        "grad-align: training prompts with reference answers (a fixed set, drawn by run seed) whose verified pairs are the "
        "gradient probe; each step samples up to data.batch_size of them; the other prompts' answers are never read"),
    num("strategy.coherence_memory", F(coherence_memory), between(0.0, 1.0),
        "grad-coherence: each RM's prompt gradient is compared with its other prompts' of this step and, weighted this to the "
        "power of their age in steps, of earlier steps (so a prompt alone with its RM in a batch still earns a reward); 0 = this step only"),
    num("strategy.coherence_dims", F(coherence_dims), at_least(0),
        "grad-coherence: with more trainable parameters than this, each prompt's gradient is count-sketched to this many entries "
        "before the cosines (kept in expectation, error about 1/sqrt(dims)), so the per-RM sums and memory cost RMs x dims x 8 bytes "
        "instead of RMs x parameters x 8; 0 = never sketch"),
    num("strategy.probe_rate", F(probe_rate), between(0.0, 1.0), "rm-agreement: share of prompts whose responses the other RMs re-score (their cost counts)"),
    str("strategy.probe_weighting", F(probe_weighting), {"equal", "decorrelated", "leave-copies-out"},
        "rm-agreement: the probe RMs' votes: equal; decorrelated (each divided by 1 + its positive rank correlations with the other probe RMs on the batch, so near-copies vote about once); "
        "or leave-copies-out (each times 1 - its positive rank correlation with the chosen RM on the batch, so the chosen RM's copies cannot vouch for it)"),
    str("strategy.signal_pairs", F(signal_pairs), {"train", "group"},
        "verifier and rm-agreement signals (dpo): judge the training pairs (train), or every pair of the prompt's samples the chosen RM "
        "orders (group: more decisions get a reward when few pairs separate; grpo/rloo and the majority-vote signal always use group)"),
    flag("strategy.log_signals", F(log_signals), "write every bandit signal the step can compute into decisions.jsonl (diagnostics, one process only; the probe's RM calls count, and the noisy RM's random state is restored after it, so a logged run trains as an unlogged one)"),
    str("strategy.normalizer", F(strategy.normalizer), {"auto", "percentile", "zscore", "arm-zscore", "none"}, "bandit reward normalizer: auto (zscore; percentile for exp3), percentile (20th/80th, paper), zscore, arm-zscore (each arm against its own moving average, rate 0.01, clipped to +-2, no update in an arm's first 5 rewards: BayesianRouter's), none"),
    num("strategy.context_dim", F(strategy.context_dim), at_least(0), "random projection of contexts to this many dimensions; 0 = off"),
    flag("strategy.context_l2", F(strategy.context_l2), "L2-normalize bandit contexts (after any projection); the paper uses raw contexts (--preset paper)"),
    num("strategy.online_lr", F(strategy.online_lr), above(0), "online-ensemble: learning rate of the multiplicative weight update"),
    str("bandit.algorithm", F(strategy.bandit.algorithm), bandit::bandit_names(), "linucb, linear_ts, linear_epsilon_greedy, epsilon_greedy, ucb1, exp3, softmax, round_robin, uniform, fixed"),
    num("bandit.alpha", F(strategy.bandit.alpha), at_least(0), "LinUCB exploration (authors: 0.1, which collapses in laser bandit-sim)"),
    num("bandit.ridge", F(strategy.bandit.ridge), above(0), "ridge lambda: A starts at lambda * I"),
    num("bandit.epsilon", F(strategy.bandit.epsilon), between(0, 1), "epsilon-greedy exploration probability"),
    num("bandit.epsilon_decay", F(strategy.bandit.epsilon_decay), at_least(0), "epsilon_t = epsilon / (1 + decay * t); 0 = fixed"),
    num("bandit.exp3_gamma", F(strategy.bandit.exp3_gamma), {0, 1, true, false}, "Exp3 exploration"),
    num("bandit.temperature", F(strategy.bandit.temperature), above(0), "softmax temperature"),
    num("bandit.ts_scale", F(strategy.bandit.ts_scale), above(0), "linear Thompson sampling posterior scale"),
  };
}

// Pairs, training and evaluation.
std::vector<Binding> training_bindings() {
  return {
    str("pairs.mode", F(pairs.mode), {"rank1-vs-rest", "best-vs-worst", "margin"}, "rank1-vs-rest (authors), best-vs-worst, margin"),
    num("pairs.num_pairs", F(pairs.num_pairs), at_least(1), "P: pairs per prompt for rank1-vs-rest (authors: 10)"),
    num("pairs.margin", F(pairs.margin), at_least(0), "margin mode: minimum score difference"),
    num("train.lr", F(train.lr), above(0), "learning rate (authors: 5e-6)"),
    num("train.weight_decay", F(train.weight_decay), at_least(0), "AdamW weight decay (matrices only)"),
    str("train.schedule", F(train.schedule), {"constant", "linear", "cosine"}, "constant, linear, cosine"),
    num("train.warmup_steps", F(train.warmup_steps), at_least(0), "linear warmup steps"),
    num("train.max_grad_norm", F(train.max_grad_norm), at_least(0), "global gradient-norm clipping; 0 = off"),
    num("train.micro_batch", F(train.micro_batch), at_least(0), "pairs per forward/backward (gradient accumulation over a step); 0 = all"),
    num("train.beta", F(train.loss.beta), above(0), "DPO beta (authors: 0.1)"),
    str("train.algorithm", F(train.pg.algorithm), {"dpo", "grpo", "rloo"}, "dpo (preference pairs from the routed RM's ranking, the paper), grpo or rloo (online RL on the n samples of each prompt, rewards = the routed RM's scores)"),
    str("train.scale_rewards", F(train.pg.scale_rewards), {"group", "batch", "none"}, "grpo: divide advantages by the std of the group, of the batch, or not (none: Dr. GRPO)"),
    num("train.epsilon_low", F(train.pg.epsilon_low), {0, 1, false, true}, "grpo/rloo: clip the ratio below at 1 - epsilon_low"),
    num("train.epsilon_high", F(train.pg.epsilon_high), at_least(0), "grpo/rloo: clip the ratio above at 1 + epsilon_high (DAPO: 0.28)"),
    num("train.kl_beta", F(train.pg.kl_beta), at_least(0), "grpo/rloo: KL coefficient to the reference (grpo: k3 in the loss; rloo: k1 in the reward); 0 = off, no reference forward"),
    str("train.loss_aggregation", F(train.pg.loss_aggregation), {"grpo", "dr_grpo", "dapo"}, "grpo: token mean per sequence then mean (grpo), sum / (sequences * generation.max_new_tokens) (dr_grpo), token mean over the batch (dapo, TRL's default)"),
    num("train.num_iterations", F(train.pg.num_iterations), between(1, 64), "grpo/rloo: optimizer steps per generation batch (old policy = the sampling one)"),
    str("train.loss", F(train.loss.type), {"sigmoid", "ipo", "hinge", "simpo"}, "preference loss: sigmoid (DPO), ipo, hinge, simpo"),
    num("train.dpo_weight", F(train.loss.dpo_weight), at_least(0), "weight of the preference loss"),
    num("train.nll_weight", F(train.loss.nll_weight), at_least(0), "weight of the chosen NLL (reasoning: 1, instruction following: 0)"),
    flag("train.lora", F(train.lora), "LoRA adapters (false = full fine-tuning)"),
    num("train.lora_r", F(train.lora_r), at_least(1), "LoRA rank"),
    num("train.lora_alpha", F(train.lora_alpha), above(0), "LoRA alpha"),
    num("train.lora_dropout", F(train.lora_dropout), {0, 1, false, true}, "LoRA dropout"),
    strs("train.lora_targets", F(train.lora_targets), "LoRA target modules"),
    num("eval.max_new_tokens", F(eval.max_new_tokens), at_least(0), "evaluation response length; 0 = generation.max_new_tokens"),
    num("eval.temperature", F(eval.temperature), at_least(0), "evaluation temperature; 0 = greedy"),
    str("eval.verifier", F(eval.verifier), {"auto", "gsm8k", "mmlu", "yesno", "exact", "f1", "story", "none"}, "answer checker: auto (from data.format), gsm8k, mmlu, yesno, exact, f1, story (the stories world's constraints), none (instruction data: win rate)"),
    str("eval.judge", F(eval.judge), {}, "verifier none: name of the [[rm]] that judges the win rate against the starting policy (required with several [[rm]])"),
    num("eval.tie_margin", F(eval.tie_margin), at_least(0), "win rate: judge score differences up to this count as ties"),
  };
}

// Every binding, in the order of the reference, each default written from RunConfig{}.
const std::vector<Binding>& bindings() {
  static const std::vector<Binding> b = [] {
    std::vector<Binding> v;
    for (auto part : {run_bindings, data_bindings, strategy_bindings, training_bindings})
      for (auto& x : part()) v.push_back(std::move(x));
    const RunConfig defaults;
    for (auto& x : v) x.key.dflt = x.text(defaults);
    return v;
  }();
  return b;
}

#undef F

const Binding* find_binding(const std::string& k) {
  for (auto& b : bindings())
    if (b.key.key == k) return &b;
  return nullptr;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> v;
  for (auto& b : bindings()) v.push_back(b.key.key);
  return v;
}

toml::table parse_value(const std::string& text, const std::string& where) {
  try {
    return toml::parse("v = " + text);
  } catch (const toml::parse_error&) {
    throw Error("cannot parse value '" + text + "'", where, "use TOML syntax: 3, 0.5, true, \"text\", [\"a\", \"b\"]");
  }
}

bool type_ok(const toml::node& n, const std::string& type) {
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

// The value's type, range and choices; errors name `loc` (file:line or --set).
void check_value(const Binding& b, const toml::node& n, const std::string& loc, const std::string& shown) {
  const auto& k = b.key;
  if (!type_ok(n, k.type)) throw Error("config key '" + k.key + "' must be " + k.type + " (default " + k.dflt + ")" + shown, loc, k.doc);
  if (k.type == "int" || k.type == "float") {
    double v = n.value<double>().value();
    if (!b.range.contains(v))
      throw Error("config key '" + k.key + "' must be " + b.range.text() + ", got " + fmt::format("{}", v), loc, k.doc);
  }
  if (k.type == "string" && !b.choices.empty()) {
    std::string v = n.value<std::string>().value();
    if (std::find(b.choices.begin(), b.choices.end(), v) == b.choices.end()) {
      std::string near = nearest(v, b.choices);
      throw Error("config key '" + k.key + "' does not accept '" + v + "'", loc,
                  (near.empty() ? std::string() : "did you mean '" + near + "'? ") + "choices: " + join(b.choices, ", "));
    }
  }
}

std::string loc_of(const std::string& where, const toml::node& n) {
  auto src = n.source();
  return where + (src.begin.line ? ":" + std::to_string(src.begin.line) : "");
}

}  // namespace

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> s = [] {
    std::vector<ConfigKey> v;
    for (auto& b : bindings()) v.push_back(b.key);
    return v;
  }();
  return s;
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
      throw Error("unknown key '" + s + "'", loc_of(where, node), near.empty() ? "see `laser train --list-keys`" : "did you mean '" + near + "'?");
    }
    for (auto& [k, v] : *t) {
      std::string full = s + "." + std::string(k.str());
      const Binding* b = find_binding(full);
      if (!b) {
        std::string near = nearest(full, all_keys());
        throw Error("unknown config key '" + full + "'", loc_of(where, v), near.empty() ? "see `laser train --list-keys`" : "did you mean '" + near + "'?");
      }
      check_value(*b, v, loc_of(where, v), "");
    }
  }
}

void Config::set(const std::string& assignment, const std::string& where) {
  auto eq = assignment.find('=');
  LASER_CHECK(eq != std::string::npos, where + " '" + assignment + "'", "expected key=value", "for example --set train.lr=1e-5");
  std::string key = trim(assignment.substr(0, eq)), val = trim(assignment.substr(eq + 1));
  if (key.rfind("rm.", 0) == 0 && !find_binding(key)) return set_rm_key(key, val, where);
  const Binding* b = find_binding(key);
  if (!b) {
    std::string near = nearest(key, all_keys());
    throw Error("unknown config key '" + key + "'", where, near.empty() ? "see `laser train --list-keys`" : "did you mean '" + near + "'?");
  }
  toml::table v;
  if (b->key.type == "string" && (val.empty() || (val.front() != '"' && val.front() != '\''))) {
    v.insert("v", val);
  } else {
    v = parse_value(val, where + " " + key);
  }
  check_value(*b, *v["v"].node(), where + " " + key, ", got '" + val + "'");
  auto parts = split(key, '.');
  auto* t = tbl_[parts[0]].as_table();
  t->insert_or_assign(parts[1], *v["v"].node());
}

// rm.NAME.KEY=VALUE: sets KEY of the [[rm]] table named NAME (its kind validates KEY when the RM
// is built). A value that is not TOML (an unquoted word) is taken as a string.
void Config::set_rm_key(const std::string& key, const std::string& val, const std::string& where) {
  auto first = key.find('.', 3);
  LASER_CHECK(first != std::string::npos && first > 3 && first + 1 < key.size(), where + " '" + key + "'", "expected rm.NAME.KEY=VALUE",
              "for example --set rm.noisy.sigma=3");
  std::string name = key.substr(3, first - 3), field = key.substr(first + 1);
  auto* arr = tbl_["rm"].as_array();
  std::vector<std::string> names;
  if (arr)
    for (auto& node : *arr)
      if (auto* t = node.as_table()) {
        std::string n = (*t)["name"].value_or(std::string());
        names.push_back(n);
        if (n != name) continue;
        toml::table v;
        try {
          v = toml::parse("v = " + val);
        } catch (const toml::parse_error&) {
          v.insert("v", val);
        }
        t->insert_or_assign(field, *v["v"].node());
        return;
      }
  std::string near = nearest(name, names);
  throw Error("no [[rm]] named '" + name + "'", where + " '" + key + "'",
              near.empty() ? "reward models: " + join(names, ", ") : "did you mean '" + near + "'?");
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

RunConfig Config::typed() const {
  RunConfig c;
  for (auto& b : bindings()) b.read(c, node(b.key.key));
  c.strategy.per_batch = c.mode == "per-batch";
  return c;
}

const toml::array* Config::reward_models() const { return tbl_["rm"].as_array(); }

namespace {
// True when a string anywhere under `n` holds a control character (a newline, for instance).
bool has_control_chars(const toml::node& n) {
  if (auto* t = n.as_table()) {
    for (auto& [k, v] : *t)
      if (has_control_chars(v)) return true;
  } else if (auto* a = n.as_array()) {
    for (auto& v : *a)
      if (has_control_chars(v)) return true;
  } else if (auto s = n.value<std::string>()) {
    for (unsigned char c : *s)
      if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}
}  // namespace

std::string Config::to_toml() const {
  std::ostringstream os;
  os << "# resolved laser config (format_version 1): every default written out\n";
  // toml++ writes a string with a newline as a multi-line literal ('''<newline>'''), which TOML
  // reads back without it (a newline right after the opening quotes is trimmed): a stories run's
  // stop string "\n" came back empty. Such configs are written with escaped basic strings only.
  auto flags = toml::toml_formatter::default_flags;
  if (has_control_chars(tbl_)) flags = flags & ~(toml::format_flags::allow_multi_line_strings | toml::format_flags::allow_literal_strings);
  os << toml::toml_formatter(tbl_, flags) << "\n";
  return os.str();
}

std::vector<std::string> preset_overrides(const std::string& name, const std::string& where) {
  if (name.empty() || name == "laser") return {};
  if (name == "paper")  // METHOD.md's values, every one written out (also those that are laser's defaults too)
    return {"run.iterations=10", "run.early_stop_loss=0.1", "data.batch_size=16", "generation.n=30", "generation.temperature=0.8",
            "generation.max_new_tokens=150", "generation.top_p=1.0", "generation.top_k=0", "strategy.name=laser", "strategy.mode=per-query",
            "strategy.pooling=mean-input", "strategy.reward_signal=neg-loss", "strategy.normalizer=percentile", "strategy.context_l2=false",
            "strategy.context_dim=0", "bandit.algorithm=linucb", "bandit.alpha=0.1", "bandit.ridge=1.0", "pairs.mode=rank1-vs-rest",
            "pairs.num_pairs=10", "train.loss=sigmoid", "train.beta=0.1", "train.dpo_weight=1.0", "train.nll_weight=1.0", "train.lr=5e-6",
            "train.lora=true", "train.lora_r=16", "train.lora_alpha=32.0", "train.lora_dropout=0.1", "train.lora_targets=[\"q_proj\", \"v_proj\"]"};
  throw Error("unknown preset '" + name + "'", where, "use laser (the defaults) or paper (the authors' settings of METHOD.md)");
}

std::string config_reference_markdown() {
  std::ostringstream os;
  os << "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (auto& b : bindings()) {
    std::string doc = b.key.doc;
    if (auto r = b.range.text(); !r.empty() && (b.key.type == "int" || b.key.type == "float")) doc += " (" + r + ")";
    os << "| `" << b.key.key << "` | " << b.key.type << " | `" << b.key.dflt << "` | " << doc << " |\n";
  }
  return os.str();
}

}  // namespace laser::loop
