// The stories world's task file and run config (see stories_setup.h).
#include "laser/loop/stories_setup.h"

#include <fmt/format.h>
#include <limits.h>
#include <stdlib.h>

#include "laser/core/error.h"
#include "laser/data/stories.h"
#include "laser/io/file_util.h"

namespace laser::loop {

std::string stories_run_config(const StoriesSetupOptions& o, const std::string& model_dir, const std::string& data_path) {
  std::string c;
  c += "# The stories world (written by `laser world --world stories`): the pretrained stories260K policy,\n";
  c += "# story openings with one constraint each, one aspect RM per constraint and a fluency RM.\n";
  // Three iterations: the bandit needs them (LASeR 64.6% after one on seeds 1-5, 92.3% after three over 10 seeds; README).
  c += "[run]\nname = \"stories\"\nout_dir = \"runs\"\nseed = " + std::to_string(o.seed) + "\niterations = 3\nearly_stop_loss = 0.0\nkeep_checkpoints = 1\n\n";
  c += "[policy]\nmodel = \"" + model_dir + "\"\n\n";
  c += "[data]\nformat = \"jsonl\"\npath = \"" + data_path + "\"\ntemplate = \"none\"\ndev_size = 16\ntest_size = 96\nbatch_size = 16\n\n";
  // A response is one paragraph: it ends at a newline or at BOS (how stories260K ends a story) or at
  // the 32-token cap, so length and ending are the policy's choice, not only the cap's.
  c += "[generation]\nn = 6\ntemperature = 1.0\nmax_new_tokens = 32\nstop = [\"\\n\"]\nstop_at_bos = true\n\n";
  // The same routing settings as the arithmetic world (README explains them).
  c += "[strategy]\nname = \"laser\"\nmode = \"per-query\"\npooling = \"mean-input\"\nreward_signal = \"verifier\"\ncontext_l2 = true\n"
       "normalizer = \"percentile\"\n\n";
  c += "[bandit]\nalgorithm = \"linucb\"\nalpha = 1.0\n\n";
  c += "[pairs]\nmode = \"rank1-vs-rest\"\nnum_pairs = 4\n\n";
  c += "[train]\nlora = false\nlr = 5e-4\nnll_weight = 1.0\nbeta = 0.1\nmicro_batch = 64\n\n";
  c += "[eval]\nverifier = \"story\"\n\n";
  for (auto& a : data::story_constraints())
    c += fmt::format("[[rm]]\nname = \"aspect-{}\"\nkind = \"story-aspect\"\naspect = \"{}\"\nmin_words = {}\nmax_words = {}\nngram = {}\n\n", a, a,
                     o.min_words, o.max_words, o.ngram);
  c += "[[rm]]\nname = \"fluency\"\nkind = \"lm-likelihood\"\nmodel = \"" + model_dir + "\"\nreduction = \"mean\"\n";
  return c;
}

StoriesSetup setup_stories_world(const StoriesSetupOptions& o) {
  LASER_CHECK(io::file_exists(io::join_path(o.model_dir, "config.json")) && io::file_exists(io::join_path(o.model_dir, "model.safetensors")),
              "--model " + o.model_dir, "the stories world needs the pretrained stories260K model (config.json, model.safetensors) there",
              "pass --model DIR, the HF directory of karpathy's stories260K (../shared/ext/models/stories260K, see ../shared/ext/SOURCES.md)");
  char buf[PATH_MAX];
  StoriesSetup s;
  s.model_dir = realpath(o.model_dir.c_str(), buf) ? std::string(buf) : o.model_dir;
  data::StoriesOptions so;
  so.seed = o.seed;
  so.n = o.size;
  so.min_words = o.min_words;
  so.max_words = o.max_words;
  so.ngram = o.ngram;
  auto d = data::generate_stories(so);
  std::string root = io::join_path(o.cache_dir, fmt::format("stories-v1-n{}-s{}-w{}-{}-g{}", o.size, o.seed, o.min_words, o.max_words, o.ngram));
  io::make_dirs(root);
  std::string abs_root = realpath(root.c_str(), buf) ? std::string(buf) : root;
  s.data_path = io::join_path(abs_root, "stories.jsonl");
  data::write_examples_jsonl(s.data_path, d);
  for (auto& a : data::story_constraints()) s.rm_names.push_back("aspect-" + a);
  s.rm_names.push_back("fluency");
  s.config_path = io::join_path(abs_root, "stories.toml");
  io::write_file_atomic(s.config_path, stories_run_config(o, s.model_dir, s.data_path));
  return s;
}

}  // namespace laser::loop
