// Synthetic bandit problems and the regret / best-arm-share bookkeeping of the simulator.
#include "laser/bandit/simulator.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>

#include "laser/bandit/context_reducer.h"
#include "laser/bandit/factory.h"
#include "laser/bandit/normalizer.h"
#include "laser/core/error.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"

namespace laser::bandit {

std::vector<std::string> problem_names() { return {"linear", "cluster", "noise_arm", "shift", "drift", "lowrank"}; }
std::vector<std::string> sim_context_names() { return {"raw", "l2"}; }

namespace {
constexpr int kLowRank = 8;

void check_name(const std::string& v, const std::vector<std::string>& names, const std::string& what, const std::string& where) {
  if (std::find(names.begin(), names.end(), v) != names.end()) return;
  std::string near = nearest(v, names);
  throw Error("unknown " + what + " '" + v + "'", where, (near.empty() ? "" : "did you mean '" + near + "'? ") + "choose one of " + join(names, ", "));
}
}  // namespace

void SimSpec::validate(const std::string& where) const {
  check_name(problem, problem_names(), "simulator problem", where + ".problem");
  LASER_CHECK(dim == 0 || (dim >= 2 && dim <= 8192), where + ".dim", "dim must be 0 (the problem's) or in [2, 8192]", "e.g. 16");
  LASER_CHECK(arms >= 2 && arms <= 64, where + ".arms", "arms must be in [2, 64]", "e.g. 4");
  LASER_CHECK(noise >= 0 && std::isfinite(noise), where + ".noise", "noise must be >= 0", "e.g. 0.1");
  LASER_CHECK(rounds >= 0, where + ".rounds", "rounds must be >= 1 (or 0: the problem's)", "e.g. 2000");
  make_normalizer(resolve_normalizer(normalizer, "linucb"));
  check_name(context, sim_context_names(), "context preprocessing", where + ".context");
  LASER_CHECK(context_dim >= 0 && context_dim <= 8192, where + ".context_dim", "context_dim must be 0 (off) or in [1, 8192]", "e.g. 512");
}

SimSpec SimSpec::resolved() const {
  SimSpec s = *this;
  bool big = problem == "lowrank";
  if (s.dim == 0) s.dim = big ? 256 : 16;
  if (s.rounds == 0) s.rounds = big ? 500 : 2000;
  return s;
}

void apply_sim_preset(const std::string& preset, SimSpec& spec, const std::string& where) {
  check_name(preset, preset_names(), "preset", where);
  SimSpec d;
  spec.normalizer = preset == "paper" ? "percentile" : d.normalizer;
  spec.context = preset == "paper" ? "raw" : d.context;
}

namespace {
Eigen::VectorXd random_unit(Rng& rng, int n) {
  Eigen::VectorXd v(n);
  for (int i = 0; i < n; ++i) v[i] = rng.normal();
  double norm = v.norm();
  return norm > 0 ? Eigen::VectorXd(v / norm) : Eigen::VectorXd(Eigen::VectorXd::Unit(n, 0));
}

// Per-cluster mean tables: cluster c's best arm is perm[(c + offset) % candidates] (mean 0.8), the
// others uniform in [0.2, 0.6]; noise_arm's last arm is 0.5.
std::vector<std::vector<double>> mean_tables(Rng& rng, const SimSpec& spec, int clusters, const std::vector<int>& perm, int offset) {
  int candidates = static_cast<int>(perm.size());
  std::vector<std::vector<double>> out;
  for (int c = 0; c < clusters; ++c) {
    std::vector<double> m(spec.arms);
    for (int k = 0; k < spec.arms; ++k) m[k] = 0.2 + 0.4 * rng.uniform();
    m[perm[(c + offset) % candidates]] = 0.8;
    if (spec.problem == "noise_arm") m[spec.arms - 1] = 0.5;
    out.push_back(m);
  }
  return out;
}
}  // namespace

SimProblem::SimProblem(const SimSpec& spec) : spec_(spec.resolved()) {
  spec.validate("bandit-sim");
  Rng rng(mix_seed(spec_.seed, 1));
  int u = spec_.dim - 1;
  if (spec_.problem == "linear") {
    for (int k = 0; k < spec_.arms; ++k) theta_.push_back(random_unit(rng, u));
    return;
  }
  bool low = spec_.problem == "lowrank";
  int clusters = low ? 2 * spec_.arms : spec_.arms;
  int candidates = spec_.problem == "noise_arm" ? spec_.arms - 1 : spec_.arms;
  if (low) {
    common_ = random_unit(rng, spec_.dim);
    basis_.resize(spec_.dim, kLowRank);
    for (int j = 0; j < kLowRank; ++j) basis_.col(j) = random_unit(rng, spec_.dim);
    for (int c = 0; c < clusters; ++c) centers_.push_back(random_unit(rng, kLowRank));
  } else {
    for (int c = 0; c < clusters; ++c) centers_.push_back(random_unit(rng, u));
  }
  // Best arm per cluster: a random permutation, so every arm is best somewhere.
  std::vector<int> perm(candidates);
  for (int k = 0; k < candidates; ++k) perm[k] = k;
  for (int k = candidates - 1; k > 0; --k) std::swap(perm[k], perm[rng.below(k + 1)]);
  cluster_means_ = mean_tables(rng, spec_, clusters, perm, 0);
  if (spec_.problem == "drift") end_means_ = mean_tables(rng, spec_, clusters, perm, 1);
}

SimRound SimProblem::round(int t) const {
  Rng rng(mix_seed(spec_.seed ^ 0x5eedf00dULL, static_cast<uint64_t>(t)));
  int u = spec_.dim - 1;
  SimRound r;
  r.context = Eigen::VectorXd::Ones(spec_.dim);
  r.means.assign(spec_.arms, 0.0);
  if (spec_.problem == "linear") {
    Eigen::VectorXd x = random_unit(rng, u);
    r.context.head(u) = x;
    for (int k = 0; k < spec_.arms; ++k) r.means[k] = 0.5 + 0.3 * x.dot(theta_[k]);
  } else if (spec_.problem == "lowrank") {
    // 0.5 * (shared direction + 0.5 * cluster latent (+ jitter) in the rank-8 span + isotropic noise).
    int c = static_cast<int>(rng.below(centers_.size()));
    Eigen::VectorXd z = centers_[c];
    for (int j = 0; j < kLowRank; ++j) z[j] += 0.3 / std::sqrt(double(kLowRank)) * rng.normal();
    Eigen::VectorXd noise(spec_.dim);
    for (int i = 0; i < spec_.dim; ++i) noise[i] = rng.normal();
    r.context = 0.5 * (common_ + 0.5 * basis_ * z + 0.3 / std::sqrt(double(spec_.dim)) * noise);
    r.means = cluster_means_[c];
  } else {
    int c = static_cast<int>(rng.below(centers_.size()));
    Eigen::VectorXd x = centers_[c];
    for (int i = 0; i < u; ++i) x[i] += 0.3 / std::sqrt(static_cast<double>(u)) * rng.normal();
    r.context.head(u) = x / x.norm();
    r.means = cluster_means_[c];
    if (spec_.problem == "shift" && t >= spec_.rounds / 2)
      for (int k = 0; k < spec_.arms; ++k) r.means[k] = cluster_means_[c][(k + spec_.arms - 1) % spec_.arms];
    if (spec_.problem == "drift") {
      double w = spec_.rounds > 1 ? static_cast<double>(t) / (spec_.rounds - 1) : 0.0;
      for (int k = 0; k < spec_.arms; ++k) r.means[k] = (1 - w) * cluster_means_[c][k] + w * end_means_[c][k];
    }
  }
  r.rewards.resize(spec_.arms);
  for (int k = 0; k < spec_.arms; ++k) {
    double z = rng.normal(), v = rng.uniform();
    double y = (spec_.problem == "noise_arm" && k == spec_.arms - 1) ? v : r.means[k] + spec_.noise * z;
    r.rewards[k] = std::min(1.0, std::max(0.0, y));
  }
  return r;
}

double SimResult::best_share_last(int n) const {
  n = std::min<int>(n, static_cast<int>(best.size()));
  if (n <= 0) return 0;
  int hits = 0;
  for (size_t i = best.size() - n; i < best.size(); ++i) hits += best[i];
  return static_cast<double>(hits) / n;
}

SimResult simulate(const SimSpec& spec_in, const BanditConfig& config) {
  SimProblem problem(spec_in);
  const SimSpec& spec = problem.spec();
  // The loop's order: project (strategy.context_dim), then L2-normalize (strategy.context_l2).
  std::unique_ptr<RandomProjection> proj;
  if (spec.context_dim > 0) proj = std::make_unique<RandomProjection>(spec.dim, spec.context_dim, spec.seed ^ 0x9e3779b97f4a7c15ULL);
  auto bandit = make_bandit(config, spec.arms, proj ? spec.context_dim : spec.dim);
  auto norm = make_normalizer(resolve_normalizer(spec.normalizer, config.algorithm));
  bool l2 = spec.context == "l2";
  SimResult res;
  res.algorithm = config.algorithm;
  int hits = 0;
  for (int t = 0; t < spec.rounds; ++t) {
    SimRound r = problem.round(t);
    if (proj) r.context = proj->apply(r.context);
    if (l2 && r.context.norm() > 0) r.context /= r.context.norm();
    Decision d = bandit->select(r.context);
    double best = *std::max_element(r.means.begin(), r.means.end());
    double regret = best - r.means[d.arm];
    bool is_best = r.means[d.arm] >= best - 1e-12;
    hits += is_best;
    res.cumulative_regret += regret;
    res.arms.push_back(d.arm);
    res.best.push_back(is_best);
    res.regret.push_back(res.cumulative_regret);
    double z = norm->normalize_for(d.arm, r.rewards[d.arm]);
    if (!std::isnan(z)) bandit->update(r.context, d.arm, z);
  }
  res.best_arm_share = static_cast<double>(hits) / spec.rounds;
  return res;
}

std::vector<SimResult> simulate_all(const SimSpec& spec, const std::vector<std::string>& algorithms,
                                    const BanditConfig& base) {
  std::vector<SimResult> out;
  for (auto& a : algorithms) {
    BanditConfig c = base;
    c.algorithm = a;
    if (c.seed == 0) c.seed = spec.seed;
    out.push_back(simulate(spec, c));
  }
  return out;
}

std::vector<SeedSummary> simulate_seeds(const SimSpec& spec, const std::vector<std::string>& algorithms,
                                        const BanditConfig& base, int seeds) {
  LASER_CHECK(seeds >= 1, "bandit-sim.seeds", "seeds must be >= 1", "e.g. 10");
  std::vector<std::string> run = algorithms;
  bool has_uniform = std::find(run.begin(), run.end(), "uniform") != run.end();
  if (!has_uniform) run.push_back("uniform");
  std::vector<SeedSummary> out(run.size());
  int last = std::max(1, spec.resolved().rounds / 4);
  for (int i = 0; i < seeds; ++i) {
    SimSpec s = spec;
    s.seed = spec.seed + static_cast<uint64_t>(i);
    BanditConfig b = base;
    if (b.seed != 0) b.seed = base.seed + static_cast<uint64_t>(i);
    auto res = simulate_all(s, run, b);
    for (size_t a = 0; a < run.size(); ++a) {
      out[a].algorithm = run[a];
      out[a].regret.push_back(res[a].cumulative_regret);
      out[a].share.push_back(res[a].best_arm_share);
      out[a].share_last.push_back(res[a].best_share_last(last));
    }
  }
  const SeedSummary uni =
      *std::find_if(out.begin(), out.end(), [](const SeedSummary& x) { return x.algorithm == "uniform"; });
  for (auto& o : out) {
    o.regret_ci = stats::t_interval(o.regret);
    o.share_ci = stats::t_interval(o.share);
    o.share_last_ci = stats::t_interval(o.share_last);
    o.vs_uniform = stats::paired_difference(o.regret, uni.regret);
  }
  if (!has_uniform) out.pop_back();
  return out;
}

std::string sim_csv_header() { return "problem,algorithm,round,arm,best,cumulative_regret,best_arm_share\n"; }

std::string sim_csv_rows(const std::string& problem, const SimResult& r) {
  std::ostringstream os;
  os.precision(10);
  int hits = 0;
  for (size_t t = 0; t < r.arms.size(); ++t) {
    hits += r.best[t];
    os << problem << ',' << r.algorithm << ',' << t + 1 << ',' << r.arms[t] << ',' << int(r.best[t]) << ',' << r.regret[t]
       << ',' << static_cast<double>(hits) / (t + 1) << '\n';
  }
  return os.str();
}

}  // namespace laser::bandit
