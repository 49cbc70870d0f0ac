// The preference trainer (see trainer.h). Loss semantics follow TRL's DPOTrainer (sum of response
// log-probs, mean over pairs, reference without gradients); schedules follow HF transformers'
// get_{constant,linear,cosine}_schedule_with_warmup, shifted so the first update is not at lr 0.
#include "laser/train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>
#include <type_traits>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/model/torch_util.h"
#include "laser/train/grad_sketch.h"
#include "laser/train/peft.h"
#include "laser/train/sequence_logprobs.h"

namespace laser::train {

namespace fs = std::filesystem;
using json = nlohmann::json;

static constexpr const char* kFormat = "laser-trainer-checkpoint";
static constexpr int kFormatVersion = 1;
static const std::vector<std::string> kPrefMetrics = {"loss",           "dpo",           "nll",
                                                      "rewards/chosen", "rewards/rejected", "rewards/margins",
                                                      "rewards/accuracies", "logps/chosen", "logps/rejected"};

// ---------------------------------------------------------------- config
void TrainerConfig::validate(const std::string& w) const {
  LASER_CHECK(lr > 0 && std::isfinite(lr), w + ".lr", "learning rate must be positive", "METHOD uses 5e-6");
  LASER_CHECK(weight_decay >= 0, w + ".weight_decay", "weight decay must be >= 0", "use 0 or 0.01");
  LASER_CHECK(adam_beta1 >= 0 && adam_beta1 < 1 && adam_beta2 >= 0 && adam_beta2 < 1, w + ".adam_beta1",
              "Adam betas must be in [0, 1)", "use 0.9 and 0.999");
  LASER_CHECK(warmup_steps >= 0, w + ".warmup_steps", "warmup_steps must be >= 0", "use 0");
  LASER_CHECK(schedule == "constant" || schedule == "linear" || schedule == "cosine", w + ".schedule",
              "unknown schedule '" + schedule + "'", "use constant, linear or cosine");
  LASER_CHECK(schedule == "constant" || total_steps > warmup_steps, w + ".total_steps",
              "the " + schedule + " schedule needs total_steps > warmup_steps", "set total_steps to the planned number of updates");
  LASER_CHECK(grad_accum >= 1, w + ".grad_accum", "grad_accum must be >= 1", "use 1");
  LASER_CHECK(max_grad_norm >= 0, w + ".max_grad_norm", "max_grad_norm must be >= 0 (0: off)", "use 1.0");
  LASER_CHECK(micro_batch >= 0, w + ".micro_batch", "micro_batch must be >= 0 (0: whole batch)", "use 16");
  if (lora) {
    LASER_CHECK(lora_r > 0, w + ".lora_r", "LoRA rank must be positive", "use 16");
    LASER_CHECK(lora_alpha > 0, w + ".lora_alpha", "LoRA alpha must be positive", "use 32");
    LASER_CHECK(lora_dropout >= 0 && lora_dropout < 1, w + ".lora_dropout", "LoRA dropout must be in [0, 1)", "use 0.1");
    LASER_CHECK(!lora_targets.empty(), w + ".lora_targets", "LoRA needs target modules", "use q_proj,v_proj");
  }
  loss.validate(w + ".loss");
  pg.validate(w);
}

json TrainerConfig::to_json() const {
  return {{"lr", lr}, {"weight_decay", weight_decay}, {"adam_beta1", adam_beta1}, {"adam_beta2", adam_beta2},
          {"adam_eps", adam_eps}, {"warmup_steps", warmup_steps}, {"schedule", schedule}, {"total_steps", total_steps},
          {"grad_accum", grad_accum}, {"max_grad_norm", max_grad_norm}, {"micro_batch", micro_batch}, {"lora", lora},
          {"lora_r", lora_r}, {"lora_alpha", lora_alpha}, {"lora_dropout", lora_dropout}, {"lora_targets", lora_targets},
          {"seed", seed}, {"base_model_path", base_model_path},
          {"loss", {{"dpo_weight", loss.dpo_weight}, {"nll_weight", loss.nll_weight}, {"beta", loss.beta},
                    {"type", loss.type}, {"simpo_gamma", loss.simpo_gamma}, {"label_smoothing", loss.label_smoothing}}},
          {"pg", {{"algorithm", pg.algorithm}, {"scale_rewards", pg.scale_rewards}, {"epsilon_low", pg.epsilon_low},
                  {"epsilon_high", pg.epsilon_high}, {"kl_beta", pg.kl_beta}, {"loss_aggregation", pg.loss_aggregation},
                  {"num_iterations", pg.num_iterations}, {"max_completion_length", pg.max_completion_length},
                  {"temperature", pg.temperature}}}};
}

TrainerConfig TrainerConfig::from_json(const json& j, const std::string& where) {
  TrainerConfig c;
  try {
    c.lr = j.value("lr", c.lr); c.weight_decay = j.value("weight_decay", c.weight_decay);
    c.adam_beta1 = j.value("adam_beta1", c.adam_beta1); c.adam_beta2 = j.value("adam_beta2", c.adam_beta2);
    c.adam_eps = j.value("adam_eps", c.adam_eps); c.warmup_steps = j.value("warmup_steps", c.warmup_steps);
    c.schedule = j.value("schedule", c.schedule); c.total_steps = j.value("total_steps", c.total_steps);
    c.grad_accum = j.value("grad_accum", c.grad_accum); c.max_grad_norm = j.value("max_grad_norm", c.max_grad_norm);
    c.micro_batch = j.value("micro_batch", c.micro_batch); c.lora = j.value("lora", c.lora);
    c.lora_r = j.value("lora_r", c.lora_r); c.lora_alpha = j.value("lora_alpha", c.lora_alpha);
    c.lora_dropout = j.value("lora_dropout", c.lora_dropout);
    c.lora_targets = j.value("lora_targets", c.lora_targets); c.seed = j.value("seed", c.seed);
    c.base_model_path = j.value("base_model_path", c.base_model_path);
    if (j.contains("loss")) {
      const auto& l = j["loss"];
      c.loss.dpo_weight = l.value("dpo_weight", c.loss.dpo_weight); c.loss.nll_weight = l.value("nll_weight", c.loss.nll_weight);
      c.loss.beta = l.value("beta", c.loss.beta); c.loss.type = l.value("type", c.loss.type);
      c.loss.simpo_gamma = l.value("simpo_gamma", c.loss.simpo_gamma);
      c.loss.label_smoothing = l.value("label_smoothing", c.loss.label_smoothing);
    }
    if (j.contains("pg")) {
      const auto& g = j["pg"];
      c.pg.algorithm = g.value("algorithm", c.pg.algorithm); c.pg.scale_rewards = g.value("scale_rewards", c.pg.scale_rewards);
      c.pg.epsilon_low = g.value("epsilon_low", c.pg.epsilon_low); c.pg.epsilon_high = g.value("epsilon_high", c.pg.epsilon_high);
      c.pg.kl_beta = g.value("kl_beta", c.pg.kl_beta); c.pg.loss_aggregation = g.value("loss_aggregation", c.pg.loss_aggregation);
      c.pg.num_iterations = g.value("num_iterations", c.pg.num_iterations);
      c.pg.max_completion_length = g.value("max_completion_length", c.pg.max_completion_length);
      c.pg.temperature = g.value("temperature", c.pg.temperature);
    }
  } catch (const json::exception& e) {
    throw Error(std::string("bad trainer config: ") + e.what(), where, "check the value types");
  }
  c.validate(where);
  return c;
}

std::vector<PreferencePair> shard_pairs(const std::vector<PreferencePair>& pairs, int rank, int world) {
  std::vector<PreferencePair> out;
  for (auto& p : pairs)
    if (static_cast<int>(p.prompt_index % static_cast<size_t>(world)) == rank) out.push_back(p);
  return out;
}

// ---------------------------------------------------------------- helpers
static model::CausalLM deep_copy(model::CausalLM& src) {
  model::CausalLM dst(src->config());
  dst->to(src->device(), src->dtype());
  dst->set_autocast(src->autocast_dtype());  // the reference computes exactly as the policy does
  torch::NoGradGuard ng;
  auto sp = src->named_parameters(true);
  for (auto& p : dst->named_parameters(true)) p.value().copy_(sp[p.key()]);
  auto sb = src->named_buffers(true);
  for (auto& b : dst->named_buffers(true)) b.value().copy_(sb[b.key()]);
  for (auto& p : dst->parameters()) p.set_requires_grad(false);
  dst->eval();
  return dst;
}

// The optimizer's per-parameter state is keyed by the parameter's TensorImpl: as its address in
// text up to libtorch 2.1 (c10::guts::to_string of the pointer), as the pointer itself since.
// The key type is read off the optimizer's map so either libtorch builds.
using OptimizerStateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;
template <typename Key = OptimizerStateKey>
static Key state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream os;  // what c10::guts::to_string wrote: the address as a pointer prints
    os << static_cast<const void*>(p.unsafeGetTensorImpl());
    return os.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

// ---------------------------------------------------------------- trainer
Trainer::Trainer(model::CausalLM policy, TrainerConfig cfg, std::shared_ptr<Distributed> dist)
    : policy_(std::move(policy)), cfg_(std::move(cfg)), dist_(dist ? std::move(dist) : std::make_shared<Distributed>()),
      rng_(cfg_.seed) {
  cfg_.validate("trainer");
  LASER_CHECK(!policy_->config().is_classifier(), "trainer", "the policy is a sequence classifier", "train a causal LM");
  torch::manual_seed(cfg_.seed);
  if (cfg_.lora) {
    if (!policy_->has_lora()) policy_->add_lora({cfg_.lora_r, cfg_.lora_alpha, cfg_.lora_dropout}, cfg_.lora_targets);
  } else {
    LASER_CHECK(!policy_->has_lora(), "trainer.lora", "full fine-tuning of a model that has LoRA adapters",
                "merge the adapters first or set lora = true");
    if (policy_->dtype() != torch::kFloat32) {
      // Every weight trains: they become f32 master weights (an update smaller than bf16's
      // rounding step is not lost) and forwards run under autocast in the loaded dtype. LoRA
      // needs none of this: its adapters are f32 and the frozen base stays as loaded.
      auto low = policy_->dtype();
      policy_->to(torch::kFloat32);
      policy_->set_autocast(low);
    }
  }
  if (dist_->world_size() > 1) {  // every rank starts from rank 0's weights (and adapters)
    std::vector<torch::Tensor> ps;
    for (auto& p : policy_->parameters()) ps.push_back(p);
    dist_->broadcast(ps);
  }
  if (!cfg_.lora) reference_ = deep_copy(policy_);
  set_trainable();
  build_optimizer();
  policy_->train();
}

std::vector<std::pair<std::string, torch::Tensor>> Trainer::trainable() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : policy_->named_parameters(true)) {
    bool is_lora = p.key().find("lora_") != std::string::npos;
    if (cfg_.lora ? is_lora : true) out.emplace_back(p.key(), p.value());
  }
  return out;
}

