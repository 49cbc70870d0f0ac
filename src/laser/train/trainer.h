// The preference trainer: one call = one optimizer step of DPO (+NLL, IPO, hinge, SimPO) or SFT on
// a batch, with AdamW (weight decay on matrices only), warmup + constant/linear/cosine schedules,
// gradient accumulation, global-norm clipping, NaN/inf skip, LoRA or full fine-tuning, a reference
// model, atomic checkpoints and c10d data parallelism. Follows TRL's DPOTrainer semantics.
// Not the LASeR loop (loop/) and not a data loader (the caller passes token ids).
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "laser/core/rng.h"
#include "laser/model/causal_lm.h"
#include "laser/train/distributed.h"
#include "laser/train/losses.h"
#include "laser/train/pairs.h"
#include "laser/train/policy_gradient.h"

namespace laser::train {

struct TrainerConfig {
  double lr = 5e-6;                  // peak learning rate (METHOD: 5e-6)
  double weight_decay = 0.0;         // AdamW decoupled decay, matrices only (0: off)
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  int64_t warmup_steps = 0;          // linear warmup over this many optimizer updates (0: off)
  std::string schedule = "constant"; // "constant", "linear" (to 0 at total_steps), "cosine" (to 0 at total_steps)
  int64_t total_steps = 0;           // optimizer updates planned; required by linear and cosine
  int64_t grad_accum = 1;            // step() calls per optimizer update
  double max_grad_norm = 1.0;        // global-norm clipping (0: off)
  int64_t micro_batch = 16;          // pairs (or SFT examples) per forward; a prompt's pairs stay together (0: all)
  bool lora = true;                  // LoRA adapters (false: full fine-tuning)
  int64_t lora_r = 16;
  double lora_alpha = 32.0;
  double lora_dropout = 0.1;
  std::vector<std::string> lora_targets{"q_proj", "v_proj"};
  LossConfig loss;                   // DPO + NLL by default
  PolicyGradientConfig pg;           // algorithm: dpo (step) or grpo / rloo (rl_step)
  uint64_t seed = 0;                 // torch RNG (LoRA init, dropout) and the trainer's Rng
  std::string base_model_path;       // HF directory the policy was loaded from: the saved adapter's
                                     // base_model_name_or_path (made absolute; "" = unknown)
  void validate(const std::string& where) const;
  nlohmann::json to_json() const;
  static TrainerConfig from_json(const nlohmann::json& j, const std::string& where);
};

struct StepResult {
  double loss = 0.0;                       // mean over the global batch (NaN when skipped for a non-finite loss)
  std::map<std::string, double> metrics;   // TRL names + lr, grad_norm, tokens, sequences
  bool skipped = false;                    // non-finite loss or gradient: no update, gradients dropped
  bool updated = false;                    // an optimizer update happened (every grad_accum calls)
  // Mean per-pair loss of each prompt (by PreferencePair::prompt_index) on this rank: the bandit's
  // per-query neg-loss reward. Empty for SFT steps.
  std::map<size_t, double> prompt_loss;
  // Per prompt (as above), the share of its pairs, among those with a nonzero implicit margin, that
  // the policy already orders like the pair before this step's update: its log-ratio to the
  // reference, log pi/pi_ref, is higher on the chosen response than on the rejected one. The
  // bandit's "implicit-margin" reward: does what the policy has learned since the last reference
  // sync (from other prompts) agree with this RM on a prompt it has not trained on yet? Empty for
  // SFT steps and for losses without a reference (simpo, dpo_weight 0); a prompt whose margins are
  // all zero (right after a sync) has no entry.
  std::map<size_t, double> prompt_margin_agreement;
  // Per prompt (as above), after set_alignment_probe: the cosine between the gradient of its pairs'
  // mean loss and the gradient of the probe pairs' mean loss, both at the parameters before this
  // step's update (the bandit's "grad-align" reward: would training on this RM's pairs move the
  // policy the way the verified probe pairs do?). Empty without a probe, for skipped steps and
  // for a zero probe gradient; a prompt whose own gradient is zero has no entry.
  std::map<size_t, double> prompt_alignment;
  // Per prompt (as above), after set_coherence_groups: the mean cosine between the gradient of its
  // pairs' mean loss (rl_step: its group's policy-gradient loss, without KL, at ratio 1) and that of
  // each other prompt of its group, at the parameters before this step's update (the bandit's
  // "grad-coherence" reward: does this RM's preference here teach what its preferences on the
  // batch's other prompts teach? Preferences that follow a rule the policy can learn give gradients
  // that agree across prompts; chance-level ones cancel). Empty without
  // groups and for skipped steps; a prompt alone in its group, or whose gradient is zero, has no
  // entry.
  std::map<size_t, double> prompt_coherence;
};

// A generation batch for rl_step: n responses of each prompt, prompt-major (responses[i] answers
// prompts[i / n]), each with its reward (the routed RM's score).
struct GroupBatch {
  std::vector<std::vector<int32_t>> prompts;    // (G) unique prompts
  std::vector<std::vector<int32_t>> responses;  // (G*n) response ids
  std::vector<double> rewards;                  // (G*n)
  int64_t n = 0;                                // group size, >= 2
};

// The checkpoint directory save_checkpoint wrote at `dir`: `dir` itself, or, after a save that was
// interrupted between its two renames, the previous checkpoint at its "<dir>.old-<pid>" sibling (with
// a warning). laser::Error naming `dir` when neither holds a trainer_state.json.
std::string resolve_checkpoint(const std::string& dir);

// Takes this rank's share of a global batch: the pairs whose prompt_index % world == rank, so all
// pairs of a prompt stay on one rank (their shared sequences are forwarded once).
std::vector<PreferencePair> shard_pairs(const std::vector<PreferencePair>& pairs, int rank, int world);

class Trainer {
 public:
  // With cfg.lora the policy gets adapters (unless it has some) and only they train; the reference
  // is the same model with adapters disabled. Without LoRA every parameter trains and the
  // reference is a frozen deep copy. `dist` null: a world of one. Under data parallelism every
  // rank starts from rank 0's weights (broadcast).
  Trainer(model::CausalLM policy, TrainerConfig cfg, std::shared_ptr<Distributed> dist = nullptr);

