// How a training run evaluates its policy on dev (after each iteration) and test (at the end):
// accuracy under the task's answer checker, or, for instruction data (no checker), the win rate
// against the starting policy's responses judged by the [[rm]] that eval.judge names. Those
// responses are written to the run directory at the start, so a resumed run judges against them.
// Under data parallelism each rank answers its share of the split (seeded as the whole split would
// be) and the responses are gathered; rank 0 alone judges a win rate and keeps the baseline file.
// Not the evaluator itself (evaluator.h, win_rate.h).
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "laser/data/example.h"
#include "laser/loop/config.h"
#include "laser/loop/evaluator.h"
#include "laser/reward/reward_model.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"

namespace laser::train {
class Distributed;
}

namespace laser::loop {

class RunEvaluator {
 public:
  // `verifier` is the resolved checker ("none": win rate, which needs a judge in cfg's [[rm]]);
  // `train_sp` the run's sampling (stop ids included), which eval.* adjusts.
  RunEvaluator(const Config& cfg, const RunConfig& rc, const gen::SamplingParams& train_sp, const std::string& verifier,
               std::shared_ptr<text::Tokenizer> tok, text::PromptEncoder pe, std::string baseline_path,
               std::shared_ptr<train::Distributed> dist = nullptr);
  // Fresh run: records the starting policy's dev and test responses (win rate only).
  void record_baseline(model::CausalLM& policy, const data::Dataset& dev, const data::Dataset& test);
  // Resumed run: reads them back (rank 0).
  void load_baseline();
  // The result on every rank (a win rate: on rank 0; the other ranks get the metric name only).
  EvalResult evaluate(model::CausalLM& policy, const data::Dataset& ds, const std::string& split);

 private:
  // One response per example of `ds`, in order (each rank generates its shard).
  std::vector<std::string> responses(model::CausalLM& policy, const data::Dataset& ds);
  bool is_main() const;
  std::shared_ptr<train::Distributed> dist_;
  std::string verifier_;
  std::shared_ptr<text::Tokenizer> tok_;
  text::PromptEncoder pe_;
  gen::SamplingParams sp_;
  std::unique_ptr<reward::RewardModel> judge_;
  double tie_margin_ = 0;
  std::string baseline_path_;
  nlohmann::json baseline_;
};

// eval.jsonl's line for a result.
nlohmann::json eval_json(const EvalResult& r, int64_t iteration, const std::string& split);

}  // namespace laser::loop