void Trainer::set_trainable() {
  for (auto& p : policy_->named_parameters(true)) {
    bool is_lora = p.key().find("lora_") != std::string::npos;
    p.value().set_requires_grad(cfg_.lora ? is_lora : true);
  }
}

void Trainer::build_optimizer() {
  std::vector<torch::Tensor> decay, no_decay;
  decay_names_.clear();
  no_decay_names_.clear();
  for (auto& [n, p] : trainable()) {
    if (p.dim() >= 2) { decay.push_back(p); decay_names_.push_back(n); }
    else { no_decay.push_back(p); no_decay_names_.push_back(n); }
  }
  auto base = torch::optim::AdamWOptions(cfg_.lr).betas({cfg_.adam_beta1, cfg_.adam_beta2}).eps(cfg_.adam_eps);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto o1 = std::make_unique<torch::optim::AdamWOptions>(base);
  o1->weight_decay(cfg_.weight_decay);
  groups.emplace_back(decay, std::move(o1));
  auto o2 = std::make_unique<torch::optim::AdamWOptions>(base);
  o2->weight_decay(0.0);
  groups.emplace_back(no_decay, std::move(o2));
  opt_ = std::make_unique<torch::optim::AdamW>(std::move(groups), base);
}

double Trainer::lr_at(int64_t u) const {
  // Factor applied at the (u+1)-th update: warmup (u+1)/warmup, then the schedule.
  double f = 1.0;
  if (cfg_.warmup_steps > 0 && u < cfg_.warmup_steps) return cfg_.lr * static_cast<double>(u + 1) / cfg_.warmup_steps;
  if (cfg_.schedule != "constant") {
    double span = static_cast<double>(cfg_.total_steps - cfg_.warmup_steps);
    double prog = std::min(1.0, static_cast<double>(u - cfg_.warmup_steps) / span);
    f = cfg_.schedule == "linear" ? 1.0 - prog : 0.5 * (1.0 + std::cos(M_PI * prog));
  }
  return cfg_.lr * f;
}

