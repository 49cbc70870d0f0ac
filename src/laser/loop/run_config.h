// RunConfig: everything `laser train` reads, as the typed structs of the modules it drives
// (SamplingParams, StrategyOptions with its BanditConfig, PairConfig, TrainerConfig) plus the run,
// policy, data and eval sections. Each default lives once, in these structs; the binding table in
// config.cpp maps each TOML key to its field with its doc line and valid range, and from it come
// parsing, validation (file:line), `--list-keys`, the resolved config.toml and README's reference.
// Not the TOML reader itself (config.h) and not the loop (run.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "laser/gen/sampling.h"
#include "laser/loop/strategy.h"
#include "laser/train/pairs.h"
#include "laser/train/trainer.h"

namespace laser::loop {

struct RunSection {
  std::string name = "laser";          // run directory name under out_dir
  std::string out_dir = "runs";        // where run directories are created
  int64_t seed = 0;                    // data order, sampling, bandit and noise
  int64_t iterations = 10;             // M: iterations over the training prompts (authors: 10)
  std::string device = "cpu";          // cpu, cuda or cuda:N
  std::string dtype = "f32";           // f32, bf16, f16
  int64_t threads = 0;                 // intra-op threads; 0 = all cores
  double early_stop_loss = 0.1;        // stop when an iteration's mean loss is below this (authors: 0.1); 0 = off
  int64_t checkpoint_every_steps = 0;  // also checkpoint every N steps; 0 = only at iteration ends
  int64_t max_steps = 0;               // stop after this many steps in total; 0 = no limit
  int64_t keep_checkpoints = 0;        // keep only the newest N checkpoints; 0 = all
  double dist_timeout = 300;           // data parallelism: seconds a rank waits for a peer before it stops naming it
};

struct PolicySection {
  std::string model;          // HF model directory; required
  std::string chat_template;  // "" = raw prompts; auto or a template name = prompts as a user turn
  std::string system_prompt;  // system message of the chat template
};

struct DataSection {
  std::string format = "world";        // gsm8k, strategyqa, mmlu, instructions, longbench, nq, jsonl, world
  std::string path;                    // dataset file or folder (world: ignored)
  int64_t train_size = 0;              // 0 = everything left after dev and test
  int64_t dev_size = 32;
  int64_t test_size = 64;
  std::string template_spec = "reasoning";
  std::vector<std::string> world_skills{"add", "mul", "cmp"};
  int64_t world_size = 600;
  int64_t world_max = 9;
  int64_t batch_size = 16;             // prompts per step (authors: 16)
  bool dedup = true;                   // drop examples whose prompt repeats an earlier one (test never repeats train)
};

struct EvalSection {
  int64_t max_new_tokens = 0;          // 0 = generation.max_new_tokens
  double temperature = 0.0;            // 0 = greedy
  std::string verifier = "auto";
  std::string judge;                   // win rate: the [[rm]] that judges
  double tie_margin = 0.0;
};

struct RunConfig {
  RunSection run;
  PolicySection policy;
  DataSection data;
  gen::SamplingParams generation = default_generation();
  StrategyOptions strategy;
  std::string mode = "per-query";        // strategy.mode: per-query or per-batch (sets strategy.per_batch)
  std::string pooling = "mean-input";    // strategy.pooling
  std::string reward_signal = "auto";    // strategy.reward_signal: auto (the run resolves it), neg-loss, verifier, rm-agreement, implicit-margin, grad-align, grad-coherence or majority-vote
  int64_t align_prompts = 32;            // strategy.align_prompts: grad-align's labelled probe prompts
  int64_t coherence_dims = 4194304;      // strategy.coherence_dims: grad-coherence sketches gradients of more parameters than this (0: never)
  double coherence_memory = 0.5;         // strategy.coherence_memory: grad-coherence's weight per step of age on earlier steps' gradients (0.5 measured best, README)
  double answer_rate = 1.0;              // strategy.answer_rate: share of training prompts whose answer the verifier signal may read
  std::string labelled_feedback = "auto";  // strategy.labelled_feedback: auto, chosen, or all-rms (every RM's reward on answered prompts)
  std::string unlabelled_signal = "none";  // strategy.unlabelled_signal: the verifier signal's judge where a prompt has no answer
  double probe_rate = 1.0;               // strategy.probe_rate: share of prompts the rm-agreement probe re-scores
  std::string probe_weighting = "equal"; // strategy.probe_weighting: equal, decorrelated (near-copy RMs vote about once), leave-copies-out (the chosen RM's copies do not vouch for it)
  bool log_signals = false;              // strategy.log_signals: every signal in decisions.jsonl
  std::string signal_pairs = "train";    // strategy.signal_pairs: pairs the agreement signals judge (train or group)
  train::PairConfig pairs;
  train::TrainerConfig train;
  EvalSection eval;

  static gen::SamplingParams default_generation() {
    gen::SamplingParams p;
    p.n = 30;  // the authors' 30 samples per prompt
    return p;
  }
};

}  // namespace laser::loop
