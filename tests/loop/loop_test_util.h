// Helpers of the loop tests: a scratch path under LASER_TEST_TMP and running a shell command
// (the laser binary) with its combined output and exit status.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <string>

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

}  // namespace laser::loop::testing