double Trainer::current_lr() const { return lr_at(updates_); }

namespace {
// Unique prompts and (prompt, response) sequences of a chunk of pairs.
struct ChunkSeqs {
  std::vector<std::vector<int32_t>> prompts, responses;
  std::vector<size_t> response_prompt;
  std::vector<int64_t> chosen_idx, rejected_idx;  // per pair: index into responses
};

ChunkSeqs dedupe(const std::vector<const PreferencePair*>& chunk) {
  ChunkSeqs c;
  std::map<std::vector<int32_t>, size_t> pmap;
  std::map<std::pair<size_t, std::vector<int32_t>>, int64_t> rmap;
  auto resp = [&](size_t pi, const std::vector<int32_t>& r) {
    auto key = std::make_pair(pi, r);
    auto it = rmap.find(key);
    if (it != rmap.end()) return it->second;
    int64_t id = static_cast<int64_t>(c.responses.size());
    c.responses.push_back(r);
    c.response_prompt.push_back(pi);
    rmap.emplace(std::move(key), id);
    return id;
  };
  for (auto* p : chunk) {
    auto it = pmap.find(p->prompt);
    size_t pi;
    if (it == pmap.end()) {
      pi = c.prompts.size();
      c.prompts.push_back(p->prompt);
      pmap.emplace(p->prompt, pi);
    } else {
      pi = it->second;
    }
    c.chosen_idx.push_back(resp(pi, p->chosen));
    c.rejected_idx.push_back(resp(pi, p->rejected));
  }
  return c;
}

// Chunks of at most `mb` pairs; all pairs of one prompt stay in one chunk (mb 0: one chunk).
std::vector<std::vector<const PreferencePair*>> chunk_pairs(const std::vector<PreferencePair>& pairs, int64_t mb) {
  std::vector<std::vector<const PreferencePair*>> groups;
  std::map<std::vector<int32_t>, size_t> gmap;
  for (auto& p : pairs) {
    auto it = gmap.find(p.prompt);
    if (it == gmap.end()) { gmap.emplace(p.prompt, groups.size()); groups.push_back({&p}); }
    else groups[it->second].push_back(&p);
  }
  std::vector<std::vector<const PreferencePair*>> chunks;
  for (auto& g : groups) {
    if (chunks.empty() || (mb > 0 && static_cast<int64_t>(chunks.back().size() + g.size()) > mb)) chunks.emplace_back();
    chunks.back().insert(chunks.back().end(), g.begin(), g.end());
  }
  return chunks;
}
}  // namespace

StepResult Trainer::step(const std::vector<PreferencePair>& pairs) {
  ++calls_;
  for (size_t i = 0; i < pairs.size(); ++i) {
    LASER_CHECK(!pairs[i].prompt.empty(), "pair " + std::to_string(i), "empty prompt", "every prompt needs at least one token");
  }
  double global = dist_->all_reduce_sum(static_cast<double>(pairs.size()));
  std::map<std::string, double> sums;
  for (auto& k : kPrefMetrics) sums[k] = 0.0;
  if (global == 0) {
    groups_.clear();  // on every rank alike: the coherence groups served this step
    num_groups_ = 0;
    StepResult r;
    r.skipped = true;
    r.loss = std::numeric_limits<double>::quiet_NaN();
    log::warn("train: step with no pairs on any rank, skipped");
    return r;
  }
  bool bad = false;
  double tokens = 0, seqs = 0;
  std::map<size_t, std::pair<double, int>> per_prompt;
  std::map<size_t, std::pair<int, int>> margin_agree;  // prompt -> (pairs with a positive margin, with a nonzero one)
  const bool ref_needed = cfg_.loss.type != "simpo" && cfg_.loss.dpo_weight > 0;
  const auto alignment = probe_.empty() ? std::map<size_t, double>() : prompt_alignment(pairs);
  probe_.clear();
  const auto coherence = num_groups_ == 0 ? std::map<size_t, double>() : prompt_coherence(pairs);
  for (auto& chunk : chunk_pairs(pairs, cfg_.micro_batch)) {
    auto fw = forward_pairs(chunk, /*train_mode=*/true);
    const auto& in = fw.in;
    auto& out = fw.out;
    double n = static_cast<double>(chunk.size());
    for (auto& k : kPrefMetrics) sums[k] += out.metrics[k] * n;
    {
      // Per prompt: the pair losses, and the implicit margins before the update (P); |m| <= 1e-6
      // nats is a tie (policy == reference). Without a reference the margins are not read.
      auto pa = out.per_pair.accessor<double, 1>();
      torch::Tensor m = ref_needed ? ((in.policy_chosen - in.reference_chosen) - (in.policy_rejected - in.reference_rejected))
                                         .detach()
                                         .to(torch::kCPU, torch::kDouble)
                                   : torch::zeros({static_cast<int64_t>(chunk.size())}, torch::kDouble);
      auto ma = m.accessor<double, 1>();
      for (size_t i = 0; i < chunk.size(); ++i) {
        const auto row = static_cast<int64_t>(i);
        auto& acc = per_prompt[chunk[i]->prompt_index];
        acc.first += pa[row];
        acc.second += 1;
        if (!(std::fabs(ma[row]) > 1e-6)) continue;
        auto& agree = margin_agree[chunk[i]->prompt_index];
        agree.first += ma[row] > 0 ? 1 : 0;
        agree.second += 1;
      }
    }
    tokens += fw.tokens;
    seqs += fw.seqs;
    if (!std::isfinite(out.metrics["loss"])) { bad = true; break; }
    (out.loss * (n / global / static_cast<double>(cfg_.grad_accum))).backward();
  }
  auto r = finish_step(std::move(sums), global, bad, tokens, seqs);
  if (!r.skipped) {
    for (auto& [pi, acc] : per_prompt) r.prompt_loss[pi] = acc.first / acc.second;
    for (auto& [pi, acc] : margin_agree) r.prompt_margin_agreement[pi] = static_cast<double>(acc.first) / acc.second;
    r.prompt_alignment = alignment;
    r.prompt_coherence = coherence;
  }
  return r;
}

