// Shared helpers for the data tests: where shared/ext is, a scratch folder, small file writers.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "laser/io/file_util.h"

namespace laser::data::test_util {

// shared/ext/datasets, or "" when absent (tests then GTEST_SKIP).
inline std::string datasets_dir() {
  const char* env = std::getenv("LASER_SHARED_EXT");
  std::string base = env ? env : "/work/shared/ext";
  std::string d = base + "/datasets";
  return std::filesystem::is_directory(d) ? d : "";
}

#define LASER_REQUIRE_DATASETS(dir)                                                      \
  const std::string dir = ::laser::data::test_util::datasets_dir();                        \
  if (dir.empty()) GTEST_SKIP() << "shared/ext/datasets not found (set LASER_SHARED_EXT)"

inline std::string scratch(const std::string& name) {
#ifdef LASER_TEST_TMP
  std::string base = std::string(LASER_TEST_TMP) + "/data";
#else
  std::string base = "/tmp/laser-test-data";
#endif
  std::filesystem::create_directories(base);
  return base + "/" + name;
}

inline std::string write_text(const std::string& name, const std::string& text) {
  std::string p = scratch(name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

}  // namespace laser::data::test_util
