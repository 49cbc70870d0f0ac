// Classifier RM (see classifier_rm.h): prompt and response ids concatenated, batched by length
// with left or right padding, CausalLM::classify reads the last real token of each row.
#include "laser/reward/classifier_rm.h"

#include <algorithm>
#include <numeric>

#include "laser/core/timer.h"
#include "laser/model/causal_lm.h"
#include "laser/text/tokenizer.h"

namespace laser::reward {

struct ClassifierRM::State {
  model::CausalLM model{nullptr};
  std::shared_ptr<text::Tokenizer> tok;
  int64_t pad = 0;
};

ClassifierRM::ClassifierRM(std::string name, Options o) : RewardModel(std::move(name)), o_(std::move(o)) {}
ClassifierRM::~ClassifierRM() = default;

void ClassifierRM::load() {
  if (st_) return;
  auto st = std::make_unique<State>();
  st->tok = text::load_tokenizer(o_.src.tokenizer_path());
  st->model = model::load_model(o_.src.model_dir, o_.src.device, o_.src.dtype);
  const auto& cfg = st->model->config();
  LASER_CHECK(cfg.is_classifier(), o_.src.model_dir, "classifier RM '" + name() + "' needs a sequence classifier, got " + cfg.architecture,
              "create one with `laser init-model --classifier` or use kind = \"lm-likelihood\"");
  LASER_CHECK(o_.label >= 0 && o_.label < cfg.num_labels, "label",
              "label " + std::to_string(o_.label) + " outside the score head's " + std::to_string(cfg.num_labels) + " outputs",
              "use 0 for a one-output reward model");
  if (auto p = st->tok->pad_id()) st->pad = *p;
  else if (cfg.pad_token_id) st->pad = *cfg.pad_token_id;
  st->model->eval();
  st_ = std::move(st);
}

void ClassifierRM::unload() { st_.reset(); }
bool ClassifierRM::loaded() const { return st_ != nullptr; }

std::vector<double> ClassifierRM::score(const std::vector<RewardItem>& items) {
  Timer t;
  load();
  torch::NoGradGuard ng;
  auto enc = encode_items(*st_->tok, o_.src, items);
  std::vector<std::vector<int32_t>> seqs(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    seqs[i] = enc.prompts[i];
    seqs[i].insert(seqs[i].end(), enc.responses[i].begin(), enc.responses[i].end());
  }
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seqs[a].size() < seqs[b].size(); });
  std::vector<double> out(items.size());
  size_t bs = static_cast<size_t>(std::max(1, o_.src.batch_size));
  for (size_t s = 0; s < order.size(); s += bs) {
    size_t e = std::min(order.size(), s + bs);
    int64_t B = static_cast<int64_t>(e - s), T = 0;
    for (size_t k = s; k < e; ++k) T = std::max<int64_t>(T, static_cast<int64_t>(seqs[order[k]].size()));
    // ids (B,T) padded with the pad id, mask (B,T) 1 on real tokens
    auto ids = torch::full({B, T}, st_->pad, torch::kLong);
    auto mask = torch::zeros({B, T}, torch::kLong);
    auto ia = ids.accessor<int64_t, 2>();
    auto ma = mask.accessor<int64_t, 2>();
    for (int64_t b = 0; b < B; ++b) {
      const auto& q = seqs[order[s + b]];
      int64_t L = static_cast<int64_t>(q.size()), off = o_.left_padding ? T - L : 0;
      for (int64_t k = 0; k < L; ++k) {
        ia[b][off + k] = q[k];
        ma[b][off + k] = 1;
      }
    }
    auto scores = st_->model->classify(ids, mask).select(1, o_.label).to(torch::kCPU, torch::kDouble).contiguous();  // (B)
    auto sa = scores.accessor<double, 1>();
    for (int64_t b = 0; b < B; ++b) out[order[s + b]] = sa[b];
  }
  add_cost(static_cast<int64_t>(items.size()), enc.tokens, t.seconds());
  return out;
}

}  // namespace laser::reward
