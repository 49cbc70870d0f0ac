// Shared-prompt log-prob forward (see sequence_logprobs.h). Prompts are left-padded and encoded with
// a KV cache; the cache rows are gathered per response, and responses (right-padded) attend to it.
#include "laser/train/sequence_logprobs.h"

#include <algorithm>

#include "laser/core/error.h"
#include "laser/model/left_pad.h"

namespace laser::train {

SequenceLogps sequence_logprobs(model::CausalLM& m, const std::vector<std::vector<int32_t>>& prompts,
                                const std::vector<std::vector<int32_t>>& responses, const std::vector<size_t>& response_prompt, double temperature) {
  LASER_CHECK(responses.size() == response_prompt.size(), "sequence_logprobs", "one prompt index per response is needed",
              "pass response_prompt of the same length as responses");
  auto dev = m->device();
  auto lopt = torch::TensorOptions().dtype(torch::kLong);
  int64_t N = static_cast<int64_t>(responses.size());
  SequenceLogps out;
  if (N == 0) {
    out.sum = torch::zeros({0}, torch::TensorOptions().dtype(torch::kFloat32).device(dev));
    out.tokens = out.sum.clone();
    out.token = out.sum.clone();
    out.seq = torch::zeros({0}, lopt.device(dev));
    return out;
  }
  int64_t Tp = 0, Tr = 0;
  for (auto& p : prompts) {
    LASER_CHECK(!p.empty(), "sequence_logprobs", "a prompt is empty", "every prompt needs at least one token (BOS)");
    Tp = std::max<int64_t>(Tp, p.size());
  }
  for (size_t i = 0; i < responses.size(); ++i) {
    LASER_CHECK(response_prompt[i] < prompts.size(), "sequence_logprobs", "response " + std::to_string(i) + " names a missing prompt",
                "indices must be < prompts.size()");
    Tr = std::max<int64_t>(Tr, responses[i].size());
  }
  // Prompts, left-padded: ids (P,Tp), mask (P,Tp).
  auto padded = model::left_pad(prompts);
  auto pid = padded.ids, pmask = padded.mask;
  // Responses, right-padded: ids (N,Tr), mask (N,Tr).
  auto rid = torch::zeros({N, std::max<int64_t>(Tr, 1)}, lopt), rmask = torch::zeros({N, std::max<int64_t>(Tr, 1)}, lopt);
  auto ra = rid.accessor<int64_t, 2>(), rm = rmask.accessor<int64_t, 2>();
  std::vector<int64_t> rows(N);
  for (int64_t i = 0; i < N; ++i) {
    rows[i] = static_cast<int64_t>(response_prompt[i]);
    for (size_t t = 0; t < responses[i].size(); ++t) { ra[i][t] = responses[i][t]; rm[i][t] = 1; }
  }
  Tr = rid.size(1);
  auto row_idx = torch::tensor(rows, lopt).to(dev);
  pid = pid.to(dev); pmask = pmask.to(dev); rid = rid.to(dev); rmask = rmask.to(dev);

  model::KVCache cache;
  auto ph = m->hidden_states(pid, pmask, &cache);                 // (Pn,Tp,d)
  for (size_t l = 0; l < cache.k.size(); ++l) {                   // (N,H,Tp,D) per layer
    cache.k[l] = cache.k[l].index_select(0, row_idx);
    cache.v[l] = cache.v[l].index_select(0, row_idx);
  }
  auto full_mask = torch::cat({pmask.index_select(0, row_idx), rmask}, 1);  // (N,Tp+Tr)
  auto rh = m->hidden_states(rid, full_mask, &cache);              // (N,Tr,d)
  // The hidden state that predicts response token t: prompt's last for t=0, response t-1 after.
  auto first = ph.select(1, Tp - 1).index_select(0, row_idx).unsqueeze(1);  // (N,1,d)
  auto pred = Tr > 1 ? torch::cat({first, rh.narrow(1, 0, Tr - 1)}, 1) : first;  // (N,Tr,d)
  auto flat_mask = rmask.reshape({-1}).to(torch::kBool);
  auto sel = flat_mask.nonzero().squeeze(1);                       // (Ntok)
  auto h = pred.reshape({N * Tr, -1}).index_select(0, sel);        // (Ntok,d)
  auto targets = rid.reshape({-1}).index_select(0, sel);           // (Ntok)
  auto seq = torch::arange(N, lopt.device(dev)).repeat_interleave(Tr).index_select(0, sel);  // (Ntok)
  auto logits = m->lm_logits(h);                                   // (Ntok,V) f32
  if (temperature != 1.0) logits = logits / temperature;
  auto tok_logp = -torch::nn::functional::cross_entropy(
      logits, targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));  // (Ntok)
  out.sum = torch::zeros({N}, tok_logp.options()).index_add(0, seq, tok_logp);
  out.tokens = rmask.sum(1).to(torch::kFloat32);
  out.token = tok_logp;
  out.seq = seq;
  return out;
}

}  // namespace laser::train
