// Synthetic bandit problems and the regret / best-arm-share bookkeeping of the simulator.
#include "laser/bandit/simulator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "laser/bandit/factory.h"
#include "laser/bandit/normalizer.h"
#include "laser/core/error.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"

namespace laser::bandit {

std::vector<std::string> problem_names() { return {"linear", "cluster", "noise_arm", "shift"}; }

void SimSpec::validate(const std::string& where) const {
  auto names = problem_names();
  if (std::find(names.begin(), names.end(), problem) == names.end()) {
    std::string near = nearest(problem, names);
    throw Error("unknown simulator problem '" + problem + "'", where + ".problem",
                (near.empty() ? "" : "did you mean '" + near + "'? ") + "choose one of " + join(names, ", "));
  }
  LASER_CHECK(dim >= 2 && dim <= 8192, where + ".dim", "dim must be in [2, 8192]", "e.g. 16");
  LASER_CHECK(arms >= 2 && arms <= 64, where + ".arms", "arms must be in [2, 64]", "e.g. 4");
  LASER_CHECK(noise >= 0 && std::isfinite(noise), where + ".noise", "noise must be >= 0", "e.g. 0.1");
  LASER_CHECK(rounds >= 1, where + ".rounds", "rounds must be >= 1", "e.g. 2000");
  make_normalizer(normalizer);
}

namespace {
Eigen::VectorXd random_unit(Rng& rng, int n) {
  Eigen::VectorXd v(n);
  for (int i = 0; i < n; ++i) v[i] = rng.normal();
  double norm = v.norm();
  return norm > 0 ? Eigen::VectorXd(v / norm) : Eigen::VectorXd(Eigen::VectorXd::Unit(n, 0));
}
}  // namespace

SimProblem::SimProblem(const SimSpec& spec) : spec_(spec) {
  spec.validate("bandit-sim");
  Rng rng(mix_seed(spec.seed, 1));
  int u = spec.dim - 1;
  if (spec.problem == "linear") {
    for (int k = 0; k < spec.arms; ++k) theta_.push_back(random_unit(rng, u));
    return;
  }
  int clusters = spec.arms;
  int candidates = spec.problem == "noise_arm" ? spec.arms - 1 : spec.arms;
  for (int c = 0; c < clusters; ++c) centers_.push_back(random_unit(rng, u));
  // Best arm per cluster: a random permutation, so every arm is best somewhere.
  std::vector<int> perm(candidates);
  for (int k = 0; k < candidates; ++k) perm[k] = k;
  for (int k = candidates - 1; k > 0; --k) std::swap(perm[k], perm[rng.below(k + 1)]);
  for (int c = 0; c < clusters; ++c) {
    std::vector<double> m(spec.arms);
    for (int k = 0; k < spec.arms; ++k) m[k] = 0.2 + 0.4 * rng.uniform();
    m[perm[c % candidates]] = 0.8;
    if (spec.problem == "noise_arm") m[spec.arms - 1] = 0.5;
    cluster_means_.push_back(m);
  }
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
  } else {
    int c = static_cast<int>(rng.below(centers_.size()));
    Eigen::VectorXd x = centers_[c];
    for (int i = 0; i < u; ++i) x[i] += 0.3 / std::sqrt(static_cast<double>(u)) * rng.normal();
    r.context.head(u) = x / x.norm();
    r.means = cluster_means_[c];
    if (spec_.problem == "shift" && t >= spec_.rounds / 2)
      for (int k = 0; k < spec_.arms; ++k) r.means[k] = cluster_means_[c][(k + spec_.arms - 1) % spec_.arms];
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

SimResult simulate(const SimSpec& spec, const BanditConfig& config) {
  SimProblem problem(spec);
  auto bandit = make_bandit(config, spec.arms, spec.dim);
  auto norm = make_normalizer(spec.normalizer);
  SimResult res;
  res.algorithm = config.algorithm;
  int hits = 0;
  for (int t = 0; t < spec.rounds; ++t) {
    SimRound r = problem.round(t);
    Decision d = bandit->select(r.context);
    double best = *std::max_element(r.means.begin(), r.means.end());
    double regret = best - r.means[d.arm];
    bool is_best = r.means[d.arm] >= best - 1e-12;
    hits += is_best;
    res.cumulative_regret += regret;
    res.arms.push_back(d.arm);
    res.best.push_back(is_best);
    res.regret.push_back(res.cumulative_regret);
    bandit->update(r.context, d.arm, norm->normalize(r.rewards[d.arm]));
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
