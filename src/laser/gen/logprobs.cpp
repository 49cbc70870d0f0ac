// Teacher-forced response log-probs (see logprobs.h), batched with left padding and sorted by
// length. No gradients; the trainer computes its own. Follows TRL's get_batch_logps semantics.
#include "laser/gen/logprobs.h"

#include <algorithm>

#include "laser/core/error.h"
#include "laser/model/left_pad.h"

namespace laser::gen {

std::vector<std::vector<float>> response_logprobs(model::CausalLM& m, const std::vector<std::vector<int32_t>>& prompts,
                                                  const std::vector<std::vector<int32_t>>& responses, int batch_size) {
  LASER_CHECK(prompts.size() == responses.size(), "response_logprobs",
              std::to_string(prompts.size()) + " prompts but " + std::to_string(responses.size()) + " responses",
              "give one response per prompt");
  LASER_CHECK(batch_size > 0, "response_logprobs", "batch_size must be positive", "use 16");
  torch::NoGradGuard ng;
  std::vector<std::vector<float>> out(prompts.size());
  // Sort by length so that batches hold similar lengths (less padding).
  std::vector<size_t> order(prompts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return prompts[a].size() + responses[a].size() < prompts[b].size() + responses[b].size();
  });
  for (size_t s = 0; s < order.size(); s += batch_size) {
    size_t e = std::min(order.size(), s + batch_size);
    std::vector<std::vector<int32_t>> rows;  // prompt + response, left-padded below
    for (size_t k = s; k < e; ++k) {
      size_t i = order[k];
      LASER_CHECK(!prompts[i].empty(), "response_logprobs item " + std::to_string(i), "empty prompt",
                  "a prompt needs at least one token (BOS)");
      rows.push_back(prompts[i]);
      rows.back().insert(rows.back().end(), responses[i].begin(), responses[i].end());
    }
    const int64_t B = static_cast<int64_t>(e - s);
    auto padded = model::left_pad(rows);  // ids, mask (B,T)
    const int64_t T = padded.length;
    auto& ids = padded.ids;
    auto& mask = padded.mask;
    // Only the positions that predict a response token need logits: the hidden states of the last
    // Rm+1 .. 2nd-to-last columns (Rm = longest response in the batch; rows are left-padded, so
    // every response ends at column T-1). log p = logit[target] - logsumexp(logits).
    int64_t Rm = 0;
    for (int64_t b = 0; b < B; ++b) Rm = std::max<int64_t>(Rm, static_cast<int64_t>(responses[order[s + b]].size()));
    if (Rm == 0) {
      for (int64_t b = 0; b < B; ++b) out[order[s + b]].clear();
      continue;
    }
    auto h = m->hidden_states(ids, mask).narrow(1, T - 1 - Rm, Rm);   // (B,Rm,d)
    auto logits = m->lm_logits(h);                                     // (B,Rm,V) f32
    auto tgt = ids.narrow(1, T - Rm, Rm).to(logits.device()).unsqueeze(-1);
    auto tok_lp = (logits.gather(-1, tgt).squeeze(-1) - logits.logsumexp(-1)).to(torch::kCPU).contiguous();  // (B,Rm)
    auto ta = tok_lp.accessor<float, 2>();
    for (int64_t b = 0; b < B; ++b) {
      size_t i = order[s + b];
      int64_t R = static_cast<int64_t>(responses[i].size());
      std::vector<float>& v = out[i];
      v.resize(R);
      // response token r sits at column T-R+r and is predicted at column T-R+r-1, i.e. at Rm-R+r here
      for (int64_t r = 0; r < R; ++r) v[r] = ta[b][Rm - R + r];
    }
  }
  return out;
}

}  // namespace laser::gen
