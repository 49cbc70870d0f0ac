// The pure pieces of one LASeR step, between generation and logging: reward items from samples,
// preference pairs within each prompt, the verifier's scores, the bandit's raw reward per prompt,
// and the decision/metrics lines the run writes. No model, no file: each is testable on its own.
// The step itself (contexts, choice, generation, training) is Run::step in run.cpp.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "laser/data/example.h"
#include "laser/gen/generate.h"
#include "laser/loop/phase_times.h"
#include "laser/loop/strategy.h"
#include "laser/train/pairs.h"
#include "laser/train/trainer.h"

namespace laser::loop {

// One reward item per sample (prompt-major), with the example's reference answer and category.
BatchItems make_items(const std::vector<gen::Generation>& gens, const std::vector<const data::Example*>& examples);

struct BatchPairs {
  std::vector<train::PreferencePair> pairs;                        // for the trainer
  std::vector<std::vector<std::pair<size_t, size_t>>> of_prompt;   // item indices (chosen, rejected) per prompt
  std::vector<std::vector<size_t>> samples;                        // item indices of each prompt's samples (empty: unknown)
  std::vector<bool> tied;  // per prompt: the chosen RM gave all its samples one score (it ordered nothing; empty: unknown)
  std::vector<bool> distinct;  // per prompt: at least two of its samples differ (there was something to order; empty: unknown)
};
// True when every score of `items` is finite and equal (a single item counts as tied).
bool scores_tied(const std::vector<double>& score, const std::vector<size_t>& items);
// True when two of `items` (indices into gens) are different responses (token ids).
bool samples_differ(const std::vector<gen::Generation>& gens, const std::vector<size_t>& items);
// True when `judge` gives two of `items` (indices into judge) different finite values.
bool judge_separates(const std::vector<size_t>& items, const std::vector<double>& judge);
// A sample's response ids as the trainer sees them: a response that ended at a stop id keeps it
// (the turn ends as the model ended it).
std::vector<int32_t> response_ids(const gen::Generation& g);
// A BatchPairs without pairs yet: one empty pair list per prompt, and each prompt's samples, tie
// flag (the chosen RM's scores) and distinct flag (the responses), as build_pairs and group_pairs
// both start.
BatchPairs unpaired(const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens);
// The strategy's pairs of each prompt, as token ids; pairs of identical responses are dropped.
// A response that ended at a stop id keeps it (the turn ends as the model ended it).
BatchPairs build_pairs(const Strategy& strategy, const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens,
                       const std::vector<std::vector<int32_t>>& prompt_ids, const train::PairConfig& pc);

// strategy.reward_signal = grad-align: the probe's preference pairs on a few labelled prompts.
// Per prompt (gens[g].prompt_index into prompt_ids), `score` (the verifier's, per generation)
// orders its samples: the ones with the prompt's highest finite score are chosen, every lower one
// rejected, paired so that each of them is used before any repeats (chosen[k % C] with
// rejected[k % R], k < max(C, R)), at most `max_pairs` per prompt; pairs of identical responses
// are dropped. A prompt whose samples all score alike gives none. Stop ids are kept as in
// build_pairs.
std::vector<train::PreferencePair> verified_pairs(const std::vector<gen::Generation>& gens, const std::vector<double>& score,
                                                  const std::vector<std::vector<int32_t>>& prompt_ids, int64_t max_pairs);

// The checker's score of each item whose example has a reference answer (NaN elsewhere).
std::vector<double> verifier_scores(const std::string& verifier, const BatchItems& batch, const std::vector<const data::Example*>& examples);

// strategy.reward_signal = majority-vote: a judge without reference answers. On each prompt, the
// samples' final answers (answer_key under `verifier`) vote; where one answer has strictly more
// votes than any other, and at least 2, each sample scores 1 if it gives that answer and 0 if not
// (no answer counts as another answer). Prompts without such a majority: NaN (not judged). The
// majority of a policy's own samples stands in for the reference answer (self-consistency; TTRL,
// Zuo et al. 2025, trains on it), so it helps as far as the majority is right more often than the
// RMs that disagree with it.
std::vector<double> majority_scores(const std::string& verifier, const BatchItems& batch, const std::vector<const data::Example*>& examples);

// True for the prompts whose answer the verifier signal may read under strategy.answer_rate: a
// fixed share `rate` of prompt ids (the same ones every iteration), drawn from `seed`. Pure.
bool answer_visible(const std::string& prompt_id, double rate, uint64_t seed);
// Sets the judge's scores of the items of every prompt without a visible answer to NaN.
void hide_answers(std::vector<double>& judge, const BatchItems& batch, const std::vector<const data::Example*>& examples, double rate,
                  uint64_t seed);

// strategy.unlabelled_signal = rm-agreement: every prompt none of whose items `judge` scores takes
// `fallback`'s scores (the probe's consensus) for its items.
void judge_unlabelled(std::vector<double>& judge, const std::vector<double>& fallback, const BatchItems& batch);

// The bandit's raw reward of each prompt that has pairs (NaN elsewhere). "neg-loss" (the paper):
// minus the prompt's mean pair loss (the batch loss when the trainer has none for it);
// "implicit-margin": the trainer's prompt_margin_agreement (NaN where it has none); "grad-align":
// the trainer's prompt_alignment, "grad-coherence" its prompt_coherence (NaN where it has none);
// otherwise
// ("verifier", "rm-agreement", "majority-vote") the share of the prompt's pairs, among those `judge` separates, that
// agree with it. `judge` is per item: the verifier's scores, the probe's consensus (probe.h) or
// majority_scores.
// A chosen RM that tied all of the prompt's samples (pairs.tied: it ordered nothing, so its choice
// trained nothing) earns its signal's worst value where there was something to order:
// - verifier, rm-agreement: 0 where `judge` separates two of the samples (it agreed with none of
//   the judge's preferences);
// - implicit-margin: 0 where two samples differ (pairs.distinct; it agreed with nothing the
//   policy learned);
// - grad-align, grad-coherence: 0 where two samples differ (its choice moved the policy nowhere);
// - neg-loss: where two samples differ, -inf, which charge_batch_worst turns into the lowest raw
//   reward of the batch's prompts that have pairs (NaN when none has): no loss is defined without
//   pairs, so it is charged as the batch's worst decision. (The run calls it on the whole batch,
//   after gathering every rank's rewards, so two processes charge as one does.)
// (Before, it earned no reward, so an RM blind to a prompt family was never charged for choosing
// it, and the stories world collapsed onto one.) A prompt without pairs because its samples were
// identical stays unrewarded: that is not the RM's doing.
// grpo/rloo pass group_pairs: every pair of samples the chosen RM orders. "none": all NaN.
std::vector<double> bandit_rewards(const std::string& signal, const BatchPairs& pairs, const train::StepResult& res,
                                   const std::vector<double>& judge);

// strategy.reward_signal = auto: "verifier" where the data has an answer checker (`verifier` not
// "none"; any algorithm). Without one, for DPO "grad-coherence" where the bandit learns
// (`strategy` "laser"; it beat the paper's neg-loss on the fair and stories worlds and lost to it
// where correctness is memorized facts, README) and the free "neg-loss" for strategies that learn
// nothing from their signal; for grpo/rloo (`policy_gradient`) "rm-agreement" (neg-loss means
// nothing there; grad-coherence measured no better) with two RMs or more, else "none" (only
// strategies that do not learn can run without a signal). Other settings are returned as they are.
std::string resolve_reward_signal(const std::string& setting, const std::string& verifier, bool policy_gradient,
                                  const std::string& strategy, int num_arms);

// strategy.labelled_feedback = auto: "all-rms" where the bandit learns from the verifier in
// per-query laser and some, but at most a quarter, of the `total` training prompts have a reference
// answer (`answered`; the shares README measured, where all-rms beat the chosen RM alone on every
// world), else "chosen". Other settings are returned as they are.
std::string resolve_labelled_feedback(const std::string& setting, const std::string& signal, const StrategyOptions& strategy,
                                      size_t answered, size_t total);

// strategy.labelled_feedback = all-rms: the verifier signal's raw reward of each prompt had
// `scores` (another RM's score of each item; NaN where it scored none) been the chosen RM's: its
// pairs as `strategy` builds them (`group`: every pair of samples it orders, as grpo/rloo and
// strategy.signal_pairs = group judge), judged by `judge` as bandit_rewards("verifier") judges.
// NaN for a prompt with an item the RM did not score, or where `judge` separates nothing.
std::vector<double> rewards_if_chosen(const Strategy& strategy, const std::vector<double>& scores, const BatchItems& batch,
                                      const std::vector<gen::Generation>& gens, const train::PairConfig& pc,
                                      const std::vector<double>& judge, bool group = false);

// Replaces every -inf in `raw` (bandit_rewards' mark of a neg-loss choice that ordered nothing)
// with the lowest finite value of `raw`, or NaN when there is none.
void charge_batch_worst(std::vector<double>& raw);

// strategy.log_signals: adds to each decision line {"signals": {"neg-loss", "verifier",
// "rm-agreement", "implicit-margin"}}, every signal this step can compute (null where it has
// none), whichever one the bandit learned from, so that signals can be compared on the same
// decisions.
void add_signals(std::vector<nlohmann::json>& decisions, const BatchPairs& pairs, const train::StepResult& res,
                 const std::vector<double>& verifier, const std::vector<double>& consensus);

// One decisions.jsonl line per prompt.
std::vector<nlohmann::json> decision_lines(int64_t step, int64_t iteration, const std::vector<const data::Example*>& examples,
                                           const Scored& scored, const std::vector<std::string>& arm_names, const std::string& strategy,
                                           const std::vector<double>& raw, const std::vector<double>& norm);

// The metrics.jsonl line of a step (arm counts from the decision lines).
nlohmann::json step_metrics(int64_t step, int64_t iteration, int64_t batch, const BatchPairs& pairs, const train::StepResult& res,
                            const std::vector<nlohmann::json>& decisions, const StepTimes& t, const std::vector<double>& raw,
                            const std::vector<double>& norm, const reward::RewardCost& rm_cost);

}  // namespace laser::loop
