// The reduced built-in world (`laser world --quick`) inside make test: the table, every run
// directory and every report are produced. Accuracy is not checked here (README states it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"

namespace io = laser::io;

TEST(World, QuickWorldProducesTableRunsAndReports) {
  std::string dir = std::string(LASER_TEST_TMP) + "/world-quick";
  io::remove_all(dir);
  std::string cmd = "LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " world --quick --cache " + dir + "/cache --out-dir " + dir + "/runs 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << out;
  const std::vector<std::string> strategies = {"sft", "fixed:spec-add", "fixed:spec-mul", "fixed:spec-cmp", "fixed:generalist",
                                               "fixed:noisy", "random", "sequential", "score-ensemble", "laser"};
  EXPECT_NE(out.find("| strategy | add | cmp | mul | overall | RM items | RM calls | RM seconds | wall s |"), std::string::npos) << out;
  for (auto& s : strategies) EXPECT_NE(out.find("| " + s + " |"), std::string::npos) << s;
  auto cmp = io::read_json(dir + "/runs/world-compare/compare.json");
  ASSERT_EQ(cmp["rows"].size(), strategies.size());
  int64_t ensemble_items = 0, laser_items = 0;
  for (auto& r : cmp["rows"]) {
    std::string rd = r["run_dir"].get<std::string>();
    EXPECT_TRUE(io::file_exists(rd + "/summary.json")) << rd;
    EXPECT_TRUE(io::file_exists(rd + "/report.html")) << rd;
    EXPECT_TRUE(io::file_exists(rd + "/config.toml")) << rd;
    if (r["strategy"] == "score-ensemble") ensemble_items = r["rm_items"].get<int64_t>();
    if (r["strategy"] == "laser") laser_items = r["rm_items"].get<int64_t>();
  }
  EXPECT_TRUE(io::file_exists(dir + "/runs/world-compare/compare.md"));
  // LASeR runs one RM per prompt: 1/K of the score ensemble's RM work (K = 5).
  EXPECT_GT(laser_items, 0);
  EXPECT_EQ(laser_items * 5, ensemble_items);
  // A second call reuses the cached models (nothing is rebuilt).
  auto stamp = io::read_file(dir + "/cache/v1-add+mul+cmp-9-n96-s1-tiny/policy/model.safetensors");
  p = popen((std::string(LASER_BIN) + " world --quick --setup-only --cache " + dir + "/cache 2>&1").c_str(), "r");
  out.clear();
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  EXPECT_EQ(out.find("building"), std::string::npos) << out;
  EXPECT_EQ(io::read_file(dir + "/cache/v1-add+mul+cmp-9-n96-s1-tiny/policy/model.safetensors"), stamp);
}
