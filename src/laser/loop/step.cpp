// The pure pieces of one LASeR step (see step.h).
#include "laser/loop/step.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "laser/core/rng.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/group_step.h"

namespace laser::loop {

using json = nlohmann::json;

namespace {
json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Mean of the finite values; NaN when there are none.
double finite_mean(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) { s += x; ++n; }
  return n ? s / n : NAN;
}
}  // namespace

bool judge_separates(const std::vector<size_t>& items, const std::vector<double>& judge) {
  double first = NAN;
  for (size_t g : items) {
    if (g >= judge.size() || !std::isfinite(judge[g])) continue;
    if (!std::isfinite(first)) first = judge[g];
    else if (judge[g] != first) return true;
  }
  return false;
}

std::vector<int32_t> response_ids(const gen::Generation& g) {
  auto v = g.ids;
  if (g.stop_id >= 0) v.push_back(g.stop_id);
  return v;
}

bool samples_differ(const std::vector<gen::Generation>& gens, const std::vector<size_t>& items) {
  if (items.empty() || items[0] >= gens.size()) return false;
  for (size_t g : items)
    if (g < gens.size() && gens[g].ids != gens[items[0]].ids) return true;
  return false;
}

bool scores_tied(const std::vector<double>& score, const std::vector<size_t>& items) {
  for (size_t g : items)
    if (g >= score.size() || !std::isfinite(score[g]) || score[g] != score[items[0]]) return false;
  return true;
}

BatchPairs unpaired(const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens) {
  BatchPairs out;
  out.of_prompt.resize(batch.of_prompt.size());
  out.samples = batch.of_prompt;
  out.tied.resize(batch.of_prompt.size());
  out.distinct.resize(batch.of_prompt.size());
  for (size_t b = 0; b < batch.of_prompt.size(); ++b) {
    out.tied[b] = scores_tied(scored.score, batch.of_prompt[b]);
    out.distinct[b] = samples_differ(gens, batch.of_prompt[b]);
  }
  return out;
}

BatchItems make_items(const std::vector<gen::Generation>& gens, const std::vector<const data::Example*>& ex) {
  BatchItems b;
  b.of_prompt.resize(ex.size());
  for (size_t g = 0; g < gens.size(); ++g) {
    b.of_prompt[gens[g].prompt_index].push_back(g);
    const auto* e = ex[gens[g].prompt_index];
    b.items.push_back({e->prompt, gens[g].text, e->answer.empty() ? std::nullopt : std::optional<std::string>(e->answer), e->category});
  }
  return b;
}

BatchPairs build_pairs(const Strategy& strategy, const Scored& scored, const BatchItems& batch, const std::vector<gen::Generation>& gens,
                       const std::vector<std::vector<int32_t>>& prompt_ids, const train::PairConfig& pc) {
  BatchPairs out = unpaired(scored, batch, gens);
  for (size_t b = 0; b < batch.of_prompt.size(); ++b) {
    const auto& items = batch.of_prompt[b];
    for (auto& [c, r] : strategy.pairs(scored, items, pc)) {
      size_t gc = items[c], gr = items[r];
      if (gens[gc].ids == gens[gr].ids) continue;  // identical responses teach nothing
      out.pairs.push_back({prompt_ids[b], response_ids(gens[gc]), response_ids(gens[gr]), b});
      out.of_prompt[b].push_back({gc, gr});
    }
  }
  return out;
}

