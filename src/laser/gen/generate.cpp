// Batched generation (see generate.h): prompts sorted by length and left-padded, each prefilled
// once into a preallocated KV cache, expanded to n rows with KVCache::select_rows, then decoded
// one token per step (the cache keeps positions and padding) with finished rows compacted out of
// the cache in place. Follows HF generate()'s sampling semantics.
#include "laser/gen/generate.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "laser/core/error.h"
#include "laser/model/autocast.h"
#include "laser/model/left_pad.h"

namespace laser::gen {

namespace {

// Earliest position of any stop string in `text`, or npos.
size_t find_stop(const std::string& text, const std::vector<std::string>& stops) {
  size_t best = std::string::npos;
  for (auto& s : stops) best = std::min(best, text.find(s));
  return best;
}

}  // namespace

std::vector<Generation> generate(model::CausalLM& m, const text::Tokenizer& tok,
                                 const std::vector<std::vector<int32_t>>& prompts, const SamplingParams& p) {
  return generate(m, &tok, prompts, p);
}

std::vector<Generation> generate(model::CausalLM& m, const text::Tokenizer* tok,
                                 const std::vector<std::vector<int32_t>>& prompts, const SamplingParams& p) {
  p.validate("sampling");
  LASER_CHECK(tok || p.stop_strings.empty(), "sampling.stop_strings", "stop strings need a tokenizer", "pass the model's tokenizer");
  LASER_CHECK(!m->config().is_classifier(), "generate", "the model is a sequence classifier", "generate with a causal LM");
  const int64_t V = m->config().vocab_size;
  for (size_t i = 0; i < prompts.size(); ++i) {
    LASER_CHECK(!prompts[i].empty(), "prompt " + std::to_string(i), "empty prompt", "a prompt needs at least one token (BOS)");
    for (int32_t id : prompts[i])
      LASER_CHECK(id >= 0 && id < V, "prompt " + std::to_string(i),
                  "token id " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(V) + ")",
                  "the tokenizer does not match the model");
  }
  std::set<int64_t> stop_ids(p.stop_ids.begin(), p.stop_ids.end());
  if (tok)
    for (int32_t s : tok->stop_ids()) stop_ids.insert(s);
  if (tok && p.stop_at_bos)
    if (auto b = tok->bos_id()) stop_ids.insert(*b);

  torch::NoGradGuard ng;
  // Full fine-tuning at bf16 (f32 master weights under autocast): one autocast region around the
  // whole generation, so each trainable weight is cast once per call, not once per decoding step.
  model::Autocast ac(m->device(), m->autocast_dtype());
  const bool was_training = m->is_training();
  m->eval();
  const auto dev = m->device();
  const int n = p.n;
  const size_t P = prompts.size();
  std::vector<Generation> out(P * n);
  std::vector<Rng> rngs;
  rngs.reserve(P * n);
  for (size_t i = 0; i < P; ++i)
    for (int s = 0; s < n; ++s) {
      auto& g = out[i * n + s];
      g.prompt_index = i;
      g.sample_index = s;
      rngs.emplace_back(mix_seed(p.seed, (p.first_prompt_index + i) * n + s));
    }

  // Rows in decoding order: prompts by length (less padding), then sample index.
  std::vector<size_t> porder(P);
  std::iota(porder.begin(), porder.end(), 0);
  std::stable_sort(porder.begin(), porder.end(), [&](size_t a, size_t b) { return prompts[a].size() < prompts[b].size(); });
  std::vector<size_t> rows;
  rows.reserve(P * n);
  for (size_t i : porder)
    for (int s = 0; s < n; ++s) rows.push_back(i * n + s);

  const auto lopts = torch::TensorOptions().dtype(torch::kLong);
  for (size_t c0 = 0; c0 < rows.size(); c0 += p.batch_size) {
    size_t c1 = std::min(rows.size(), c0 + static_cast<size_t>(p.batch_size));
    // Distinct prompts of this chunk, in order, and each row's prompt slot.
    std::vector<size_t> uniq;
    std::vector<int64_t> slot;
    for (size_t r = c0; r < c1; ++r) {
      size_t pi = rows[r] / n;
      if (uniq.empty() || uniq.back() != pi) uniq.push_back(pi);
      slot.push_back(static_cast<int64_t>(uniq.size() - 1));
    }
    std::vector<const std::vector<int32_t>*> uniq_rows;
    for (size_t pi : uniq) uniq_rows.push_back(&prompts[pi]);
    auto padded = model::left_pad(uniq_rows);  // (U,L)
    const int64_t U = static_cast<int64_t>(uniq.size()), L = padded.length;
    // The cache records the prompt's padding at the prefill and marks each decoded token real
    // itself, so decoding steps pass no mask (see CausalLM::hidden_states).
    model::KVCache cache;
    cache.reserve(L + p.max_new_tokens);
    auto hidden = m->hidden_states(padded.ids, padded.mask.to(dev), &cache);  // (U,L,d), ids checked on the host
    auto logits = m->lm_logits(hidden.select(1, L - 1));               // (U,V) f32
    std::vector<size_t> active(rows.begin() + c0, rows.begin() + c1);  // output index per batch row
    if (static_cast<int64_t>(active.size()) != U) {
      cache.select_rows(slot);  // expand each prompt to its rows: buffers allocated once at this size
      logits = logits.index_select(0, torch::tensor(slot, lopts).to(dev));
    }
    TokenSampler sampler(p);
    std::vector<int64_t> na;  // (A) sampled ids
    std::vector<float> la;    // (A) their log-probs
    std::vector<Rng*> rr;
    std::vector<int64_t> keep;
    // The next step's ids, (A,1) int64 on the host: the model range-checks them there (no sync)
    // and copies them to the device itself, asynchronously from pinned memory on a GPU (the
    // buffer is rewritten only after the next sampling, which waits for the logits anyway).
    // One buffer for the chunk, narrowed as rows finish.
    auto next_buf = torch::empty({static_cast<int64_t>(active.size()), 1}, lopts.pinned_memory(dev.is_cuda()));
    for (int step = 0; step < p.max_new_tokens; ++step) {
      rr.clear();
      for (size_t r : active) rr.push_back(&rngs[r]);
      sampler.sample(logits, rr, na, la);
      keep.clear();
      for (size_t a = 0; a < active.size(); ++a) {
        Generation& g = out[active[a]];
        int64_t t = na[a];
        if (stop_ids.count(t)) {
          g.finish_reason = "stop";
          g.stop_id = static_cast<int32_t>(t);
          continue;
        }
        g.ids.push_back(static_cast<int32_t>(t));
        g.logprobs.push_back(la[a]);
        if (!p.stop_strings.empty() && find_stop(tok->decode(g.ids, true), p.stop_strings) != std::string::npos) {
          g.finish_reason = "stop";
          continue;
        }
        if (static_cast<int>(g.ids.size()) >= p.max_new_tokens) {
          g.finish_reason = "length";
          continue;
        }
        keep.push_back(static_cast<int64_t>(a));
      }
      if (keep.empty()) break;
      if (keep.size() != active.size()) {
        cache.select_rows(keep);  // finished rows leave: the kept ones are compacted in place
        std::vector<size_t> na2;
        for (int64_t a : keep) na2.push_back(active[a]);
        active.swap(na2);
      }
      const int64_t A = static_cast<int64_t>(active.size());
      auto next_t = next_buf.narrow(0, 0, A);  // (A,1)
      int64_t* nx = next_t.data_ptr<int64_t>();
      for (int64_t a = 0; a < A; ++a) nx[a] = na[keep[a]];
      logits = m->forward(next_t, {}, &cache).select(1, 0);  // (A,V)
    }
  }
  if (tok) {
    for (auto& g : out) {
      g.text = tok->decode(g.ids, true);
      if (!p.stop_strings.empty()) {
        size_t pos = find_stop(g.text, p.stop_strings);
        if (pos != std::string::npos) g.text.resize(pos);
      }
    }
  }
  if (was_training) m->train();
  return out;
}

}  // namespace laser::gen