Trainer::PairForward Trainer::forward_pairs(const std::vector<const PreferencePair*>& chunk, bool train_mode) {
  PairForward f;
  const bool ref_needed = cfg_.loss.type != "simpo" && cfg_.loss.dpo_weight > 0;
  auto cs = dedupe(chunk);
  auto opts = torch::TensorOptions().dtype(torch::kLong).device(policy_->device());
  auto ci = torch::tensor(cs.chosen_idx, opts), ri = torch::tensor(cs.rejected_idx, opts);
  LossInputs& in = f.in;
  if (ref_needed) {
    torch::NoGradGuard ng;
    SequenceLogps ref;
    if (cfg_.lora) {
      policy_->set_lora_enabled(false);
      ref = sequence_logprobs(policy_, cs.prompts, cs.responses, cs.response_prompt);
      policy_->set_lora_enabled(true);
    } else {
      ref = sequence_logprobs(reference_, cs.prompts, cs.responses, cs.response_prompt);
    }
    in.reference_chosen = ref.sum.index_select(0, ci);
    in.reference_rejected = ref.sum.index_select(0, ri);
  }
  if (train_mode) policy_->train();
  auto lp = sequence_logprobs(policy_, cs.prompts, cs.responses, cs.response_prompt);
  in.policy_chosen = lp.sum.index_select(0, ci);
  in.policy_rejected = lp.sum.index_select(0, ri);
  in.chosen_tokens = lp.tokens.index_select(0, ci);
  in.rejected_tokens = lp.tokens.index_select(0, ri);
  in.chosen_nll = -in.policy_chosen / in.chosen_tokens.clamp_min(1.0);
  if (!ref_needed) {
    in.reference_chosen = torch::zeros_like(in.policy_chosen);
    in.reference_rejected = torch::zeros_like(in.policy_rejected);
  }
  f.out = preference_loss(in, cfg_.loss);
  f.tokens = lp.tokens.sum().item<double>();
  for (auto& p : cs.prompts) f.tokens += static_cast<double>(p.size());
  f.seqs = static_cast<double>(cs.responses.size());
  return f;
}

void Trainer::set_alignment_probe(std::vector<PreferencePair> probe) { probe_ = std::move(probe); }

void Trainer::set_coherence_groups(std::vector<int64_t> group_of, int64_t num_groups, double memory, int64_t dims) {
  LASER_CHECK(num_groups > 0, "set_coherence_groups", "num_groups must be positive", "pass the number of groups (the RMs)");
  LASER_CHECK(memory >= 0.0 && memory <= 1.0, "set_coherence_groups", "memory " + std::to_string(memory) + " outside [0, 1]",
              "pass 0 (this step only) up to 1 (every earlier step alike)");
  LASER_CHECK(dims >= 0, "set_coherence_groups", "dims " + std::to_string(dims) + " is negative", "pass 0 (exact gradients) or a sketch length");
  for (int64_t g : group_of)
    LASER_CHECK(g >= 0 && g < num_groups, "set_coherence_groups", "group " + std::to_string(g) + " outside [0, " + std::to_string(num_groups) + ")",
                "give every prompt a group below num_groups");
  groups_ = std::move(group_of);
  num_groups_ = num_groups;
  coherence_memory_ = memory;
  coherence_dims_ = dims;
}

std::vector<torch::Tensor> Trainer::pairs_gradient(const std::vector<const PreferencePair*>& pairs) {
  const bool was_training = policy_->is_training();
  policy_->eval();  // no dropout: no random numbers drawn, the same gradient every time
  std::vector<torch::Tensor> params;
  for (auto& [n, p] : trainable()) params.push_back(p);
  std::vector<torch::Tensor> g(params.size());
  for (size_t i = 0; i < g.size(); ++i) g[i] = torch::zeros_like(params[i]);
  // In chunks of train.micro_batch pairs, as the step itself forwards them: the mean's gradient is
  // the chunks' gradients weighted by their share of the pairs.
  const size_t total = pairs.size(), mb = cfg_.micro_batch > 0 ? static_cast<size_t>(cfg_.micro_batch) : std::max<size_t>(total, 1);
  for (size_t at = 0; at < total; at += mb) {
    const std::vector<const PreferencePair*> chunk(pairs.begin() + static_cast<std::ptrdiff_t>(at),
                                                   pairs.begin() + static_cast<std::ptrdiff_t>(std::min(total, at + mb)));
    auto loss = forward_pairs(chunk, /*train_mode=*/false).out.per_pair_loss.mean() *
                (static_cast<double>(chunk.size()) / static_cast<double>(total));
    auto part = torch::autograd::grad({loss}, params, {}, /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t i = 0; i < g.size(); ++i)
      if (part[i].defined()) g[i] += part[i];
  }
  if (was_training) policy_->train();
  return g;
}