std::vector<train::PreferencePair> verified_pairs(const std::vector<gen::Generation>& gens, const std::vector<double>& score,
                                                  const std::vector<std::vector<int32_t>>& prompt_ids, int64_t max_pairs) {
  std::vector<std::vector<size_t>> of_prompt(prompt_ids.size());
  for (size_t g = 0; g < gens.size() && g < score.size(); ++g)
    if (gens[g].prompt_index < of_prompt.size() && std::isfinite(score[g])) of_prompt[gens[g].prompt_index].push_back(g);
  std::vector<train::PreferencePair> out;
  for (size_t b = 0; b < of_prompt.size(); ++b) {
    double best = -INFINITY;
    for (size_t g : of_prompt[b]) best = std::max(best, score[g]);
    std::vector<size_t> chosen, rejected;
    for (size_t g : of_prompt[b]) (score[g] == best ? chosen : rejected).push_back(g);
    if (chosen.empty() || rejected.empty()) continue;
    const size_t k_max = std::max(chosen.size(), rejected.size());
    int64_t made = 0;
    for (size_t k = 0; k < k_max && made < max_pairs; ++k) {
      size_t c = chosen[k % chosen.size()], r = rejected[k % rejected.size()];
      if (gens[c].ids == gens[r].ids) continue;
      out.push_back({prompt_ids[b], response_ids(gens[c]), response_ids(gens[r]), b});
      ++made;
    }
  }
  return out;
}

bool answer_visible(const std::string& id, double rate, uint64_t seed) {
  if (rate >= 1.0) return true;
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the id, then splitmix with the seed
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  return static_cast<double>(mix_seed(seed ^ 0xa5a5, h) >> 11) * 0x1.0p-53 < rate;
}

void hide_answers(std::vector<double>& judge, const BatchItems& batch, const std::vector<const data::Example*>& ex, double rate,
                  uint64_t seed) {
  for (size_t b = 0; b < ex.size() && b < batch.of_prompt.size(); ++b)
    if (!answer_visible(ex[b]->id, rate, seed))
      for (size_t g : batch.of_prompt[b])
        if (g < judge.size()) judge[g] = NAN;
}

void judge_unlabelled(std::vector<double>& judge, const std::vector<double>& fallback, const BatchItems& batch) {
  for (const auto& items : batch.of_prompt) {
    bool scored = false;
    for (size_t g : items) scored = scored || (g < judge.size() && std::isfinite(judge[g]));
    if (scored) continue;
    for (size_t g : items)
      if (g < judge.size() && g < fallback.size()) judge[g] = fallback[g];
  }
}

std::vector<double> verifier_scores(const std::string& verifier, const BatchItems& batch, const std::vector<const data::Example*>& ex) {
  std::vector<double> v(batch.items.size(), NAN);
  for (size_t b = 0; b < ex.size(); ++b)
    if (!ex[b]->answer.empty())
      for (size_t g : batch.of_prompt[b]) v[g] = check_answer(verifier, batch.items[g].response, *ex[b]);
  return v;
}

std::vector<double> majority_scores(const std::string& verifier, const BatchItems& batch, const std::vector<const data::Example*>& ex) {
  std::vector<double> v(batch.items.size(), NAN);
  for (size_t b = 0; b < ex.size() && b < batch.of_prompt.size(); ++b) {
    std::vector<std::optional<std::string>> key;
    std::map<std::string, int> votes;
    for (size_t g : batch.of_prompt[b]) {
      key.push_back(answer_key(verifier, batch.items[g].response, *ex[b]));
      if (key.back()) ++votes[*key.back()];
    }
    const std::string* winner = nullptr;
    int top = 0, second = 0;
    for (auto& [k, c] : votes) {
      if (c > top) { second = top; top = c; winner = &k; }
      else second = std::max(second, c);
    }
    if (!winner || top < 2 || top == second) continue;
    for (size_t i = 0; i < key.size(); ++i) v[batch.of_prompt[b][i]] = key[i] && *key[i] == *winner ? 1.0 : 0.0;
  }
  return v;
}

