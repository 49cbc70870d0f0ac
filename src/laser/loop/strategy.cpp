#include "laser/loop/strategy.h"

#include <cmath>

#include "laser/core/error.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"

namespace laser::loop {

void validate_strategy_name(const std::string& name, const std::vector<std::string>& rm, const std::string& where) {
  static const std::vector<std::string> known = {"laser", "random", "sequential", "score-ensemble", "agreement-ensemble", "online-ensemble"};
  if (starts_with(name, "fixed:")) {
    std::string n = name.substr(6);
    for (auto& r : rm)
      if (r == n) return;
    std::string near = nearest(n, rm);
    throw Error("strategy '" + name + "' names no configured reward model", where,
                near.empty() ? "configured RMs: " + join(rm, ", ") : "did you mean 'fixed:" + near + "'?");
  }
  for (auto& k : known)
    if (k == name) return;
  std::string near = nearest(name, known);
  throw Error("unknown strategy '" + name + "'", where,
              near.empty() ? "use laser, fixed:NAME, random, sequential, score-ensemble, agreement-ensemble or online-ensemble"
                           : "did you mean '" + near + "'?");
}

Strategy::Strategy(const StrategyOptions& o, const std::vector<std::string>& rm_names, int d, uint64_t seed)
    : opts_(o), rm_names_(rm_names) {
  validate_strategy_name(o.name, rm_names, "strategy.name");
  LASER_CHECK(!rm_names.empty(), "[[rm]]", "no reward models configured", "add at least one [[rm]] table");
  int K = static_cast<int>(rm_names.size());
  bandit::BanditConfig bc = o.bandit;
  bc.seed = mix_seed(seed, 17);
  if (o.name == "score-ensemble") { combine_ = Combine::ScoreEnsemble; return; }
  if (o.name == "agreement-ensemble") { combine_ = Combine::AgreementEnsemble; return; }
  if (o.name == "online-ensemble") {
    combine_ = Combine::OnlineEnsemble;
    weights_.assign(K, 1.0 / K);
    return;
  }
  if (o.name == "random") { bc.algorithm = "uniform"; opts_.per_batch = true; }
  else if (o.name == "sequential") { bc.algorithm = "round_robin"; opts_.per_batch = true; }
  else if (starts_with(o.name, "fixed:")) {
    bc.algorithm = "fixed";
    for (int k = 0; k < K; ++k)
      if (rm_names[k] == o.name.substr(6)) bc.fixed_arm = k;
    opts_.per_batch = true;
  }
  int dim = d;
  if (o.context_dim > 0 && o.context_dim < d) {
    projection_ = std::make_unique<bandit::RandomProjection>(d, o.context_dim, mix_seed(seed, 29));
    dim = o.context_dim;
  }
  if (o.context_l2) l2_ = std::make_unique<bandit::L2Normalize>(dim);
  bc.validate("[bandit]");
  bandit_ = bandit::make_bandit(bc, K, dim);
  normalizer_ = bandit::make_normalizer(o.normalizer);
}

Eigen::VectorXd Strategy::reduce(const Eigen::VectorXd& c) const {
  Eigen::VectorXd x = projection_ ? projection_->apply(c) : c;
  return l2_ ? l2_->apply(x) : x;
}

BatchChoice Strategy::choose(const Eigen::MatrixXd& ctx) {
  BatchChoice ch;
  ch.combine = combine_;
  if (combine_ == Combine::OnlineEnsemble) ch.weights = weights_;
  if (combine_ != Combine::Single) return ch;
  int B = static_cast<int>(ctx.rows());
  if (opts_.per_batch) {
    Eigen::VectorXd mean = ctx.colwise().mean().transpose();
    auto d = bandit_->select(reduce(mean));
    ch.arm.assign(B, d.arm);
    ch.prob.assign(B, d.probability);
  } else {
    // One decision per prompt, all against the same state: the bandit shares its passes over A_k^-1.
    Eigen::MatrixXd rows(B, bandit_->dim());
    for (int b = 0; b < B; ++b) rows.row(b) = reduce(ctx.row(b).transpose()).transpose();
    for (auto& d : bandit_->select_batch(rows)) {
      ch.arm.push_back(d.arm);
      ch.prob.push_back(d.probability);
    }
  }
  return ch;
}

std::vector<double> Strategy::feedback(const Eigen::MatrixXd& ctx, const BatchChoice& ch, const std::vector<double>& raw) {
  std::vector<double> norm(raw.size(), NAN);
  if (combine_ != Combine::Single) return norm;
  if (opts_.per_batch) {
    double sum = 0;
    int n = 0;
    for (double r : raw)
      if (std::isfinite(r)) { sum += r; ++n; }
    if (n == 0) return norm;
    double r = normalizer_->normalize(sum / n);
    Eigen::VectorXd mean = ctx.colwise().mean().transpose();
    bandit_->update(reduce(mean), ch.arm[0], r);
    std::fill(norm.begin(), norm.end(), r);
    return norm;
  }
  std::vector<Eigen::Index> fed;
  for (size_t b = 0; b < raw.size(); ++b) {
    if (!std::isfinite(raw[b])) continue;
    norm[b] = normalizer_->normalize(raw[b]);
    fed.push_back(static_cast<Eigen::Index>(b));
  }
  Eigen::MatrixXd rows(static_cast<Eigen::Index>(fed.size()), bandit_->dim());
  std::vector<int> arms;
  std::vector<double> rewards;
  for (size_t i = 0; i < fed.size(); ++i) {
    rows.row(static_cast<Eigen::Index>(i)) = reduce(ctx.row(fed[i]).transpose()).transpose();
    arms.push_back(ch.arm[fed[i]]);
    rewards.push_back(norm[fed[i]]);
  }
  bandit_->update_batch(rows, arms, rewards);
  return norm;
}

void Strategy::feedback_ensemble(const std::vector<double>& per_rm) {
  if (combine_ != Combine::OnlineEnsemble) return;
  // Hedge (multiplicative weights) on per-RM rewards in [0,1].
  double total = 0;
  for (size_t k = 0; k < weights_.size(); ++k) {
    double r = k < per_rm.size() && std::isfinite(per_rm[k]) ? per_rm[k] : 0.5;
    weights_[k] *= std::exp(opts_.online_lr * r);
    total += weights_[k];
  }
  for (auto& w : weights_) w /= total;
}

nlohmann::json Strategy::save() const {
  nlohmann::json j = {{"format_version", 1}, {"name", opts_.name}, {"weights", weights_}};
  if (bandit_) j["bandit"] = bandit_->save();
  if (normalizer_) j["normalizer"] = normalizer_->save();
  return j;
}

void Strategy::load(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.value("format_version", 0) == 1, where, "unsupported strategy state version", "the checkpoint was written by another laser version");
  LASER_CHECK(j.value("name", "") == opts_.name, where, "checkpoint strategy '" + j.value("name", "") + "' differs from the config's '" + opts_.name + "'",
              "resume with the same strategy.name");
  weights_ = j.value("weights", std::vector<double>{});
  if (bandit_ && j.contains("bandit")) bandit_ = bandit::load_bandit(j["bandit"], where);
  if (normalizer_ && j.contains("normalizer")) normalizer_ = bandit::load_normalizer(j["normalizer"], where);
}

}  // namespace laser::loop