namespace {
// Cosine of two gradients (lists of tensors of the same shapes), in f64; NaN when one is zero.
double gradient_cosine(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    auto x = a[i].to(torch::kCPU, torch::kFloat64), y = b[i].to(torch::kCPU, torch::kFloat64);
    dot += (x * y).sum().item<double>();
    na += x.pow(2).sum().item<double>();
    nb += y.pow(2).sum().item<double>();
  }
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : std::numeric_limits<double>::quiet_NaN();
}
}  // namespace

std::map<size_t, double> Trainer::prompt_alignment(const std::vector<PreferencePair>& pairs) {
  std::map<size_t, double> out;
  std::vector<const PreferencePair*> probe;
  for (auto& p : probe_) probe.push_back(&p);
  const auto target = pairs_gradient(probe);
  std::map<size_t, std::vector<const PreferencePair*>> of_prompt;
  for (auto& p : pairs) of_prompt[p.prompt_index].push_back(&p);
  for (auto& [pi, ps] : of_prompt) {
    double c = gradient_cosine(pairs_gradient(ps), target);
    if (std::isfinite(c)) out[pi] = c;
  }
  return out;
}

std::map<size_t, double> Trainer::prompt_coherence(const std::vector<PreferencePair>& pairs) {
  std::map<size_t, std::vector<const PreferencePair*>> of_prompt;
  for (auto& p : pairs) of_prompt[p.prompt_index].push_back(&p);
  // One prompt's gradient (per parameter) at a time; each leaves only its comparison vector.
  std::map<size_t, torch::Tensor> grads;
  for (auto& [pi, ps] : of_prompt) grads[pi] = gradient_direction_vector(pairs_gradient(ps), coherence_dims_);
  return coherence_within_groups(std::move(grads));
}

std::map<size_t, double> Trainer::coherence_within_groups(std::map<size_t, torch::Tensor> unit) {
  const auto groups = std::move(groups_);
  const int64_t G = num_groups_;
  groups_.clear();
  num_groups_ = 0;
  int64_t P = 0;
  for (auto& [n, p] : trainable()) P += p.numel();
  P = gradient_direction_length(P, coherence_dims_);  // the sketch's length where it is sketched
  // Each prompt's gradient (P: flattened, or its sketch) in f64 made a unit vector in place (a zero
  // gradient has no direction and is dropped), summed per group over every rank: sums (G,P),
  // counts (G).
  std::vector<torch::Tensor> acc{torch::zeros({G, P}, torch::kFloat64), torch::zeros({G}, torch::kFloat64)};
  for (auto it = unit.begin(); it != unit.end();) {
    auto& [pi, v] = *it;
    LASER_CHECK(pi < groups.size(), "set_coherence_groups", "prompt " + std::to_string(pi) + " has no group",
                "give a group to every prompt index of the step");
    const double norm = v.norm().item<double>();
    if (!(norm > 0)) {
      it = unit.erase(it);
      continue;
    }
    v.div_(norm);
    acc[0][groups[pi]] += v;
    acc[1][groups[pi]] += 1.0;
    ++it;
  }
  dist_->all_reduce_sum(acc);
  // The memory of earlier steps (the same on every rank: it sums all-reduced sums), zero when new.
  const double memory = coherence_memory_;
  coherence_memory_ = 0.0;
  const bool remember = memory > 0;
  if (remember && !(coherence_sum_.defined() && coherence_sum_.size(0) == G && coherence_sum_.size(1) == P)) {
    if (coherence_sum_.defined())
      log::warn("train: grad-coherence memory restarts: it holds {} x {} entries, this run compares {} x {} "
                "(the RMs or strategy.coherence_dims changed)", coherence_sum_.size(0), coherence_sum_.size(1), G, P);
    coherence_sum_ = torch::zeros({G, P}, torch::kFloat64);
    coherence_count_ = torch::zeros({G}, torch::kFloat64);
  }
  // Mean cosine with the group's other unit gradients, this step's and the remembered ones (each
  // weighted memory^age): u_i . (sum of the group's u - u_i + memory sum) / (n - 1 + memory count).
  std::map<size_t, double> out;
  for (auto& [pi, u] : unit) {
    const int64_t g = groups[pi];
    const double others = acc[1][g].item<double>() - 1 + (remember ? coherence_count_[g].item<double>() : 0.0);
    if (!(others > 1e-9)) continue;
    auto sum = remember ? acc[0][g] + coherence_sum_[g] : acc[0][g];
    out[pi] = (u.dot(sum).item<double>() - u.dot(u).item<double>()) / others;
  }
  if (remember) {  // this step joins the memory, and everything in it ages one step
    coherence_sum_ = memory * (coherence_sum_ + acc[0]);
    coherence_count_ = memory * (coherence_count_ + acc[1]);
  }
  return out;
}