  // One step on this rank's pairs (the loss is the mean over all ranks' pairs).
  StepResult step(const std::vector<PreferencePair>& pairs);
  // Pairs that the next step() measures every prompt's gradient against (StepResult::
  // prompt_alignment): preference pairs a verifier ordered on a few labelled prompts. Used by the
  // next step() only (its prompt_index is ignored); the gradients are taken in eval mode (no
  // dropout), so the probe draws no random numbers and leaves the update unchanged. Costs one
  // extra forward and backward of the probe and of each prompt's pairs.
  void set_alignment_probe(std::vector<PreferencePair> probe);
  // The group of each of this rank's prompts in the next step() (group_of[prompt_index] in
  // [0, num_groups), e.g. the RM that ordered its pairs) for StepResult::prompt_coherence. Used by
  // the next step() only, in eval mode like the probe (the update is unchanged); costs one extra
  // forward and backward of each prompt's pairs. step() measures each prompt's preference pairs;
  // rl_step() each group's policy-gradient loss (group g is prompt g). Under data parallelism every
  // rank must call it before the same step (an empty group_of where it has no prompts): the
  // groups' sums of unit gradients (num_groups x parameters, f64) are all-reduced.
  // memory in [0, 1]: each group also compares against its earlier steps' unit gradients, each
  // weighted memory^age (age 1: the previous step), so a prompt alone in its group this step is
  // still measured; 0 (no memory) compares within this step only. The memory (num_groups x
  // parameters, f64) is kept in checkpoints; it restarts (with a warning) when num_groups or the
  // compared length changes.
  // dims > 0: where there are more trainable parameters than dims, each gradient is replaced by its
  // count sketch of dims entries (grad_sketch.h), so the sums and memory are num_groups x dims and
  // cosines are kept in expectation; 0 compares the exact gradients.
  void set_coherence_groups(std::vector<int64_t> group_of, int64_t num_groups, double memory = 0.0, int64_t dims = 0);
  // GRPO or RLOO (cfg.pg.algorithm) on this rank's groups: advantages from the rewards, then
  // cfg.pg.num_iterations optimizer steps on the same samples (policy_gradient.h). Metrics: TRL's
  // reward, reward_std, frac_reward_zero_std, kl, clip_ratio/*, completions/mean_length.
  StepResult rl_step(const GroupBatch& batch);
  // SFT: per-token mean NLL of responses given prompts (over all ranks' tokens).
  StepResult sft_step(const std::vector<std::vector<int32_t>>& prompts, const std::vector<std::vector<int32_t>>& responses);

  // Makes the reference equal to the current policy. Full fine-tuning: copies the weights into the
  // frozen copy. LoRA: merges the adapters into the base weights and adds fresh adapters (B = 0),
  // so policy == reference exactly; the AdamW state of the adapters restarts. The merged adapters
  // are kept (a copy, not trained further) for export_adapter().
  void sync_reference();

