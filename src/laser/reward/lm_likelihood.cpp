// LM-likelihood RM (see lm_likelihood.h): teacher-forced log-probs from gen::response_logprobs,
// reduced per item. The model loads on first use and is freed by unload().
#include "laser/reward/lm_likelihood.h"

#include "laser/core/timer.h"
#include "laser/gen/logprobs.h"
#include "laser/model/causal_lm.h"
#include "laser/text/tokenizer.h"

namespace laser::reward {

Reduction parse_reduction(const std::string& s, const std::string& where) {
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  throw Error("unknown reduction '" + s + "'", where, "use \"mean\" or \"sum\"");
}

struct LmLikelihoodRM::State {
  model::CausalLM model{nullptr};
  std::shared_ptr<text::Tokenizer> tok;
};

LmLikelihoodRM::LmLikelihoodRM(std::string name, Options o) : RewardModel(std::move(name)), o_(std::move(o)) {}
LmLikelihoodRM::~LmLikelihoodRM() = default;

void LmLikelihoodRM::load() {
  if (st_) return;
  auto st = std::make_unique<State>();
  st->tok = text::load_tokenizer(o_.src.tokenizer_path());
  st->model = model::load_model(o_.src.model_dir, o_.src.device, o_.src.dtype);
  LASER_CHECK(!st->model->config().is_classifier(), o_.src.model_dir, "reward model '" + name() + "' needs a causal LM, got a sequence classifier",
              "use kind = \"classifier\" for a score-head model");
  st->model->eval();
  st_ = std::move(st);
}

void LmLikelihoodRM::unload() { st_.reset(); }
bool LmLikelihoodRM::loaded() const { return st_ != nullptr; }

std::vector<double> LmLikelihoodRM::reduce(const std::vector<std::vector<float>>& lps) const {
  std::vector<double> out(lps.size());
  for (size_t i = 0; i < lps.size(); ++i) {
    double s = 0;
    for (float v : lps[i]) s += v;
    if (o_.reduction == Reduction::Sum) out[i] = s;
    else out[i] = lps[i].empty() ? o_.empty_score : s / static_cast<double>(lps[i].size());
  }
  return out;
}

std::vector<double> LmLikelihoodRM::score(const std::vector<RewardItem>& items) {
  Timer t;
  load();
  auto enc = encode_items(*st_->tok, o_.src, items);
  auto out = reduce(gen::response_logprobs(st_->model, enc.prompts, enc.responses, o_.src.batch_size));
  add_cost(static_cast<int64_t>(items.size()), enc.tokens, t.seconds());
  return out;
}

std::vector<double> LmLikelihoodRM::score_ids(const std::vector<std::vector<int32_t>>& prompts,
                                              const std::vector<std::vector<int32_t>>& responses) {
  Timer t;
  load();
  int64_t tokens = 0;
  for (size_t i = 0; i < prompts.size() && i < responses.size(); ++i) tokens += static_cast<int64_t>(prompts[i].size() + responses[i].size());
  auto out = reduce(gen::response_logprobs(st_->model, prompts, responses, o_.src.batch_size));
  add_cost(static_cast<int64_t>(prompts.size()), tokens, t.seconds());
  return out;
}

}  // namespace laser::reward
