// Dev and test evaluation of a training run (see run_eval.h).
#include "laser/loop/run_eval.h"

#include "laser/core/error.h"
#include "laser/core/rng.h"
#include "laser/core/timer.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/shard.h"
#include "laser/loop/win_rate.h"
#include "laser/reward/reward_factory.h"

namespace laser::loop {

using json = nlohmann::json;

RunEvaluator::RunEvaluator(const Config& cfg, const RunConfig& rc, const gen::SamplingParams& train_sp, const std::string& verifier,
                           std::shared_ptr<text::Tokenizer> tok, text::PromptEncoder pe, std::string baseline_path,
                           std::shared_ptr<train::Distributed> dist)
    : dist_(std::move(dist)), verifier_(verifier), tok_(std::move(tok)), pe_(std::move(pe)), sp_(train_sp), tie_margin_(rc.eval.tie_margin),
      baseline_path_(std::move(baseline_path)) {
  sp_.temperature = rc.eval.temperature;
  if (rc.eval.max_new_tokens > 0) sp_.max_new_tokens = static_cast<int>(rc.eval.max_new_tokens);
  sp_.seed = mix_seed(static_cast<uint64_t>(rc.run.seed), 7);
  if (verifier_ != "none") return;
  // The judge: a fresh instance of the [[rm]] named by eval.judge (required when there are several:
  // a silent default would favour that arm), so judging neither loads the arms' weights twice at
  // once nor adds to their RM cost.
  auto* arr = cfg.reward_models();
  LASER_CHECK(arr && !arr->empty(), "eval.judge", "a win-rate evaluation needs a judge but no [[rm]] is configured", "add [[rm]] tables");
  judge_ = reward::pick_reward_model(*arr, rc.eval.judge, cfg.source().empty() ? std::string("config") : cfg.source(), "eval.judge");
}

void RunEvaluator::record_baseline(model::CausalLM& policy, const data::Dataset& dev, const data::Dataset& test) {
  if (!judge_) return;
  baseline_ = {{"dev", responses(policy, dev)}, {"test", responses(policy, test)}};
  if (!is_main()) return;
  // Invalid UTF-8 in a response is written as U+FFFD (the judge then sees that text after a resume).
  io::write_file_atomic(baseline_path_, baseline_.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
}

void RunEvaluator::load_baseline() {
  if (!judge_ || !is_main()) return;
  LASER_CHECK(io::file_exists(baseline_path_), baseline_path_, "the starting policy's responses are missing, so the win rate cannot go on",
              "start the run again without --resume");
  baseline_ = io::read_json(baseline_path_);
}

EvalResult RunEvaluator::evaluate(model::CausalLM& policy, const data::Dataset& ds, const std::string& split) {
  Timer timer;
  const bool sharded = dist_ && dist_->world_size() > 1;
  if (!judge_) {
    auto r = sharded ? score_responses(ds, verifier_, this->responses(policy, ds)) : loop::evaluate(policy, *tok_, ds, verifier_, sp_, pe_);
    r.seconds = timer.seconds();
    return r;
  }
  auto responses = this->responses(policy, ds);
  if (!is_main()) {
    EvalResult r;
    r.metric = "win_rate";
    return r;
  }
  std::vector<std::string> base = baseline_.at(split).get<std::vector<std::string>>();
  auto w = judge_win_rate(*judge_, ds, responses, base, tie_margin_);
  judge_->unload();  // an extra model beside the arms: held only while judging
  EvalResult r;
  r.metric = "win_rate";
  r.accuracy = w.win_rate;
  r.per_category = w.per_category;
  r.count = w.count;
  r.n = w.n;
  r.responses = std::move(responses);
  r.seconds = timer.seconds();
  return r;
}

bool RunEvaluator::is_main() const { return !dist_ || dist_->is_main(); }

std::vector<std::string> RunEvaluator::responses(model::CausalLM& policy, const data::Dataset& ds) {
  if (!dist_ || dist_->world_size() == 1) return respond(policy, *tok_, ds, sp_, pe_);
  const Shard sh = shard_of(ds.size(), dist_->rank(), dist_->world_size());
  data::Dataset part;
  part.name = ds.name;
  part.examples.assign(ds.examples.begin() + static_cast<std::ptrdiff_t>(sh.begin), ds.examples.begin() + static_cast<std::ptrdiff_t>(sh.end));
  gen::SamplingParams sp = sp_;
  sp.first_prompt_index = sh.begin;
  return gather_strings(*dist_, respond(policy, *tok_, part, sp, pe_), "gather of evaluation responses");
}

json eval_json(const EvalResult& r, int64_t iteration, const std::string& split) {
  return {{"iteration", iteration}, {"split", split}, {"metric", r.metric}, {"accuracy", r.accuracy}, {"per_category", r.per_category}, {"n", r.n},
          {"time_eval", r.seconds}};
}

}  // namespace laser::loop
