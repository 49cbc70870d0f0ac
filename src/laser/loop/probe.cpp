// The rm-agreement probe (see probe.h).
#include "laser/loop/probe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "laser/core/log.h"
#include "laser/core/rng.h"
#include "laser/reward/reward_model.h"

namespace laser::loop {

std::vector<double> normalized_ranks(const std::vector<double>& scores, const std::vector<size_t>& idx) {
  const size_t n = idx.size();
  std::vector<double> out(n, 0.5);
  if (n < 2) return out;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[idx[a]] < scores[idx[b]]; });
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && scores[idx[order[j + 1]]] == scores[idx[order[i]]]) ++j;
    double mean_rank = 0.5 * static_cast<double>(i + j);  // ties share their mean rank
    for (size_t k = i; k <= j; ++k) out[order[k]] = mean_rank / static_cast<double>(n - 1);
    i = j + 1;
  }
  return out;
}

ProbeResult probe_consensus(const Scored& scored, const BatchItems& batch, Arms& arms, double rate, uint64_t seed) {
  ProbeResult r;
  r.consensus.assign(batch.items.size(), NAN);
  Rng rng(seed);
  std::vector<bool> probed(batch.of_prompt.size(), false);
  for (size_t b = 0; b < probed.size(); ++b) {
    double u = rng.uniform();  // one draw per prompt, probed or not, so the stream does not depend on the arms
    probed[b] = scored.arm[b] >= 0 && !batch.of_prompt[b].empty() && u < rate;
  }
  std::vector<double> sum(batch.items.size(), 0.0);
  std::vector<int> count(batch.of_prompt.size(), 0);
  for (int k = 0; k < arms.size(); ++k) {
    // This arm probes the probed prompts that another arm scored.
    std::vector<size_t> prompts;
    std::vector<reward::RewardItem> items;
    for (size_t b = 0; b < probed.size(); ++b)
      if (probed[b] && scored.arm[b] != k) {
        prompts.push_back(b);
        for (size_t g : batch.of_prompt[b]) items.push_back(batch.items[g]);
      }
    if (items.empty()) continue;
    std::vector<double> s;
    try {
      s = score_with(arms, k, items);
    } catch (const reward::RewardModelFailure& e) {
      log::warn("probe: reward model '{}' failed ({}); left out of this step's consensus", arms.names[k], e.what());
      continue;
    }
    size_t off = 0;
    for (size_t b : prompts) {
      const auto& g = batch.of_prompt[b];
      std::vector<size_t> local(g.size());
      std::iota(local.begin(), local.end(), off);
      auto ranks = normalized_ranks(s, local);
      for (size_t i = 0; i < g.size(); ++i) sum[g[i]] += ranks[i];
      ++count[b];
      off += g.size();
    }
  }
  for (size_t b = 0; b < probed.size(); ++b) {
    if (count[b] == 0) continue;
    ++r.prompts;
    for (size_t g : batch.of_prompt[b]) r.consensus[g] = sum[g] / count[b];
  }
  return r;
}

}  // namespace laser::loop
