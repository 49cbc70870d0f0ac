// The ensemble strategies (see ensembles.h).
#include "laser/loop/ensembles.h"

#include <algorithm>
#include <cmath>

#include "laser/core/error.h"
#include "laser/reward/ensemble.h"

namespace laser::loop {

Ensemble::Ensemble(const StrategyOptions& o, const std::vector<std::string>& rm_names, Combine combine)
    : Strategy(o.name), opts_(o), rm_names_(rm_names), combine_(combine) {
  validate_strategy_name(o.name, rm_names, "strategy.name");
  LASER_CHECK(!rm_names.empty(), "[[rm]]", "no reward models configured", "add at least one [[rm]] table");
}

std::vector<double> Ensemble::weights() const {
  const size_t K = rm_names_.size();
  return std::vector<double>(K, 1.0 / static_cast<double>(K));
}

BatchChoice Ensemble::choose(const Eigen::MatrixXd&) {
  BatchChoice ch;
  ch.combine = combine_;
  if (combine_ == Combine::OnlineEnsemble) ch.weights = weights();
  return ch;
}

Scored Ensemble::score(const BatchChoice& choice, const BatchItems& batch, Arms& arms) {
  const size_t nb = batch.of_prompt.size();
  Scored s;
  s.arm.assign(nb, -1);
  s.chosen.assign(nb, -1);
  s.prob.assign(nb, 1.0);
  s.member = score_all(arms, batch.items, "the " + name() + " strategy");
  // Weights over the RMs that answered (all of them, unless one failed).
  std::vector<double> w = choice.weights.empty() ? weights() : choice.weights;
  double answered = 0;
  bool failed = false;
  for (size_t k = 0; k < w.size(); ++k)
    if (s.member[k].empty()) w[k] = 0, failed = true;
    else answered += w[k];
  if (failed)
    for (auto& x : w) x /= answered;
  auto groups = reward::group_by_prompt(batch.items);
  std::vector<std::vector<double>> z(w.size());
  for (size_t k = 0; k < w.size(); ++k)
    if (!s.member[k].empty()) z[k] = reward::zscore_within_groups(s.member[k], groups);
  s.score.assign(batch.items.size(), 0.0);
  for (size_t i = 0; i < batch.items.size(); ++i) {
    double v = 0;
    for (size_t k = 0; k < w.size(); ++k)
      if (!z[k].empty()) v += w[k] * z[k][i];
    s.score[i] = v;
  }
  return s;
}

std::vector<double> Ensemble::feedback(const Eigen::MatrixXd&, const Scored& s, const StepOutcome&) {
  return std::vector<double>(s.arm.size(), NAN);
}

void Ensemble::save_state(nlohmann::json& j) const { j["weights"] = nlohmann::json::array(); }
void Ensemble::load_state(const nlohmann::json&, const std::string&) {}

std::vector<std::pair<size_t, size_t>> AgreementEnsemble::pairs(const Scored& s, const std::vector<size_t>& items,
                                                                const train::PairConfig& pc) const {
  std::vector<double> v;
  for (size_t g : items) v.push_back(s.score[g]);
  std::vector<std::vector<double>> ms;
  for (auto& m : s.member) {
    if (m.empty()) continue;  // failed this step
    ms.emplace_back();
    for (size_t g : items) ms.back().push_back(m[g]);
  }
  auto local = reward::majority_pairs(ms);
  // Strongest agreements first (mean z-score margin), at most num_pairs.
  std::sort(local.begin(), local.end(), [&](auto& a, auto& c) { return v[a.first] - v[a.second] > v[c.first] - v[c.second]; });
  if (static_cast<int>(local.size()) > pc.num_pairs) local.resize(pc.num_pairs);
  return local;
}

OnlineEnsemble::OnlineEnsemble(const StrategyOptions& o, const std::vector<std::string>& rm_names)
    : Ensemble(o, rm_names, Combine::OnlineEnsemble), weights_(rm_names.size(), 1.0 / static_cast<double>(rm_names.size())) {}

void OnlineEnsemble::feedback_ensemble(const std::vector<double>& per_rm) {
  double total = 0;
  for (size_t k = 0; k < weights_.size(); ++k) {
    double r = k < per_rm.size() && std::isfinite(per_rm[k]) ? per_rm[k] : 0.5;
    weights_[k] *= std::exp(opts_.online_lr * r);
    total += weights_[k];
  }
  for (auto& w : weights_) w /= total;
}

std::vector<double> ensemble_agreement(const Scored& s, const StepOutcome& o) {
  const size_t K = s.member.size();
  std::vector<double> per_rm(K, NAN);
  for (size_t k = 0; k < K; ++k) {
    if (s.member[k].empty()) { per_rm[k] = 0.0; continue; }
    double a = 0;
    int n = 0;
    for (auto& prompt_pairs : o.pairs)
      for (auto& [gc, gr] : prompt_pairs) {
        bool have_v = std::isfinite(o.verifier[gc]) && std::isfinite(o.verifier[gr]) && o.verifier[gc] != o.verifier[gr];
        bool truth = have_v ? o.verifier[gc] > o.verifier[gr] : true;
        if (s.member[k][gc] == s.member[k][gr]) continue;
        a += ((s.member[k][gc] > s.member[k][gr]) == truth) ? 1 : 0;
        ++n;
      }
    if (n) per_rm[k] = a / n;
  }
  return per_rm;
}

std::vector<double> OnlineEnsemble::feedback(const Eigen::MatrixXd&, const Scored& s, const StepOutcome& o) {
  feedback_ensemble(ensemble_agreement(s, o));
  return std::vector<double>(s.arm.size(), NAN);
}

void OnlineEnsemble::save_state(nlohmann::json& j) const { j["weights"] = weights_; }
void OnlineEnsemble::load_state(const nlohmann::json& j, const std::string&) {
  weights_ = j.value("weights", std::vector<double>{});
  if (weights_.size() != rm_names_.size()) weights_.assign(rm_names_.size(), 1.0 / static_cast<double>(rm_names_.size()));
}

}  // namespace laser::loop
