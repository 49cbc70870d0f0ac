// `laser bandit-sim`: runs bandit algorithms on the simulator's synthetic problems and prints the
// cumulative regret and best-arm share of each (optionally every round to a CSV). No logic of its own:
// see bandit/simulator.h.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "laser/bandit/factory.h"
#include "laser/bandit/simulator.h"
#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"

namespace laser::cli {

void add_bandit_commands(CLI::App& app) {
  struct Opts {
    std::string problem = "all", csv, algorithms = "all";
    std::vector<std::string> sets;
    bandit::SimSpec spec;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("bandit-sim", "run bandit algorithms on synthetic problems; print cumulative regret and best-arm share");
  c->add_option("--problem", o->problem, "linear, cluster, noise_arm, shift, or all")->capture_default_str();
  c->add_option("--rounds", o->spec.rounds, "rounds per run")->capture_default_str();
  c->add_option("--seed", o->spec.seed, "seed of the problem, its noise and the bandits")->capture_default_str();
  c->add_option("--csv", o->csv, "write one row per algorithm and round to this CSV file");
  c->add_option("--dim", o->spec.dim, "context dimension (2..8192)")->capture_default_str();
  c->add_option("--arms", o->spec.arms, "number of arms (2..64)")->capture_default_str();
  c->add_option("--noise", o->spec.noise, "reward noise sigma")->capture_default_str();
  c->add_option("--normalizer", o->spec.normalizer, "reward normalizer before update: percentile, zscore, none")
      ->capture_default_str();
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
    bandit::BanditConfig base;
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
    std::string csv = bandit::sim_csv_header();
    for (auto& p : problems) {
      bandit::SimSpec spec = o->spec;
      spec.problem = p;
      spec.validate("bandit-sim");
      auto results = bandit::simulate_all(spec, algos, base);
      fmt::print("problem {} (d={}, K={}, noise {}, {} rounds, seed {}, normalizer {})\n", p, spec.dim, spec.arms,
                 spec.noise, spec.rounds, spec.seed, spec.normalizer);
      fmt::print("  {:<16} {:>18} {:>15} {:>22}\n", "algorithm", "cumulative_regret", "best_arm_share", "best_share_last_25%");
      int last = std::max(1, spec.rounds / 4);
      for (auto& r : results) {
        fmt::print("  {:<16} {:>18.3f} {:>15.3f} {:>22.3f}\n", r.algorithm, r.cumulative_regret, r.best_arm_share,
                   r.best_share_last(last));
        if (!o->csv.empty()) csv += bandit::sim_csv_rows(p, r);
      }
    }
    if (!o->csv.empty()) {
      io::write_file_atomic(o->csv, csv);
      fmt::print("wrote {}\n", o->csv);
    }
  });
}

}  // namespace laser::cli
