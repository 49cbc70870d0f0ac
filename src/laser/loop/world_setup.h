// The built-in arithmetic worlds' models, produced with laser's own trainer from the seeded task set
// of data/world.h and cached on disk, plus the run config that compares strategies on them.
// - The default world (`make run`): a weak warm-started policy, one LM-likelihood specialist per
//   skill, a weak generalist and a noisy RM; facts repeat between train and test (memorization).
// - The fair world (fair = true, `laser world --world fair`): test facts disjoint from training
//   facts; worked responses whose error is the wrong operation, one choice per skill that can
//   generalize to held-out facts; specialists that know their own skill and are at chance (not
//   inverted) outside it; a generalist right on 60% of every skill's facts; a length-biased RM and
//   a noisy RM.
// Not the task generator (data/world.h).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace laser::loop {

struct WorldSetupOptions {
  std::string cache_dir = ".cache/world";  // models and data are built here once
  std::vector<std::string> skills = {"add", "mul", "cmp"};
  bool fair = false;               // the fair world (see above)
  int max_operand = 9;             // operands 1..9: 225 distinct facts a small model learns in minutes
  size_t size = 480;               // world examples (train + dev + test); the fair world drops repeated facts: 225 remain
  uint64_t seed = 1;
  std::string preset = "small";    // model size for the policy and the RMs
  int policy_steps = 400;          // SFT steps of the warm start
  int specialist_steps = 300;      // SFT steps per specialist RM
  int generalist_steps = 60;       // SFT steps of the default world's weak generalist RM (the fair world's trains for specialist_steps)
  double warm_accuracy = 0.4;      // default world: share of facts whose most likely warm-start answer is correct
  // Fair world: of three warm-start rows per fact, how many apply the right operation (the rest the
  // skill's wrong one), per skill (others: 1). 2 = right under greedy decoding, 1 = wrong.
  std::map<std::string, int> warm_correct = {{"add", 2}, {"mul", 1}, {"cmp", 1}};
  double specialist_other_accuracy = 0.5;  // fair world: a specialist's share of right facts outside its skill (chance: it knows only its own;
                                           // `laser world --specialist-off-skill`, a world of its own in the cache when not 0.5)
  double generalist_accuracy = 0.6;        // fair world: the generalist's share of right facts on every skill
  double noise_sigma = 1.0;        // Gaussian noise on the noisy RM's scores (in z-units of its own spread)
  bool quiet = false;
};

struct WorldSetup {
  std::string policy_dir;
  std::vector<std::string> rm_names;  // spec-<skill>..., generalist, (fair world: short,) noisy
  std::string config_path;            // the run config (TOML) for `laser train` / `laser compare`
};

// Builds what is missing (a stamp file records the options each model was built with) and
// returns where everything is.
WorldSetup setup_world(const WorldSetupOptions& o);
// The run config setup_world writes (TOML text; model paths under o.cache_dir). With the default
// options this is configs/world.toml, less its opening comment.
std::string world_run_config(const WorldSetupOptions& o);

}  // namespace laser::loop
