// Golden test on a real pretrained model, batched: greedy generation with karpathy's stories260K
// (from ../shared/ext, skipped without it) inside a left-padded batch with two samples per prompt
// gives llama2.c's ids (expected_greedy_200_ids.txt, BOS first) for BOS and for a 37-token prefix
// of the same text, through the cache's padding state and in-place row selection. The single-row
// run from BOS is pretrained_test.cpp's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "laser/gen/generate.h"
#include "laser/io/file_util.h"

using namespace laser;

namespace {

std::string stories260k_dir() {
  const char* e = std::getenv("LASER_SHARED_EXT");
  std::string d = e ? std::string(e) + "/models/stories260K" : "";
  return !d.empty() && io::file_exists(d + "/model.safetensors") ? d : "";
}

std::vector<int32_t> llama2c_greedy_ids(const std::string& dir) {
  std::istringstream in(io::read_file(dir + "/expected_greedy_200_ids.txt"));
  std::vector<int32_t> ids;
  for (int32_t x; in >> x;) ids.push_back(x);
  return ids;
}

}  // namespace

TEST(Stories260K, GreedyIdsEqualLlama2cInALeftPaddedBatch) {
  std::string dir = stories260k_dir();
  if (dir.empty()) GTEST_SKIP() << "LASER_SHARED_EXT (../shared/ext) has no models/stories260K";
  auto want = llama2c_greedy_ids(dir);
  ASSERT_EQ(want.size(), 201u);
  ASSERT_EQ(want[0], 1);  // BOS
  auto m = model::load_model(dir);
  gen::SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 100;
  p.n = 2;
  // One batch: BOS alone (left-padded) and a 37-token prefix, two greedy samples each.
  std::vector<int32_t> prefix(want.begin(), want.begin() + 37);
  auto batch = gen::generate(m, nullptr, {{1}, prefix}, p);
  ASSERT_EQ(batch.size(), 4u);
  for (int s = 0; s < 2; ++s) {
    EXPECT_EQ(batch[s].ids, std::vector<int32_t>(want.begin() + 1, want.begin() + 101)) << "sample " << s;
    EXPECT_EQ(batch[2 + s].ids, std::vector<int32_t>(want.begin() + 37, want.begin() + 137)) << "sample " << s;
  }
}