  // LoRA: writes, in PEFT layout, the adapter trained since construction: every adapter merged by
  // sync_reference() and the current one, stacked into one adapter of the summed rank (A rows and
  // B columns concatenated; alpha = scaling * rank), so that the base model the trainer started
  // from plus this adapter gives the policy (up to float rounding of the merges).
  // base_model_name_or_path: the absolute cfg.base_model_path.
  void export_adapter(const std::string& dir);

  // Atomic (temporary directory, then rename), format-versioned, written by rank 0 only: policy
  // weights (model.safetensors: adapters merged by sync_reference() included, the current ones
  // not), the trained adapter (export_adapter(), under adapter/), frozen reference (full fine-tuning),
  // AdamW state, schedule step, accumulation state, RNG states, config and `extra` (data cursor).
  void save_checkpoint(const std::string& dir, const nlohmann::json& extra = nlohmann::json::object());
  // Restores everything save_checkpoint wrote and returns `extra`. A directory lost between the
  // two renames of an interrupted save is found at its ".old-*" sibling.
  nlohmann::json load_checkpoint(const std::string& dir);

  model::CausalLM policy() { return policy_; }
  const TrainerConfig& config() const { return cfg_; }
  int64_t updates() const { return updates_; }
  double current_lr() const;
  const Distributed& dist() const { return *dist_; }
  // Trainable parameters by name (adapters only under LoRA).
  std::vector<std::pair<std::string, torch::Tensor>> trainable();

 private:
  void build_optimizer();
  // Forward of a chunk of pairs (deduplicated sequences, reference log-probs where the loss has
  // one) and its preference loss; tokens and sequences forwarded, for the metrics. train_mode:
  // the policy's forward (not the reference's) runs in train mode.
  struct PairForward {
    LossInputs in;
    LossOutput out;
    double tokens = 0, seqs = 0;
  };
  PairForward forward_pairs(const std::vector<const PreferencePair*>& chunk, bool train_mode);
  // d(mean per-pair loss of `pairs`)/d(trainable parameters), in eval mode, in chunks of
  // cfg.micro_batch pairs; undefined ones are 0.
  std::vector<torch::Tensor> pairs_gradient(const std::vector<const PreferencePair*>& pairs);
  // prompt_alignment of `pairs` against probe_ (empty when the probe's gradient is zero).
  std::map<size_t, double> prompt_alignment(const std::vector<PreferencePair>& pairs);
  // prompt_coherence of `pairs` within groups_.
  std::map<size_t, double> prompt_coherence(const std::vector<PreferencePair>& pairs);
  // rl_step's: each group's policy-gradient loss (without the KL term: what the RM's ranking alone
  // teaches) at ratio 1, in eval mode, against the other groups of its groups_ entry (a collective
  // under data parallelism).
  std::map<size_t, double> group_coherence(const GroupBatch& b, const torch::Tensor& adv);
  // The mean cosine of each prompt's gradient (prompt index -> its gradient_direction_vector,
  // normalized here in place) with those of the other prompts of its groups_ entry on every rank;
  // see StepResult::prompt_coherence. A collective under data parallelism; clears the groups.
  std::map<size_t, double> coherence_within_groups(std::map<size_t, torch::Tensor> unit);
  void set_trainable();
  double lr_at(int64_t update) const;
  // Forward + backward of one chunk; returns weighted metric sums and whether the loss was finite.
  StepResult finish_step(std::map<std::string, double> sums, double global_count, bool bad, double tokens, double seqs);

  model::CausalLM policy_;
  model::CausalLM reference_{nullptr};  // full fine-tuning only
  TrainerConfig cfg_;
  std::shared_ptr<Distributed> dist_;
  std::unique_ptr<torch::optim::AdamW> opt_;
  std::vector<std::string> decay_names_, no_decay_names_;
  int64_t updates_ = 0, accum_count_ = 0, calls_ = 0;
  Rng rng_;
  // LoRA: the adapters merged into the base by sync_reference(), oldest first.
  struct MergedAdapter {
    std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> ab;  // module -> (A (r,in), B (out,r))
    int64_t r = 0;
    double scaling = 0.0;
  };
  std::vector<MergedAdapter> merged_;
  std::vector<PreferencePair> probe_;  // set_alignment_probe's pairs, for the next step()
  std::vector<int64_t> groups_;        // set_coherence_groups', for the next step()
  int64_t num_groups_ = 0;             // 0: no coherence asked for the next step()
  double coherence_memory_ = 0.0;      // set_coherence_groups' memory, for the next step()
  int64_t coherence_dims_ = 0;         // set_coherence_groups' dims (0: exact gradients)
  torch::Tensor coherence_sum_;        // (G,P) f64: each group's unit gradients of earlier steps, weighted memory^age
  torch::Tensor coherence_count_;      // (G) f64: their weights' sums
};

}  // namespace laser::train
