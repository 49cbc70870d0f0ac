// `laser bandit-sim`: runs bandit algorithms on the simulator's synthetic problems over several seeds
// and prints, per problem and algorithm, the mean cumulative regret and best-arm share with 95%
// t-intervals and the paired regret difference against uniform (optionally every round of the first
// seed to a CSV). No logic of its own: see bandit/simulator.h and core/stats.h.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "laser/bandit/factory.h"
#include "laser/bandit/simulator.h"
#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/stats.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"

namespace laser::cli {

void add_bandit_commands(CLI::App& app) {
  struct Opts {
    std::string problem = "all", csv, algorithms = "all", preset = "laser", normalizer, context;
    std::vector<std::string> sets;
    int seeds = 10;
    bandit::SimSpec spec;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand(
      "bandit-sim",
      "run bandit algorithms on synthetic problems over seeds; print cumulative regret and best-arm share (mean ± 95% interval)");
  c->add_option("--problem", o->problem, "linear, cluster, noise_arm, shift, drift, lowrank, or all")->capture_default_str();
  c->add_option("--preset", o->preset,
                "laser (defaults that win on these problems) or paper (METHOD.md: linucb alpha 0.1, ridge 1, percentile "
                "normalizer, raw contexts); --set, --normalizer and --context apply on top")
      ->capture_default_str();
  c->add_option("--seeds", o->seeds, "number of seeds (seed, seed+1, ...): mean ± 95% t-interval over them")->capture_default_str();
  c->add_option("--rounds", o->spec.rounds, "rounds per run; 0 = the problem's (2000; lowrank 500)")->capture_default_str();
  c->add_option("--seed", o->spec.seed, "first seed of the problem, its noise and the bandits")->capture_default_str();
  c->add_option("--csv", o->csv, "write one row per algorithm and round of the first seed to this CSV file");
  c->add_option("--dim", o->spec.dim, "context dimension (2..8192); 0 = the problem's (16; lowrank 256)")->capture_default_str();
  c->add_option("--context-dim", o->spec.context_dim, "random projection of the contexts to this many dimensions before --context (as strategy.context_dim); 0 = off")
      ->capture_default_str();
  c->add_option("--arms", o->spec.arms, "number of arms (2..64)")->capture_default_str();
  c->add_option("--noise", o->spec.noise, "reward noise sigma")->capture_default_str();
  c->add_option("--normalizer", o->normalizer,
                "reward normalizer before update: auto (zscore; percentile for exp3), percentile, zscore, arm-zscore, none "
                "[preset: laser auto, paper percentile]");
  c->add_option("--context", o->context, "context preprocessing: raw or l2 (unit norm) [preset: laser l2, paper raw]");
  c->add_option("--algorithms", o->algorithms, "comma-separated algorithms, or all")->capture_default_str();
  c->add_option("--set", o->sets, "bandit option key=value for every algorithm (alpha, epsilon, ...); repeatable");
  c->callback([o] {
    std::vector<std::string> problems =
        o->problem == "all" ? bandit::problem_names() : std::vector<std::string>{o->problem};
    std::vector<std::string> algos;
    if (o->algorithms == "all") {
      algos = bandit::bandit_names();
    } else {
      for (auto& a : split(o->algorithms, ','))
        if (!trim(a).empty()) algos.push_back(trim(a));
    }
    LASER_CHECK(o->seeds >= 1 && o->seeds <= 1000, "--seeds", "seeds must be in [1, 1000]", "e.g. 10");
    bandit::BanditConfig base = bandit::bandit_preset(o->preset, "--preset");
    bandit::SimSpec spec0 = o->spec;
    bandit::apply_sim_preset(o->preset, spec0, "--preset");
    if (!o->normalizer.empty()) spec0.normalizer = o->normalizer;
    if (!o->context.empty()) spec0.context = o->context;
    for (auto& kv : o->sets) {
      auto eq = kv.find('=');
      LASER_CHECK(eq != std::string::npos, "--set " + kv, "expected key=value", "e.g. --set alpha=0.5");
      bandit::set_bandit_option(base, trim(kv.substr(0, eq)), trim(kv.substr(eq + 1)), "--set");
    }
    for (auto& a : algos) {
      bandit::BanditConfig t = base;
      t.algorithm = a;
      t.validate("--algorithms");
    }
    fmt::print("preset {}: alpha {} ridge {} ts_scale {} epsilon {} epsilon_decay {} exp3_gamma {} temperature {}\n", o->preset,
               base.alpha, base.ridge, base.ts_scale, base.epsilon, base.epsilon_decay, base.exp3_gamma, base.temperature);
    std::string csv = bandit::sim_csv_header();
    for (auto& p : problems) {
      bandit::SimSpec spec = spec0;
      spec.problem = p;
      spec.validate("bandit-sim");
      bandit::SimSpec r = spec.resolved();
      auto sums = bandit::simulate_seeds(spec, algos, base, o->seeds);
      fmt::print("problem {} (d={}{}, K={}, noise {}, {} rounds, seeds {}..{}, normalizer {}, context {})\n", p, r.dim,
                 r.context_dim > 0 ? fmt::format(" projected to {}", r.context_dim) : std::string(), r.arms,
                 r.noise, r.rounds, r.seed, r.seed + o->seeds - 1, r.normalizer, r.context);
      fmt::print("  {:<22} {:>22} {:>16} {:>22} {:>24}\n", "algorithm", "cumulative_regret", "best_arm_share",
                 "best_share_last_25%", "regret_vs_uniform");
      for (auto& s : sums) {
        std::string vs = s.algorithm == "uniform" ? "-" : stats::format_interval(s.vs_uniform, 1);
        fmt::print("  {:<22} {:>22} {:>16} {:>22} {:>24}\n", s.algorithm, stats::format_interval(s.regret_ci, 1),
                   stats::format_interval(s.share_ci, 2), stats::format_interval(s.share_last_ci, 2), vs);
      }
      if (!o->csv.empty())
        for (auto& res : bandit::simulate_all(spec, algos, base)) csv += bandit::sim_csv_rows(p, res);
    }
    if (o->seeds > 1)
      fmt::print("(mean ± 95% t-interval over {} seeds; regret_vs_uniform: paired difference per seed, < 0 = better)\n",
                 o->seeds);
    if (!o->csv.empty()) {
      io::write_file_atomic(o->csv, csv);
      fmt::print("wrote {}\n", o->csv);
    }
  });
}

}  // namespace laser::cli
