// Implicit-DPO RM (see implicit_dpo.h): two teacher-forced passes, policy and reference.
#include "laser/reward/implicit_dpo.h"

#include "laser/core/timer.h"
#include "laser/gen/logprobs.h"
#include "laser/model/causal_lm.h"
#include "laser/text/tokenizer.h"

namespace laser::reward {

struct ImplicitDpoRM::State {
  model::CausalLM policy{nullptr}, ref{nullptr};
  std::shared_ptr<text::Tokenizer> tok;
};

ImplicitDpoRM::ImplicitDpoRM(std::string name, Options o) : RewardModel(std::move(name)), o_(std::move(o)) {}
ImplicitDpoRM::~ImplicitDpoRM() = default;

void ImplicitDpoRM::load() {
  if (st_) return;
  auto st = std::make_unique<State>();
  st->tok = text::load_tokenizer(o_.src.tokenizer_path());
  st->policy = model::load_model(o_.src.model_dir, o_.src.device, o_.src.dtype);
  st->ref = model::load_model(o_.ref_model_dir, o_.src.device, o_.src.dtype);
  for (auto* m : {&st->policy, &st->ref}) {
    LASER_CHECK(!(*m)->config().is_classifier(), m == &st->policy ? o_.src.model_dir : o_.ref_model_dir,
                "implicit-DPO RM '" + name() + "' needs causal LMs, got a sequence classifier", "point model and ref_model at causal LMs");
    (*m)->eval();
  }
  LASER_CHECK(st->policy->config().vocab_size == st->ref->config().vocab_size, o_.ref_model_dir,
              "reference vocabulary " + std::to_string(st->ref->config().vocab_size) + " differs from the model's " +
                  std::to_string(st->policy->config().vocab_size),
              "the reference must share the model's tokenizer");
  st_ = std::move(st);
}

void ImplicitDpoRM::unload() { st_.reset(); }
bool ImplicitDpoRM::loaded() const { return st_ != nullptr; }

std::vector<double> ImplicitDpoRM::score(const std::vector<RewardItem>& items) {
  Timer t;
  load();
  auto enc = encode_items(*st_->tok, o_.src, items);
  auto lp = gen::response_logprobs(st_->policy, enc.prompts, enc.responses, o_.src.batch_size);
  auto lr = gen::response_logprobs(st_->ref, enc.prompts, enc.responses, o_.src.batch_size);
  std::vector<double> out(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    double d = 0;
    for (size_t k = 0; k < lp[i].size(); ++k) d += static_cast<double>(lp[i][k]) - static_cast<double>(lr[i][k]);
    if (o_.length_normalize && !lp[i].empty()) d /= static_cast<double>(lp[i].size());
    out[i] = o_.beta * d;
  }
  add_cost(static_cast<int64_t>(items.size()), 2 * enc.tokens, t.seconds());
  return out;
}

}  // namespace laser::reward
