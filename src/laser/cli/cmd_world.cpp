// `laser world`: the built-in synthetic world. Builds (once, cached) a weak policy and K reward
// models that differ by skill, then compares strategies on it and prints the paper-style table.
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/loop/ablations.h"
#include "laser/loop/compare.h"
#include "laser/loop/config.h"
#include "laser/loop/run.h"
#include "laser/loop/world_setup.h"

namespace laser::cli {

void add_world_commands(CLI::App& app) {
  struct Opts {
    loop::WorldSetupOptions w;
    std::string strategies, out_dir = "runs", name = "world";
    std::vector<std::string> set;
    bool quick = false, setup_only = false, resume = false, ablations = false;
    int seeds = 1;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("world", "the built-in world: build a weak policy and skill-specialist RMs (cached), then compare strategies");
  c->add_option("--cache", o->w.cache_dir, "where models are built once and reused")->capture_default_str();
  c->add_option("--seed", o->w.seed, "world seed")->capture_default_str();
  c->add_option("--size", o->w.size, "world examples (train + dev + test)")->capture_default_str();
  c->add_option("--strategies", o->strategies, "strategies to compare (default: sft, every single RM, random, sequential, score-ensemble, laser)");
  c->add_option("--out-dir", o->out_dir, "run directories go here")->capture_default_str();
  c->add_option("--name", o->name, "run name prefix")->capture_default_str();
  c->add_option("--set", o->set, "override a key of the world's run config (repeatable)");
  c->add_flag("--quick", o->quick, "a reduced world for tests: fewer examples, steps and iterations");
  c->add_flag("--setup-only", o->setup_only, "build the models and config, print the config path, run nothing");
  c->add_flag("--resume", o->resume, "reuse finished runs of an earlier `laser world`");
  auto* seeds = c->add_option("--seeds", o->seeds, "run every strategy on N seeds (data order, sampling, world facts): mean ± 95% interval")
                    ->capture_default_str()->check(CLI::Range(1, 1000));
  c->add_flag("--ablations", o->ablations,
              "LASeR at its defaults against one change at a time (bandit, reward signal, pooling, per-batch, noisy-RM sigma), 3 seeds "
              "unless --seeds says otherwise; writes <name>-ablations/compare.md");
  c->callback([o, seeds] {
    if (o->quick) {
      o->w.size = 96;
      o->w.policy_steps = 40;
      o->w.specialist_steps = 30;
      o->w.generalist_steps = 10;
      o->w.preset = "tiny";
    }
    auto ws = loop::setup_world(o->w);
    if (o->setup_only) {
      std::cout << ws.config_path << "\n";
      return;
    }
    std::vector<std::string> sets = {"run.out_dir=" + o->out_dir, "run.name=" + o->name};
    if (o->quick) {
      for (auto s : {"run.iterations=1", "data.dev_size=8", "data.test_size=16", "generation.n=4", "generation.max_new_tokens=12"}) sets.push_back(s);
    }
    for (auto& s : o->set) sets.push_back(s);
    auto cfg = loop::Config::load(ws.config_path, sets);
    loop::CompareOptions co;
    co.resume = o->resume;
    co.seeds = o->seeds;
    if (o->ablations) {
      LASER_CHECK(o->strategies.empty(), "--ablations", "the ablation grid is its own list of strategies", "drop --strategies");
      if (seeds->count() == 0) co.seeds = 3;
      co.out_name = o->name + "-ablations";
      for (auto& a : loop::ablation_grid(ws.rm_names)) co.strategies.push_back(a.strategy);
    } else if (o->strategies.empty()) {
      co.strategies.push_back("sft");
      for (auto& n : ws.rm_names) co.strategies.push_back("fixed:" + n);
      for (auto s : {"random", "sequential", "score-ensemble", "laser"}) co.strategies.push_back(s);
    } else {
      for (auto& s : split(o->strategies, ','))
        if (!trim(s).empty()) co.strategies.push_back(trim(s));
    }
    loop::install_stop_handlers();
    auto res = loop::run_compare(cfg, {}, co);
    std::cout << "\n" << loop::compare_markdown(res) << "\n";
    for (auto& r : res["rows"]) std::cout << "report " << r["strategy"].get<std::string>() << ": " << r["report"].get<std::string>() << "\n";
    std::cout << "table: " << res["dir"].get<std::string>() << "/compare.md, page: " << res["html"].get<std::string>() << "\n";
  });
}

}  // namespace laser::cli
