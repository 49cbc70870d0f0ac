// The built-in world's models: a weak warm-started policy and K reward models that differ by skill
// (one LM-likelihood specialist per skill, a weak generalist, a noisy RM), all produced with
// laser's own trainer from the seeded task set of data/world.h and cached on disk, plus the run
// config that `make run` compares strategies on. Not the task generator (data/world.h).
#pragma once
#include <string>
#include <vector>

namespace laser::loop {

struct WorldSetupOptions {
  std::string cache_dir = ".cache/world";  // models and data are built here once
  std::vector<std::string> skills = {"add", "mul", "cmp"};
  int max_operand = 9;             // operands 1..9: facts a tiny model can learn in seconds
  size_t size = 480;               // world examples (train + dev + test)
  uint64_t seed = 1;
  std::string preset = "small";    // model size for the policy and the RMs
  int policy_steps = 400;          // SFT steps of the warm start
  int specialist_steps = 300;      // SFT steps per specialist RM
  int generalist_steps = 60;       // SFT steps of the weak generalist RM
  double warm_accuracy = 0.4;      // share of facts whose most likely warm-start answer is correct
  double noise_sigma = 1.0;        // Gaussian noise on the noisy RM's scores (in z-units of its own spread)
  bool quiet = false;
};

struct WorldSetup {
  std::string policy_dir;
  std::vector<std::string> rm_names;  // spec-<skill>..., generalist, noisy
  std::string config_path;            // the run config (TOML) for `laser train` / `laser compare`
};

// Builds what is missing (a stamp file records the options each model was built with) and
// returns where everything is.
WorldSetup setup_world(const WorldSetupOptions& o);
// The run config setup_world writes (TOML text; model paths under o.cache_dir). With the default
// options this is configs/world.toml, less its opening comment.
std::string world_run_config(const WorldSetupOptions& o);

}  // namespace laser::loop