StepResult Trainer::sft_step(const std::vector<std::vector<int32_t>>& prompts, const std::vector<std::vector<int32_t>>& responses) {
  ++calls_;
  LASER_CHECK(prompts.size() == responses.size(), "sft_step", "prompts and responses differ in count", "pass one response per prompt");
  double local_tokens = 0;
  for (auto& r : responses) local_tokens += static_cast<double>(r.size());
  double global = dist_->all_reduce_sum(local_tokens);
  std::map<std::string, double> sums{{"loss", 0.0}, {"nll", 0.0}};
  if (global == 0) {
    StepResult r;
    r.skipped = true;
    r.loss = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  bool bad = false;
  double tokens = 0;
  size_t mb = cfg_.micro_batch > 0 ? static_cast<size_t>(cfg_.micro_batch) : prompts.size();
  policy_->train();
  for (size_t s = 0; s < prompts.size(); s += mb) {
    size_t e = std::min(prompts.size(), s + mb);
    std::vector<std::vector<int32_t>> ps(prompts.begin() + s, prompts.begin() + e), rs(responses.begin() + s, responses.begin() + e);
    std::vector<size_t> idx(ps.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    auto lp = sequence_logprobs(policy_, ps, rs, idx);
    auto nll_sum = -lp.sum.sum();
    double ntok = lp.tokens.sum().item<double>();
    double v = nll_sum.item<double>();
    sums["loss"] += v;
    sums["nll"] += v;
    tokens += ntok;
    for (auto& p : ps) tokens += static_cast<double>(p.size());
    if (!std::isfinite(v)) { bad = true; break; }
    if (ntok > 0) (nll_sum / global / static_cast<double>(cfg_.grad_accum)).backward();
  }
  return finish_step(std::move(sums), global, bad, tokens, static_cast<double>(prompts.size()));
}

StepResult Trainer::finish_step(std::map<std::string, double> sums, double global, bool bad, double tokens, double seqs) {
  StepResult r;
  // One all-reduce for the metric sums, the bad flag and the counters.
  std::vector<double> v;
  for (auto& [k, x] : sums) v.push_back(std::isfinite(x) ? x : 0.0);
  v.push_back(bad ? 1.0 : 0.0);
  v.push_back(tokens);
  v.push_back(seqs);
  std::vector<torch::Tensor> buf{torch::tensor(v, torch::kFloat64)};
  dist_->all_reduce_sum(buf);
  auto acc = buf[0].accessor<double, 1>();
  size_t i = 0;
  for (auto& [k, x] : sums) r.metrics[k] = acc[i++] / global;
  bool any_bad = acc[i++] > 0;
  r.metrics["tokens"] = acc[i++];
  r.metrics["sequences"] = acc[i++];
  r.metrics["lr"] = lr_at(updates_);
  r.loss = r.metrics["loss"];
  auto drop = [&](const std::string& why) {
    opt_->zero_grad();
    accum_count_ = 0;
    r.skipped = true;
    r.loss = std::numeric_limits<double>::quiet_NaN();
    r.metrics["loss"] = r.loss;
    log::warn("train: step {} skipped: {}", calls_, why);
  };
  if (any_bad) { drop("non-finite loss"); return r; }
  if (++accum_count_ < cfg_.grad_accum) return r;
  auto tr = trainable();
  std::vector<torch::Tensor> grads;
  for (auto& [n, p] : tr) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  dist_->all_reduce_sum(grads);
  std::vector<torch::Tensor> ps;
  for (auto& [n, p] : tr) ps.push_back(p);
  double norm;
  if (cfg_.max_grad_norm > 0) norm = torch::nn::utils::clip_grad_norm_(ps, cfg_.max_grad_norm);
  else {
    double sq = 0;
    for (auto& g : grads) sq += g.to(torch::kFloat64).pow(2).sum().item<double>();
    norm = std::sqrt(sq);
  }
  r.metrics["grad_norm"] = norm;
  if (!std::isfinite(norm)) { drop("non-finite gradient norm"); return r; }
  double lr = lr_at(updates_);
  for (auto& g : opt_->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
  opt_->step();
  opt_->zero_grad();
  ++updates_;
  accum_count_ = 0;
  r.updated = true;
  return r;
}

void Trainer::sync_reference() {
  torch::NoGradGuard ng;
  if (cfg_.lora) {
    opt_->zero_grad();
    MergedAdapter ma;
    for (auto& [n, lin] : policy_->linears()) {
      if (!lin->has_lora()) continue;
      ma.ab[n] = {lin->lora_A.detach().clone(), lin->lora_B.detach().clone()};
      ma.r = lin->lora_spec().r;
      ma.scaling = lin->lora_scaling();
    }
    if (!ma.ab.empty()) merged_.push_back(std::move(ma));
    policy_->merge_lora();
    policy_->add_lora({cfg_.lora_r, cfg_.lora_alpha, cfg_.lora_dropout}, cfg_.lora_targets);
    if (dist_->world_size() > 1) {
      std::vector<torch::Tensor> ps;
      for (auto& [n, p] : trainable()) ps.push_back(p);
      dist_->broadcast(ps);
    }
    set_trainable();
    build_optimizer();
  } else {
    auto sp = policy_->named_parameters(true);
    for (auto& p : reference_->named_parameters(true)) p.value().copy_(sp[p.key()]);
  }
}

void Trainer::export_adapter(const std::string& dir) {
  LASER_CHECK(cfg_.lora, dir, "full fine-tuning has no adapter to save", "save the model instead");
  torch::NoGradGuard ng;
  int64_t r_cur = 0;
  double s_cur = 0.0;
  for (auto& [n, lin] : policy_->linears())
    if (lin->has_lora()) { r_cur = lin->lora_spec().r; s_cur = lin->lora_scaling(); }
  LASER_CHECK(r_cur > 0, dir, "the policy has no LoRA adapters", "construct the trainer with lora = true");
  AdapterWeights w;
  std::vector<std::string> targets = cfg_.lora_targets;
  for (auto& [n, lin] : policy_->linears()) {
    bool adapted = lin->has_lora();
    for (auto& m : merged_) adapted = adapted || m.ab.count(n);
    if (!adapted) continue;
    std::string suffix = n.substr(n.rfind('.') + 1);
    if (std::find(targets.begin(), targets.end(), suffix) == targets.end()) targets.push_back(suffix);
    auto opts = lin->weight.options();
    int64_t in = lin->weight.size(1), out = lin->weight.size(0);
    std::vector<torch::Tensor> as, bs;
    // Each block keeps its own contribution scaling_i * B_i A_i under the common scaling s_cur.
    auto add = [&](const torch::Tensor* a, const torch::Tensor* b, int64_t r, double scaling) {
      if (!a) {
        as.push_back(torch::zeros({r, in}, opts));
        bs.push_back(torch::zeros({out, r}, opts));
        return;
      }
      as.push_back(a->detach());
      bs.push_back(scaling == s_cur ? b->detach() : b->detach() * (scaling / s_cur));
    };
    for (auto& m : merged_) {
      auto it = m.ab.find(n);
      if (it == m.ab.end()) add(nullptr, nullptr, m.r, m.scaling);
      else add(&it->second.first, &it->second.second, m.r, m.scaling);
    }
    if (lin->has_lora()) add(&lin->lora_A, &lin->lora_B, r_cur, s_cur);
    else add(nullptr, nullptr, r_cur, s_cur);
    w.emplace_back(n, torch::cat(as, 0), torch::cat(bs, 1));
  }
  int64_t rank = r_cur;
  for (auto& m : merged_) rank += m.r;
  std::string base = cfg_.base_model_path.empty() ? "" : fs::absolute(cfg_.base_model_path).lexically_normal().string();
  save_adapter_weights(w, dir, {rank, s_cur * static_cast<double>(rank), cfg_.lora_dropout}, targets, base);
}

// ---------------------------------------------------------------- checkpoints
static void write_named(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& ts) {
  std::vector<io::TensorToWrite> w;
  for (auto& [n, t] : ts) w.push_back(model::tensor_to_write(n, t.detach()));
  io::write_safetensors(path, w, {{"format", "pt"}});
}

static void read_named(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& ts) {
  io::SafetensorsFile f(path);
  torch::NoGradGuard ng;
  for (auto& [n, t] : ts) {
    std::string where = path + ":" + n;
    auto src = model::tensor_from_view(f.get(n), where);
    LASER_CHECK(src.sizes() == t.sizes(), where, "shape mismatch: file " + c10::str(src.sizes()) + ", model " + c10::str(t.sizes()),
                "the checkpoint belongs to another model");
    t.copy_(src.to(t.device(), t.scalar_type()));
  }
}

void Trainer::save_checkpoint(const std::string& dir, const json& extra) {
  if (dist_->is_main()) {
    io::write_dir_atomic(dir, [&](const std::string& tmp) {
      model::save_model(policy_, tmp);
      if (cfg_.lora)
        export_adapter(io::join_path(tmp, "adapter"));
      else {
        std::vector<std::pair<std::string, torch::Tensor>> ref;
        for (auto& p : reference_->named_parameters(true)) ref.emplace_back(p.key(), p.value());
        write_named(io::join_path(tmp, "reference.safetensors"), ref);
      }
      std::vector<std::pair<std::string, torch::Tensor>> os;
      json steps = json::object();
      for (auto& [n, p] : trainable()) {
        auto it = opt_->state().find(state_key(p));
        if (it != opt_->state().end()) {
          auto& st = static_cast<torch::optim::AdamWParamState&>(*it->second);
          os.emplace_back(n + ".exp_avg", st.exp_avg());
          os.emplace_back(n + ".exp_avg_sq", st.exp_avg_sq());
          steps[n] = st.step();
        }
        if (accum_count_ > 0 && p.grad().defined()) os.emplace_back(n + ".grad", p.grad());
      }
      auto gen = at::detail::getDefaultCPUGenerator();
      torch::Tensor rng_state;
      {
        std::lock_guard<std::mutex> lock(gen.mutex());
        rng_state = gen.get_state();
      }
      os.emplace_back("torch_cpu_rng", rng_state);
      // LoRA: the current adapters and the merged ones as they are (adapter/ holds them stacked).
      json merged = json::array();
      if (cfg_.lora) {
        for (auto& [n, lin] : policy_->linears())
          if (lin->has_lora()) {
            os.emplace_back("lora_current." + n + ".lora_A", lin->lora_A);
            os.emplace_back("lora_current." + n + ".lora_B", lin->lora_B);
          }
        for (size_t i = 0; i < merged_.size(); ++i) {
          json mods = json::array();
          for (auto& [n, ab] : merged_[i].ab) {
            os.emplace_back("lora_merged." + std::to_string(i) + "." + n + ".lora_A", ab.first);
            os.emplace_back("lora_merged." + std::to_string(i) + "." + n + ".lora_B", ab.second);
            mods.push_back(n);
          }
          merged.push_back({{"r", merged_[i].r}, {"scaling", merged_[i].scaling}, {"modules", mods}});
        }
      }
      if (coherence_sum_.defined()) {  // grad-coherence's memory
        os.emplace_back("coherence_memory.sum", coherence_sum_);
        os.emplace_back("coherence_memory.count", coherence_count_);
      }
      write_named(io::join_path(tmp, "trainer_state.safetensors"), os);
      json st = {{"format", kFormat}, {"format_version", kFormatVersion}, {"updates", updates_}, {"accum_count", accum_count_},
                 {"calls", calls_}, {"world_size", dist_->world_size()}, {"config", cfg_.to_json()}, {"adam_steps", steps},
                 {"rng", rng_.state()}, {"extra", extra}};
      if (cfg_.lora) st["lora_merged"] = merged;
      io::write_file_atomic(io::join_path(tmp, "trainer_state.json"), st.dump(2) + "\n");
    });
  }
  dist_->barrier();
}

std::string resolve_checkpoint(const std::string& dir) {
  if (io::file_exists(io::join_path(dir, "trainer_state.json"))) return dir;
  // An interrupted write_dir_atomic can leave the previous checkpoint at "<dir>.old-<pid>".
  fs::path d(dir);
  fs::path parent = d.has_parent_path() ? d.parent_path() : fs::path(".");
  std::string prefix = d.filename().string() + ".old-";
  std::error_code ec;
  for (auto& e : fs::directory_iterator(parent, ec)) {
    auto name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && fs::exists(e.path() / "trainer_state.json")) {
      log::warn("train: {} is missing; using the previous checkpoint {}", dir, e.path().string());
      return e.path().string();
    }
  }
  throw Error("no checkpoint here (trainer_state.json missing)", dir, "pass a directory written by save_checkpoint");
}

json Trainer::load_checkpoint(const std::string& dir_in) {
  std::string dir = resolve_checkpoint(dir_in);
  std::string sp = io::join_path(dir, "trainer_state.json");
  auto st = io::read_json(sp);
  LASER_CHECK(st.value("format", std::string()) == kFormat, sp + ":format", "not a laser trainer checkpoint", "pass a checkpoint directory");
  LASER_CHECK(st.value("format_version", 0) == kFormatVersion, sp + ":format_version",
              "unsupported checkpoint version " + std::to_string(st.value("format_version", 0)), "use the laser that wrote it");
  auto saved_cfg = TrainerConfig::from_json(st["config"], sp + ":config");
  LASER_CHECK(saved_cfg.lora == cfg_.lora, sp + ":config.lora", "the checkpoint's LoRA setting differs from this trainer's",
              "resume with the same lora setting");
  LASER_CHECK(saved_cfg.pg.algorithm == cfg_.pg.algorithm, sp + ":config.pg.algorithm",
              "the checkpoint was trained with algorithm '" + saved_cfg.pg.algorithm + "', this trainer uses '" + cfg_.pg.algorithm + "'",
              "resume with the same train.algorithm (start a new run to switch)");
  // Policy base weights (merged adapters included), then adapters or the frozen reference.
  read_named(io::join_path(dir, "model.safetensors"), policy_->hf_state());
  std::string op = io::join_path(dir, "trainer_state.safetensors");
  merged_.clear();
  if (cfg_.lora && st.contains("lora_merged")) {
    // Current adapters and the merged ones from trainer_state.safetensors (adapter/ is the export).
    std::vector<std::pair<std::string, torch::Tensor>> cur;
    for (auto& [n, lin] : policy_->linears())
      if (lin->has_lora()) {
        cur.emplace_back("lora_current." + n + ".lora_A", lin->lora_A);
        cur.emplace_back("lora_current." + n + ".lora_B", lin->lora_B);
      }
    read_named(op, cur);
    io::SafetensorsFile f(op);
    const auto& ml = st["lora_merged"];
    for (size_t i = 0; i < ml.size(); ++i) {
      MergedAdapter ma;
      ma.r = ml[i].at("r").get<int64_t>();
      ma.scaling = ml[i].at("scaling").get<double>();
      for (auto& n : ml[i].at("modules")) {
        std::string key = "lora_merged." + std::to_string(i) + "." + n.get<std::string>();
        ma.ab[n.get<std::string>()] = {model::tensor_from_view(f.get(key + ".lora_A"), op + ":" + key).to(policy_->device()),
                                       model::tensor_from_view(f.get(key + ".lora_B"), op + ":" + key).to(policy_->device())};
      }
      merged_.push_back(std::move(ma));
    }
  } else if (cfg_.lora) {
    load_adapter(policy_, io::join_path(dir, "adapter"));  // a checkpoint from before lora_merged
  } else {
    std::vector<std::pair<std::string, torch::Tensor>> ref;
    for (auto& p : reference_->named_parameters(true)) ref.emplace_back(p.key(), p.value());
    read_named(io::join_path(dir, "reference.safetensors"), ref);
  }
  set_trainable();
  build_optimizer();
  io::SafetensorsFile f(op);
  const auto& steps = st["adam_steps"];
  torch::NoGradGuard ng;
  for (auto& [n, p] : trainable()) {
    if (steps.contains(n)) {
      auto s = std::make_unique<torch::optim::AdamWParamState>();
      s->step(steps[n].get<int64_t>());
      s->exp_avg(model::tensor_from_view(f.get(n + ".exp_avg"), op + ":" + n).to(p.device(), p.scalar_type()));
      s->exp_avg_sq(model::tensor_from_view(f.get(n + ".exp_avg_sq"), op + ":" + n).to(p.device(), p.scalar_type()));
      opt_->state()[state_key(p)] = std::move(s);
    }
    if (f.has(n + ".grad")) p.mutable_grad() = model::tensor_from_view(f.get(n + ".grad"), op + ":" + n).to(p.device(), p.scalar_type());
    else p.mutable_grad() = torch::Tensor();
  }
  auto rs = model::tensor_from_view(f.get("torch_cpu_rng"), op + ":torch_cpu_rng");
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rs);
  }
  if (f.has("coherence_memory.sum") && f.has("coherence_memory.count")) {  // tensor_from_view copies out of the file
    coherence_sum_ = model::tensor_from_view(f.get("coherence_memory.sum"), op + ":coherence_memory.sum").to(torch::kFloat64);
    coherence_count_ = model::tensor_from_view(f.get("coherence_memory.count"), op + ":coherence_memory.count").to(torch::kFloat64);
    LASER_CHECK(coherence_sum_.dim() == 2 && coherence_count_.dim() == 1 && coherence_count_.size(0) == coherence_sum_.size(0),
                op + ":coherence_memory", "the memory's sum and count do not match in shape ((G,P) and (G))",
                "the checkpoint is corrupted: resume from an earlier one");
  } else {
    coherence_sum_ = torch::Tensor();
    coherence_count_ = torch::Tensor();
  }
  rng_.set_state(st["rng"].get<std::string>());
  updates_ = st["updates"].get<int64_t>();
  accum_count_ = st["accum_count"].get<int64_t>();
  calls_ = st["calls"].get<int64_t>();
  policy_->train();
  return st.value("extra", json::object());
}

}  // namespace laser::train
