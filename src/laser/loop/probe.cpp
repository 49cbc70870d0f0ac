// The rm-agreement probe (see probe.h).
#include "laser/loop/probe.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "laser/core/error.h"
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

std::vector<std::vector<double>> rank_correlations(const std::vector<std::vector<double>>& ranks, int64_t min_items) {
  const size_t K = ranks.size();
  std::vector<std::vector<double>> rho(K, std::vector<double>(K, 0.0));
  for (size_t k = 0; k < K; ++k) {
    rho[k][k] = 1.0;
    for (size_t j = k + 1; j < K; ++j) {
      double xy = 0, xx = 0, yy = 0;
      int64_t n = 0;
      for (size_t g = 0; g < ranks[k].size() && g < ranks[j].size(); ++g) {
        if (std::isnan(ranks[k][g]) || std::isnan(ranks[j][g])) continue;
        double x = ranks[k][g] - 0.5, y = ranks[j][g] - 0.5;  // normalized ranks center on 0.5 within a prompt
        xy += x * y;
        xx += x * x;
        yy += y * y;
        ++n;
      }
      rho[k][j] = rho[j][k] = n >= min_items && xx > 0 && yy > 0 ? xy / std::sqrt(xx * yy) : 0.0;
    }
  }
  return rho;
}

ProbeWeighting parse_probe_weighting(const std::string& s) {
  if (s == "equal") return ProbeWeighting::Equal;
  if (s == "decorrelated") return ProbeWeighting::Decorrelated;
  if (s == "leave-copies-out") return ProbeWeighting::LeaveCopiesOut;
  throw Error("unknown probe weighting '" + s + "'", "strategy.probe_weighting", "use equal, decorrelated or leave-copies-out");
}

// Each arm's normalized ranks with the chosen arms' own scores added: ranks[k] holds k's ranks as
// a probe RM; this adds, for every prompt k scored itself, k's ranks of its own scores, so the
// chosen RM shares its own prompts with every probe RM.
static std::vector<std::vector<double>> with_own_ranks(std::vector<std::vector<double>> ranks, const Scored& scored,
                                                       const BatchItems& batch) {
  for (size_t b = 0; b < batch.of_prompt.size() && b < scored.arm.size(); ++b) {
    const int k = scored.arm[b];
    if (k < 0 || static_cast<size_t>(k) >= ranks.size() || scored.score.size() < batch.items.size()) continue;
    const auto& g = batch.of_prompt[b];
    auto rk = normalized_ranks(scored.score, g);
    for (size_t i = 0; i < g.size(); ++i) ranks[static_cast<size_t>(k)][g[i]] = rk[i];
  }
  return ranks;
}

std::optional<std::vector<double>> score_prompts(Arms& arms, int k, const BatchItems& batch, const std::vector<size_t>& prompts,
                                                 const std::string& who, const std::string& consequence) {
  std::vector<reward::RewardItem> items;
  for (size_t b : prompts)
    for (size_t g : batch.of_prompt[b]) items.push_back(batch.items[g]);
  std::vector<double> v;
  try {
    v = score_with(arms, k, items);
  } catch (const reward::RewardModelFailure& e) {
    log::warn("{}: reward model '{}' failed ({}); {}", who, arms.names[k], e.what(), consequence);
    return std::nullopt;
  }
  std::vector<double> score(batch.items.size(), NAN);
  size_t at = 0;
  for (size_t b : prompts)
    for (size_t g : batch.of_prompt[b]) score[g] = v[at++];
  return score;
}

ProbeResult probe_consensus(const Scored& scored, const BatchItems& batch, Arms& arms, double rate, uint64_t seed,
                            ProbeWeighting weighting) {
  ProbeResult r;
  const size_t n_items = batch.items.size();
  r.consensus.assign(n_items, NAN);
  Rng rng(seed);
  std::vector<bool> probed(batch.of_prompt.size(), false);
  for (size_t b = 0; b < probed.size(); ++b) {
    double u = rng.uniform();  // one draw per prompt, probed or not, so the stream does not depend on the arms
    probed[b] = scored.arm[b] >= 0 && !batch.of_prompt[b].empty() && u < rate;
  }
  // ranks[k][g]: arm k's normalized rank of item g within its prompt (NaN: k did not score it).
  std::vector<std::vector<double>> ranks(static_cast<size_t>(arms.size()), std::vector<double>(n_items, NAN));
  for (int k = 0; k < arms.size(); ++k) {
    // This arm probes the probed prompts that another arm scored.
    std::vector<size_t> prompts;
    for (size_t b = 0; b < probed.size(); ++b)
      if (probed[b] && scored.arm[b] != k) prompts.push_back(b);
    if (prompts.empty()) continue;
    auto s = score_prompts(arms, k, batch, prompts, "probe", "left out of this step's consensus");
    if (!s) continue;
    for (size_t b : prompts) {
      const auto& g = batch.of_prompt[b];
      auto rk = normalized_ranks(*s, g);
      for (size_t i = 0; i < g.size(); ++i) ranks[static_cast<size_t>(k)][g[i]] = rk[i];
    }
  }
  // Decorrelated: a probe RM's vote is divided by how many copies of it the probe holds (1 plus
  // its positive rank correlations with the other probe RMs on this batch), so near-duplicate RMs
  // count about once together instead of outvoting the rest. Leave-copies-out: a probe RM's vote
  // is 1 minus its positive rank correlation with the chosen RM, so the chosen RM's copies (which
  // agree with it whether it is right or not) do not vouch for it.
  const bool decorrelate = weighting == ProbeWeighting::Decorrelated;
  const bool leave_copies_out = weighting == ProbeWeighting::LeaveCopiesOut;
  std::vector<std::vector<double>> rho;
  if (decorrelate) rho = rank_correlations(ranks, 8);
  if (leave_copies_out) rho = rank_correlations(with_own_ranks(ranks, scored, batch), 8);
  for (size_t b = 0; b < probed.size(); ++b) {
    if (!probed[b]) continue;
    std::vector<int> voters;
    for (int k = 0; k < arms.size(); ++k)
      if (k != scored.arm[b] && !std::isnan(ranks[static_cast<size_t>(k)][batch.of_prompt[b][0]])) voters.push_back(k);
    if (voters.empty()) continue;
    std::vector<double> w(voters.size(), 1.0);
    if (decorrelate)
      for (size_t a = 0; a < voters.size(); ++a) {
        double copies = 1.0;
        for (size_t c = 0; c < voters.size(); ++c)
          if (c != a) copies += std::max(0.0, rho[static_cast<size_t>(voters[a])][static_cast<size_t>(voters[c])]);
        w[a] = 1.0 / copies;
      }
    if (leave_copies_out)
      for (size_t a = 0; a < voters.size(); ++a)
        w[a] = 1.0 - std::max(0.0, rho[static_cast<size_t>(scored.arm[b])][static_cast<size_t>(voters[a])]);
    double wsum = std::accumulate(w.begin(), w.end(), 0.0);
    if (!(wsum > 1e-12)) continue;  // every voter is a copy of the chosen RM: nothing independent judges it
    ++r.prompts;
    for (size_t g : batch.of_prompt[b]) {
      double v = 0;
      for (size_t a = 0; a < voters.size(); ++a) v += w[a] * ranks[static_cast<size_t>(voters[a])][g];
      r.consensus[g] = v / wsum;
    }
  }
  return r;
}

}  // namespace laser::loop