std::vector<double> bandit_rewards(const std::string& signal, const BatchPairs& pairs, const train::StepResult& res,
                                   const std::vector<double>& vscore) {
  std::vector<double> raw(pairs.of_prompt.size(), NAN);
  if (signal == "none") return raw;  // grpo/rloo without answers: strategies that do not learn
  const bool agreement = signal != "neg-loss" && signal != "implicit-margin" && signal != "grad-align" && signal != "grad-coherence";
  std::vector<size_t> ordered_nothing;  // tied prompts where there was something to order
  for (size_t b = 0; b < raw.size(); ++b) {
    if (pairs.of_prompt[b].empty()) {
      const bool tied = b < pairs.tied.size() && pairs.tied[b] && b < pairs.samples.size();
      if (tied && (agreement ? judge_separates(pairs.samples[b], vscore) : b < pairs.distinct.size() && pairs.distinct[b]))
        ordered_nothing.push_back(b);
      continue;
    }
    if (signal == "neg-loss") {
      auto it = res.prompt_loss.find(b);
      raw[b] = it != res.prompt_loss.end() ? -it->second : -res.loss;
      continue;
    }
    if (signal == "implicit-margin" || signal == "grad-align" || signal == "grad-coherence") {
      const auto& of = signal == "grad-align"       ? res.prompt_alignment
                       : signal == "grad-coherence" ? res.prompt_coherence
                                                    : res.prompt_margin_agreement;
      auto it = of.find(b);
      if (it != of.end()) raw[b] = it->second;
      continue;
    }
    double agree = 0;
    int n = 0;
    for (auto& [gc, gr] : pairs.of_prompt[b]) {
      if (!std::isfinite(vscore[gc]) || !std::isfinite(vscore[gr]) || vscore[gc] == vscore[gr]) continue;
      agree += vscore[gc] > vscore[gr] ? 1 : 0;
      ++n;
    }
    if (n > 0) raw[b] = agree / n;
  }
  // The signal's worst value: 0 for the agreements; for neg-loss a mark that charge_batch_worst
  // turns into the whole batch's lowest once every rank's rewards are gathered.
  for (size_t b : ordered_nothing) raw[b] = signal == "neg-loss" ? -INFINITY : 0.0;
  return raw;
}

std::string resolve_reward_signal(const std::string& setting, const std::string& verifier, bool policy_gradient,
                                  const std::string& strategy, int num_arms) {
  if (setting != "auto") return setting;
  if (verifier != "none") return "verifier";
  if (!policy_gradient) return strategy == "laser" ? "grad-coherence" : "neg-loss";
  return num_arms >= 2 ? "rm-agreement" : "none";
}

std::string resolve_labelled_feedback(const std::string& setting, const std::string& signal, const StrategyOptions& strategy,
                                      size_t answered, size_t total) {
  if (setting != "auto") return setting;
  const bool learns = signal == "verifier" && strategy.name == "laser" && !strategy.per_batch;
  return learns && answered > 0 && 4 * answered <= total ? "all-rms" : "chosen";
}

std::vector<double> rewards_if_chosen(const Strategy& strategy, const std::vector<double>& scores, const BatchItems& batch,
                                      const std::vector<gen::Generation>& gens, const train::PairConfig& pc,
                                      const std::vector<double>& judge, bool group) {
  const size_t nb = batch.of_prompt.size();
  Scored as_chosen;
  as_chosen.score = scores;
  as_chosen.arm.assign(nb, 0);
  as_chosen.chosen.assign(nb, 0);
  as_chosen.prob.assign(nb, 1.0);
  const std::vector<std::vector<int32_t>> no_prompt_ids(nb);  // the pairs are judged, not trained
  const BatchPairs pairs = group ? group_pairs(as_chosen, batch, gens) : build_pairs(strategy, as_chosen, batch, gens, no_prompt_ids, pc);
  auto raw = bandit_rewards("verifier", pairs, train::StepResult{}, judge);
  for (size_t b = 0; b < nb; ++b)
    for (size_t g : batch.of_prompt[b])
      if (g >= scores.size() || !std::isfinite(scores[g])) raw[b] = NAN;
  return raw;
}

