// Evaluation of a policy on a dataset: generate one response per example (greedy by default),
// check it with the task's answer checker (numeric, multiple choice, yes/no, exact, token F1), and
// report accuracy overall and per category. Not a trainer; used by `laser train` and `laser eval`.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "laser/data/example.h"
#include "laser/gen/sampling.h"
#include "laser/model/causal_lm.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"

namespace laser::loop {

struct EvalResult {
  std::string metric = "accuracy";              // "accuracy", or "win_rate" (instruction data judged against a baseline)
  double accuracy = 0;                          // mean score in [0,1] (the win rate when metric is win_rate)
  std::map<std::string, double> per_category;   // mean score per category
  std::map<std::string, int> count;             // examples per category
  int n = 0;                                    // examples scored (those with a reference answer)
  std::vector<std::string> responses;           // in dataset order
  std::vector<double> scores;                   // in dataset order; NaN for an example without a reference answer
  double seconds = 0;                           // wall time of the evaluation (RunEvaluator sets it)
};

// "auto" -> the checker of a data format: gsm8k/world -> gsm8k, mmlu -> mmlu, strategyqa -> yesno,
// nq/longbench -> f1 (longbench items with choices: mmlu), instructions -> none (use win rate).
// "story" (the stories world's constraints, data/stories.h) is only ever chosen explicitly.
std::string resolve_verifier(const std::string& verifier, const std::string& data_format);
// Score in [0,1] of one response to an example under a checker.
double check_answer(const std::string& verifier, const std::string& response, const data::Example& e);

// The final answer of a response under a checker, in a form two responses can be compared by
// (strategy.reward_signal = majority-vote): gsm8k the number ("%.9g"), mmlu the letter, yesno
// "yes"/"no", exact and f1 the normalized answer span (f1 with choices: the letter). nullopt when
// the response holds none, or for a checker without final answers (story, none).
std::optional<std::string> answer_key(const std::string& verifier, const std::string& response, const data::Example& e);

// Greedy (or sampled) responses of `m` to the prompts of `d`, one per example, in order; prompts
// encoded by `pe` (raw or chat-templated), generation also stopping at its end-of-turn id.
std::vector<std::string> respond(model::CausalLM& m, const text::Tokenizer& tok, const data::Dataset& d, const gen::SamplingParams& sp,
                                 const text::PromptEncoder& pe = {});

// The result of `responses` (responses[i] answers d.examples[i]) under a checker.
EvalResult score_responses(const data::Dataset& d, const std::string& verifier, std::vector<std::string> responses);

EvalResult evaluate(model::CausalLM& m, const text::Tokenizer& tok, const data::Dataset& d, const std::string& verifier,
                    const gen::SamplingParams& sp, const text::PromptEncoder& pe = {});

}  // namespace laser::loop
