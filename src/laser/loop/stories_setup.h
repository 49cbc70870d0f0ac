// The stories world (`laser world --world stories`): a real pretrained policy (karpathy's
// stories260K, read from where it lies, never copied), story openings with one constraint each
// (data/stories.h) and one rule-based aspect RM per constraint plus the policy's own likelihood as a
// fluency RM. Writes the task file and the run config; builds no model. The arithmetic world is world_setup.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace laser::loop {

struct StoriesSetupOptions {
  std::string cache_dir = ".cache/world";                          // the task file and run config go here
  std::string model_dir = "../shared/ext/models/stories260K";      // the policy (HF directory)
  size_t size = 320;                                                // examples (train + dev + test)
  uint64_t seed = 1;
  int min_words = 5, max_words = 15, ngram = 3;                     // the length band and repeat's n
};

struct StoriesSetup {
  std::string model_dir;              // absolute
  std::string data_path;              // stories.jsonl
  std::vector<std::string> rm_names;  // aspect-name, aspect-length, aspect-ending, aspect-repeat, fluency
  std::string config_path;            // the run config (TOML)
};

// Checks the model directory (a one-line laser::Error naming the path and `--model` when it is
// missing), writes the task file and the run config, returns where they are.
StoriesSetup setup_stories_world(const StoriesSetupOptions& o);
// The run config text for a model directory and task file.
std::string stories_run_config(const StoriesSetupOptions& o, const std::string& model_dir, const std::string& data_path);

}  // namespace laser::loop
