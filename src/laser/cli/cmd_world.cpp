// `laser world`: the built-in worlds. The arithmetic world builds (once, cached) a weak policy and
// K reward models that differ by skill (--world fair: its fair variant, test facts disjoint from
// training facts); the stories world (--world stories) takes the pretrained stories260K policy and
// rule-based aspect RMs. Then it compares strategies (or, with --ablations, LASeR's ablation grid).
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/loop/ablations.h"
#include "laser/loop/compare.h"
#include "laser/loop/config.h"
#include "laser/loop/run.h"
#include "laser/loop/stories_setup.h"
#include "laser/loop/world_setup.h"

namespace laser::cli {

namespace {

struct WorldOpts {
  loop::WorldSetupOptions w;
  std::string world = "arithmetic", model = loop::StoriesSetupOptions{}.model_dir;
  std::string strategies, out_dir = "runs", name = "world";
  std::vector<std::string> set;
  bool quick = false, setup_only = false, resume = false, size_given = false, ablations = false;
  int seeds = 1;
  bool seeds_given = false;
};

// Runs the comparison on a world's run config: sft, every single RM, random, sequential,
// score-ensemble and laser unless --strategies names others.
void compare_world(const WorldOpts& o, const std::string& config_path, const std::vector<std::string>& rm_names,
                   const std::vector<std::string>& quick_sets, const std::string& name) {
  std::vector<std::string> sets = {"run.out_dir=" + o.out_dir, "run.name=" + name};
  if (o.quick)
    for (auto& s : quick_sets) sets.push_back(s);
  for (auto& s : o.set) sets.push_back(s);
  auto cfg = loop::Config::load(config_path, sets);
  loop::CompareOptions co;
  co.resume = o.resume;
  co.seeds = o.seeds;
  if (o.ablations) {
    LASER_CHECK(o.strategies.empty(), "--ablations", "the ablation grid is its own list of strategies", "drop --strategies");
    if (!o.seeds_given) co.seeds = 3;
    co.out_name = name + "-ablations";
    for (auto& a : loop::ablation_grid(rm_names)) co.strategies.push_back(a.strategy);
  } else if (o.strategies.empty()) {
    co.strategies.push_back("sft");
    for (auto& n : rm_names) co.strategies.push_back("fixed:" + n);
    for (auto s : {"random", "sequential", "score-ensemble", "laser"}) co.strategies.push_back(s);
  } else {
    for (auto& s : split(o.strategies, ','))
      if (!trim(s).empty()) co.strategies.push_back(trim(s));
  }
  loop::install_stop_handlers();
  auto res = loop::run_compare(cfg, {}, co);
  std::cout << "\n" << loop::compare_markdown(res) << "\n";
  for (auto& r : res["rows"]) std::cout << "report " << r["strategy"].get<std::string>() << ": " << r["report"].get<std::string>() << "\n";
  std::cout << "table: " << res["dir"].get<std::string>() << "/compare.md, page: " << res["html"].get<std::string>() << "\n";
}

void run_arithmetic(WorldOpts& o) {
  o.w.fair = o.world == "fair";
  if (o.quick) {
    o.w.size = 96;
    o.w.policy_steps = 40;
    o.w.specialist_steps = 30;
    o.w.generalist_steps = 10;
    o.w.preset = "tiny";
  }
  auto ws = loop::setup_world(o.w);
  if (o.setup_only) {
    std::cout << ws.config_path << "\n";
    return;
  }
  // The fair world's worked responses ("max(9,8)=9\nFinal answer: 9") need its 32 new tokens.
  compare_world(o, ws.config_path, ws.rm_names,
                {"run.iterations=1", "data.dev_size=8", "data.test_size=16", "generation.n=4",
                 o.w.fair ? "generation.max_new_tokens=32" : "generation.max_new_tokens=12"},
                o.name == "world" && o.w.fair ? "fair" : o.name);
}

void run_stories(WorldOpts& o) {
  loop::StoriesSetupOptions so;
  so.cache_dir = o.w.cache_dir;
  so.model_dir = o.model;
  so.seed = o.w.seed;
  if (o.size_given) so.size = o.w.size;
  if (o.quick) so.size = 48;
  auto ss = loop::setup_stories_world(so);
  if (o.setup_only) {
    std::cout << ss.config_path << "\n";
    return;
  }
  compare_world(o, ss.config_path, ss.rm_names,
                {"run.iterations=1", "data.dev_size=4", "data.test_size=16", "generation.n=4", "generation.max_new_tokens=16"},
                o.name == "world" ? "stories" : o.name);
}

}  // namespace

void add_world_commands(CLI::App& app) {
  auto o = std::make_shared<WorldOpts>();
  auto* c = app.add_subcommand("world", "a built-in world (arithmetic: weak policy and skill-specialist RMs built here, cached; stories: "
                                        "the pretrained stories260K and aspect RMs), then compare strategies");
  c->add_option("--world", o->world, "which world: arithmetic, fair (arithmetic with test facts disjoint from training facts) or stories")
      ->capture_default_str()->check(CLI::IsMember({"arithmetic", "fair", "stories"}));
  c->add_option("--model", o->model, "stories: the stories260K HF directory")->capture_default_str();
  c->add_option("--cache", o->w.cache_dir, "where models are built once and reused (stories: its task file and config)")->capture_default_str();
  c->add_option("--seed", o->w.seed, "world seed")->capture_default_str();
  auto* size = c->add_option("--size", o->w.size, "world examples (train + dev + test; stories: 320 unless set)")->capture_default_str();
  c->add_option("--strategies", o->strategies, "strategies to compare (default: sft, every single RM, random, sequential, score-ensemble, laser)");
  c->add_option("--out-dir", o->out_dir, "run directories go here")->capture_default_str();
  c->add_option("--name", o->name, "run name prefix (stories: \"stories\" unless set)")->capture_default_str();
  c->add_option("--set", o->set, "override a key of the world's run config (repeatable)");
  auto* off_skill = c->add_option("--specialist-off-skill", o->w.specialist_other_accuracy,
                                   "fair world: a specialist's share of right facts outside its own skill (0.5: at chance; above, "
                                   "every RM knows a little of every skill, as real RMs do; a world of its own in the cache)")
                       ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  c->add_flag("--quick", o->quick, "a reduced world for tests: fewer examples, steps and iterations");
  c->add_flag("--setup-only", o->setup_only, "build the models and config, print the config path, run nothing");
  c->add_flag("--resume", o->resume, "reuse finished runs of an earlier `laser world`");
  auto* seeds = c->add_option("--seeds", o->seeds, "run every strategy on N seeds (data order, sampling, world facts): mean ± 95% interval")
                    ->capture_default_str()->check(CLI::Range(1, 1000));
  c->add_flag("--ablations", o->ablations,
              "LASeR at its defaults against one change at a time (bandit, reward signal, pooling, per-batch, noisy-RM sigma), 3 seeds "
              "unless --seeds says otherwise; writes <name>-ablations/compare.md");
  c->callback([o, size, seeds, off_skill] {
    o->size_given = size->count() > 0;
    o->seeds_given = seeds->count() > 0;
    LASER_CHECK(off_skill->count() == 0 || o->world == "fair", "--specialist-off-skill",
                "it sets the fair world's specialists, not the " + o->world + " world's", "add --world fair, or drop --specialist-off-skill");
    if (o->world == "stories") run_stories(*o);
    else run_arithmetic(*o);
  });
}

}  // namespace laser::cli
