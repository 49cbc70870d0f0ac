// What the training benchmarks (bench_dpo, bench_grpo) share: their options (--presets, --iters,
// --no-peer) and running a Python peer in bench/peer with a JSON spec of the batch. Not a
// benchmark itself (no main); header-only because each benchmark is its own program.
#pragma once
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "laser/core/strings.h"

namespace laser::bench {

struct TrainBenchArgs {
  std::vector<std::string> presets{"20m", "100m"};
  int iters = 5;
  bool peer = true;
};

// [--presets 20m,100m] [--iters N] [--no-peer]
inline TrainBenchArgs parse_train_bench_args(int argc, char** argv) {
  TrainBenchArgs o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--presets" && i + 1 < argc) o.presets = split(argv[++i], ',');
    else if (a == "--iters" && i + 1 < argc) o.iters = std::atoi(argv[++i]);
    else if (a == "--no-peer") o.peer = false;
  }
  return o;
}

// Writes `spec` to a temporary file, runs bench/peer/<script> on it with Debian's /usr/bin/python3
// and returns the "seconds_median" of the last JSON object the peer prints; 0 (with the peer's
// output on stderr) when it fails.
inline double peer_seconds_median(const std::string& script, const nlohmann::json& spec) {
  std::string path = "/tmp/laser_bench_peer_spec_" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << spec.dump();
  std::string cmd = "/usr/bin/python3 " + std::string(LASER_SOURCE_DIR) + "/bench/peer/" + script + " " + path;
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    ::pclose(f);
  }
  std::remove(path.c_str());
  try {
    return nlohmann::json::parse(out.substr(out.rfind('{')))["seconds_median"].get<double>();
  } catch (...) {
    std::fprintf(stderr, "peer failed: %s\n", out.c_str());
  }
  return 0;
}

}  // namespace laser::bench
