// Golden test on a real pretrained model: karpathy's stories260K (../shared/ext/models/stories260K,
// skipped when absent) decoded greedily from BOS reproduces llama2.c's own expected 200 ids
// (expected_greedy_200_ids.txt, recorded from run.c), token for token, in f32; in bf16 (weights and
// activations) the teacher-forced argmax still picks llama2.c's token at (almost) every position.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "laser/gen/generate.h"
#include "laser/model/causal_lm.h"

using namespace laser;

namespace {

std::string stories_dir() {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  if (!ext) return "";
  std::string d = std::string(ext) + "/models/stories260K";
  return std::ifstream(d + "/model.safetensors") ? d : "";
}

// The 201 ids of llama2.c's greedy run: BOS, then 200 generated ids.
std::vector<int32_t> expected_ids(const std::string& dir) {
  std::ifstream f(dir + "/expected_greedy_200_ids.txt");
  std::vector<int32_t> ids;
  int32_t x;
  while (f >> x) ids.push_back(x);
  return ids;
}

std::vector<int32_t> greedy(model::CausalLM& m, int32_t bos, int n) {
  gen::SamplingParams p;
  p.temperature = 0.0;
  p.max_new_tokens = n;
  p.stop_ids = {};  // run.c stops at BOS only; 200 tokens from BOS never reach it
  auto g = gen::generate(m, nullptr, {{bos}}, p);
  return g.at(0).ids;
}

}  // namespace

#define LASER_REQUIRE_STORIES(d)                                                                   \
  std::string d = stories_dir();                                                                   \
  if (d.empty()) GTEST_SKIP() << "LASER_SHARED_EXT has no models/stories260K (../shared/ext absent)"

TEST(Stories260K, GreedyF32ReproducesLlama2cExactly) {
  LASER_REQUIRE_STORIES(dir);
  auto want = expected_ids(dir);
  ASSERT_EQ(want.size(), 201u);
  auto m = model::load_model(dir);
  m->eval();
  torch::NoGradGuard ng;
  auto got = greedy(m, want[0], 200);
  std::vector<int32_t> expect(want.begin() + 1, want.end());
  EXPECT_EQ(got, expect);
}

// bf16 rounds every weight and activation (8 bits of mantissa), so free-running greedy output
// eventually takes another branch; teacher-forced on llama2.c's sequence, the argmax at each of
// the 200 positions is compared instead. Measured here: 200/200 agree in bf16 (as in f32) and the
// free-running bf16 output follows llama2.c for all 200 tokens (114 when one-row products went
// through bf16 mv, which rounds differently); the bounds leave room for other CPUs and kernels.
TEST(Stories260K, Bf16TeacherForcedArgmaxAgreesWithLlama2c) {
  LASER_REQUIRE_STORIES(dir);
  auto want = expected_ids(dir);
  ASSERT_EQ(want.size(), 201u);
  torch::NoGradGuard ng;
  auto ids = torch::tensor(std::vector<int64_t>(want.begin(), want.end() - 1)).view({1, -1});  // (1,200)
  auto target = torch::tensor(std::vector<int64_t>(want.begin() + 1, want.end()));            // (200)
  int agree_f32 = 0, agree_bf16 = 0;
  for (auto dt : {DType::F32, DType::BF16}) {
    auto m = model::load_model(dir, {}, dt);
    m->eval();
    auto logits = m->forward(ids)[0];  // (200,V) f32
    int a = logits.argmax(-1).eq(target).sum().item<int>();
    (dt == DType::F32 ? agree_f32 : agree_bf16) = a;
  }
  EXPECT_EQ(agree_f32, 200);
  EXPECT_GE(agree_bf16, 195) << "bf16 argmax agrees with llama2.c at " << agree_bf16 << " of 200 positions";
  // Free-running bf16 greedy output stays on llama2.c's text for a while before it branches.
  auto m = model::load_model(dir, {}, DType::BF16);
  m->eval();
  auto got = greedy(m, want[0], 200);
  size_t same = 0;
  while (same < got.size() && got[same] == want[same + 1]) ++same;
  std::cout << "[ bf16 ] teacher-forced argmax agreement " << agree_bf16 << "/200; free-running greedy follows llama2.c for "
            << same << " tokens\n";
  EXPECT_GE(same, 64u);
}