void charge_batch_worst(std::vector<double>& raw) {
  double worst = INFINITY;
  for (double r : raw)
    if (std::isfinite(r)) worst = std::min(worst, r);
  for (double& r : raw)
    if (r == -INFINITY) r = std::isfinite(worst) ? worst : NAN;
}

void add_signals(std::vector<json>& decisions, const BatchPairs& pairs, const train::StepResult& res, const std::vector<double>& verifier,
                 const std::vector<double>& consensus) {
  auto nl = bandit_rewards("neg-loss", pairs, res, verifier);
  charge_batch_worst(nl);
  auto vf = bandit_rewards("verifier", pairs, res, verifier);
  auto im = bandit_rewards("implicit-margin", pairs, res, verifier);
  std::vector<double> ag(nl.size(), NAN);
  if (!consensus.empty()) ag = bandit_rewards("rm-agreement", pairs, res, consensus);
  for (size_t b = 0; b < decisions.size() && b < nl.size(); ++b)
    decisions[b]["signals"] = {{"neg-loss", finite_or_null(nl[b])},
                               {"verifier", finite_or_null(vf[b])},
                               {"rm-agreement", finite_or_null(ag[b])},
                               {"implicit-margin", finite_or_null(im[b])}};
}

std::vector<json> decision_lines(int64_t step, int64_t iteration, const std::vector<const data::Example*>& ex, const Scored& s,
                                 const std::vector<std::string>& names, const std::string& strategy, const std::vector<double>& raw,
                                 const std::vector<double>& norm) {
  std::vector<json> out;
  for (size_t b = 0; b < ex.size(); ++b) {
    json d = {{"step", step}, {"iteration", iteration}, {"prompt_id", ex[b]->id}, {"category", ex[b]->category}};
    if (s.arm[b] >= 0) {
      d["arm"] = s.arm[b];
      d["arm_name"] = names[s.arm[b]];
      d["probability"] = s.fallback(b) ? 1.0 : s.prob[b];
      d["fallback"] = s.fallback(b);
      if (s.fallback(b)) {  // the arm the strategy chose, which failed
        d["chosen_arm"] = s.chosen[b];
        d["chosen_name"] = names[s.chosen[b]];
        d["chosen_probability"] = s.prob[b];
      }
    } else {
      d["arm"] = -1;
      d["arm_name"] = strategy;
      d["probability"] = 1.0;
    }
    d["reward"] = finite_or_null(norm[b]);
    d["raw_reward"] = finite_or_null(raw[b]);
    out.push_back(std::move(d));
  }
  return out;
}

json step_metrics(int64_t step, int64_t iteration, int64_t batch, const BatchPairs& pairs, const train::StepResult& res,
                  const std::vector<json>& decisions, const StepTimes& t, const std::vector<double>& raw, const std::vector<double>& norm,
                  const reward::RewardCost& cost) {
  std::map<std::string, int> arm_counts;
  for (auto& d : decisions) arm_counts[d["arm_name"].get<std::string>()]++;
  json m = {{"step", step}, {"iteration", iteration}, {"batch", batch}, {"pairs", pairs.pairs.size()}, {"skipped", res.skipped},
            {"arm_counts", arm_counts}, {"time_context", t.context}, {"time_gen", t.gen}, {"time_score", t.score},
            {"time_train", t.train}, {"time_bandit", t.bandit}, {"time_step", t.step}};
  m["loss"] = finite_or_null(res.loss);
  for (auto& [k, v] : res.metrics) m[k] = finite_or_null(v);
  if (double r = finite_mean(norm); std::isfinite(r)) m["bandit_reward"] = r;
  if (double r = finite_mean(raw); std::isfinite(r)) m["bandit_raw_reward"] = r;
  m["rm_calls"] = cost.calls;
  m["rm_items"] = cost.items;
  m["rm_seconds"] = cost.seconds;
  return m;
}

}  // namespace laser::loop
