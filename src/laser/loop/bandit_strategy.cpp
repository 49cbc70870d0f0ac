// The single-RM strategies (see bandit_strategy.h).
#include "laser/loop/bandit_strategy.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "laser/bandit/factory.h"
#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"

namespace laser::loop {

BanditStrategy::BanditStrategy(const StrategyOptions& o, const std::vector<std::string>& rm_names, int d, uint64_t seed)
    : Strategy(o.name), opts_(o), rm_names_(rm_names) {
  validate_strategy_name(o.name, rm_names, "strategy.name");
  LASER_CHECK(!rm_names.empty(), "[[rm]]", "no reward models configured", "add at least one [[rm]] table");
  const int K = num_arms();
  bandit::BanditConfig bc = o.bandit;
  bc.seed = mix_seed(seed, 17);
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
  normalizer_ = bandit::make_normalizer(bandit::resolve_normalizer(o.normalizer, bc.algorithm));
}

Eigen::VectorXd BanditStrategy::reduce(const Eigen::VectorXd& c) const {
  Eigen::VectorXd x = projection_ ? projection_->apply(c) : c;
  return l2_ ? l2_->apply(x) : x;
}

BatchChoice BanditStrategy::choose(const Eigen::MatrixXd& ctx) {
  BatchChoice ch;
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

Scored BanditStrategy::score(const BatchChoice& choice, const BatchItems& batch, Arms& arms) {
  const int nb = static_cast<int>(batch.of_prompt.size()), K = arms.size();
  Scored s;
  s.score.assign(batch.items.size(), 0.0);
  s.chosen = choice.arm;
  s.arm = choice.arm;
  s.prob = choice.prob;
  std::map<int, std::vector<int>> by_arm;  // each arm scores its prompts in one call
  for (int b = 0; b < nb; ++b) by_arm[choice.arm[b]].push_back(b);
  std::set<int> failed;
  for (auto& [chosen, prompts] : by_arm) {
    std::vector<reward::RewardItem> sub;
    std::vector<size_t> idx;
    for (int b : prompts)
      for (size_t g : batch.of_prompt[b]) { sub.push_back(batch.items[g]); idx.push_back(g); }
    for (int arm = chosen;;) {
      try {
        auto v = score_with(arms, arm, sub);
        for (size_t i = 0; i < idx.size(); ++i) s.score[idx[i]] = v[i];
        for (int b : prompts) s.arm[b] = arm;
        break;
      } catch (const reward::RewardModelFailure& e) {
        log::warn("reward model '{}' failed: {}; scoring its prompts with another arm", arms.names[arm], e.what());
        failed.insert(arm);
        int next = -1;
        for (int k = 1; k <= K && next < 0; ++k)
          if (!failed.count((arm + k) % K)) next = (arm + k) % K;
        if (next < 0) throw Error("every reward model failed on this batch", "[[rm]]", "check the RM servers and configs");
        arm = next;
      }
    }
  }
  return s;
}

std::vector<double> BanditStrategy::feedback(const Eigen::MatrixXd& ctx, const BatchChoice& ch, const std::vector<double>& raw) {
  std::vector<double> norm(raw.size(), NAN);
  if (opts_.per_batch) {
    double sum = 0;
    int n = 0;
    for (double r : raw)
      if (std::isfinite(r)) { sum += r; ++n; }
    if (n == 0) return norm;
    double r = normalizer_->normalize_for(ch.arm[0], sum / n);
    if (std::isnan(r)) return norm;  // arm-zscore's warm-up: no update yet
    Eigen::VectorXd mean = ctx.colwise().mean().transpose();
    bandit_->update(reduce(mean), ch.arm[0], r);
    std::fill(norm.begin(), norm.end(), r);
    worst_ = std::min(worst_, r);
    return norm;
  }
  std::vector<Eigen::Index> fed;
  for (size_t b = 0; b < raw.size(); ++b) {
    if (!std::isfinite(raw[b])) continue;
    norm[b] = normalizer_->normalize_for(ch.arm[b], raw[b]);
    if (std::isnan(norm[b])) continue;
    worst_ = std::min(worst_, norm[b]);
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

double BanditStrategy::failure_reward() const { return normalizer_->name() == "percentile" ? 0.0 : worst_ - 1.0; }

// A chosen arm that failed gets the worst reward, so the bandit stops paying for a broken RM; the
// arm that stood in was updated with its own reward by feedback().
void BanditStrategy::penalize_failures(const Eigen::MatrixXd& ctx, const Scored& s) {
  if (opts_.per_batch) {
    if (!s.chosen.empty() && s.fallback(0)) bandit_->update(reduce(ctx.colwise().mean().transpose()), s.chosen[0], failure_reward());
    return;
  }
  for (size_t b = 0; b < s.chosen.size(); ++b)
    if (s.fallback(b)) bandit_->update(reduce(ctx.row(static_cast<Eigen::Index>(b)).transpose()), s.chosen[b], failure_reward());
}

std::vector<double> BanditStrategy::feedback(const Eigen::MatrixXd& ctx, const Scored& s, const StepOutcome& o) {
  BatchChoice used;
  used.arm = s.arm;
  used.prob = s.prob;
  auto norm = feedback(ctx, used, o.raw);
  penalize_failures(ctx, s);
  return norm;
}

bool BanditStrategy::learns_other_arms() const { return opts_.name == "laser" && !opts_.per_batch; }

void BanditStrategy::feedback_arms(const Eigen::MatrixXd& ctx, const std::vector<int>& arms, const std::vector<double>& raw) {
  if (!learns_other_arms() || arms.empty()) return;
  BatchChoice ch;
  ch.arm = arms;
  feedback(ctx, ch, raw);
}

void BanditStrategy::save_state(nlohmann::json& j) const {
  j["weights"] = nlohmann::json::array();
  j["bandit"] = bandit_->save();
  j["normalizer"] = normalizer_->save();
  if (worst_ != 0.0) j["worst_reward"] = worst_;
}

void BanditStrategy::load_state(const nlohmann::json& j, const std::string& where) {
  if (j.contains("bandit")) bandit_ = bandit::load_bandit(j["bandit"], where);
  if (j.contains("normalizer")) normalizer_ = bandit::load_normalizer(j["normalizer"], where);
  worst_ = j.value("worst_reward", 0.0);
}

}  // namespace laser::loop
