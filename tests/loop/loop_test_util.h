// Helpers of the loop tests: a scratch path under LASER_TEST_TMP and running a shell command
// (the laser binary) with its combined output and exit status.
#pragma once
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "laser/io/jsonl.h"

namespace laser::loop::testing {

inline std::string tmp(const std::string& name) { return std::string(LASER_TEST_TMP) + "/loop-" + name; }

// Runs `cmd` with stderr joined to stdout; returns the output, the exit status in *rc (-1 if it
// did not exit normally).
inline std::string sh(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (rc) *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// A tiny random policy and two tiny random LM-likelihood RMs (policy, rm-a, rm-b: seeds 1, 2, 3)
// under tmp(name), made by `laser init-model` the first time. Returns the directory.
inline std::string tiny_models(const std::string& name) {
  std::string d = tmp(name);
  for (auto [m, seed] : std::vector<std::pair<std::string, int>>{{"policy", 1}, {"rm-a", 2}, {"rm-b", 3}}) {
    if (std::ifstream(d + "/" + m + "/config.json")) continue;
    int rc = 0;
    auto out = sh(std::string(LASER_BIN) + " init-model --preset tiny --tokenizer bytes --out " + d + "/" + m + " --seed " + std::to_string(seed), &rc);
    if (rc != 0) ADD_FAILURE() << out;
  }
  return d;
}

// A JSONL log (metrics.jsonl, eval.jsonl) without its wall-clock fields (time_*, rm_seconds), for
// comparing runs that must agree bit for bit.
inline std::string jsonl_without_times(const std::string& path) {
  std::string out;
  for (auto j : laser::io::read_jsonl(path)) {
    for (auto it = j.begin(); it != j.end();) {
      if (it.key().rfind("time_", 0) == 0 || it.key() == "rm_seconds") it = j.erase(it);
      else ++it;
    }
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace laser::loop::testing
