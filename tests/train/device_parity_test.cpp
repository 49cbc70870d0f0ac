// The model and the trainer on a GPU against the same work on the CPU: logits in f32 and bf16,
// greedy ids, LoRA training on a bf16 base and full fine-tuning under autocast. Runs where
// LASER_TEST_DEVICE names a GPU (scripts/gpu-check.sh sets cuda); skipped, and reported as
// skipped, everywhere else.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>

#include "laser/core/device.h"
#include "laser/gen/generate.h"
#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"
#include "laser/train/trainer.h"

using namespace laser;

namespace {

std::string test_device() {
  const char* d = std::getenv("LASER_TEST_DEVICE");
  return d ? d : "";
}

std::string tiny_dir() {
  std::string d = std::string(LASER_TEST_TMP) + "/device-parity-" + std::to_string(::getpid());
  io::remove_all(d);
  model::CausalLM m(model::preset_config("tiny", 64));
  model::init_weights(m, 11);
  model::save_model(m, d);
  return d;
}

std::vector<train::PreferencePair> parity_pairs() {
  std::vector<train::PreferencePair> ps;
  for (size_t p = 0; p < 3; ++p) {
    std::vector<int32_t> prompt{1, static_cast<int32_t>(5 + p), 9, 14};
    ps.push_back({prompt, {20, 21, static_cast<int32_t>(22 + p)}, {30, static_cast<int32_t>(31 + p)}, p});
  }
  return ps;
}

double rel(const torch::Tensor& a, const torch::Tensor& b) {
  auto x = a.to(torch::kCPU, torch::kFloat64), y = b.to(torch::kCPU, torch::kFloat64);
  return (x - y).abs().max().item<double>() / y.abs().max().item<double>();
}

}  // namespace

TEST(DeviceParity, ModelAndTrainerOnTheGpuMatchTheCpu) {
  std::string dev = test_device();
  if (dev.empty() || dev == "cpu") GTEST_SKIP() << "LASER_TEST_DEVICE names no GPU (scripts/gpu-check.sh sets cuda)";
  auto spec = parse_device(dev, "LASER_TEST_DEVICE");
  std::string dir = tiny_dir();
  auto ids = torch::tensor({1, 7, 9, 3, 44, 12, 5, 60}, torch::kLong).view({2, 4});
  torch::NoGradGuard ng;
  for (auto dt : {DType::F32, DType::BF16}) {
    auto c = model::load_model(dir, {}, dt), g = model::load_model(dir, spec, dt);
    c->eval();
    g->eval();
    EXPECT_TRUE(g->device().is_cuda());
    EXPECT_LT(rel(g->forward(ids), c->forward(ids)), dt == DType::F32 ? 1e-4 : 0.05) << dtype_name(dt);
    if (dt == DType::F32) {
      gen::SamplingParams p;
      p.temperature = 0.0;
      p.max_new_tokens = 16;
      auto gc = gen::generate(c, nullptr, {{1, 7, 9}}, p), gg = gen::generate(g, nullptr, {{1, 7, 9}}, p);
      EXPECT_EQ(gg[0].ids, gc[0].ids);
    }
  }
  // Training on the device: LoRA on a bf16 base and full fine-tuning under autocast track the CPU.
  at::GradMode::set_enabled(true);
  for (bool lora : {true, false}) {
    train::TrainerConfig tc;
    tc.lr = 1e-2;
    tc.lora = lora;
    tc.lora_dropout = 0.0;
    auto c = model::load_model(dir, {}, DType::BF16), g = model::load_model(dir, spec, DType::BF16);
    torch::manual_seed(0);
    train::Trainer t_cpu(c, tc);
    torch::manual_seed(0);
    train::Trainer t_gpu(g, tc);
    if (!lora) {
      EXPECT_EQ(g->dtype(), torch::kFloat32);
      EXPECT_EQ(g->autocast_dtype(), torch::kBFloat16);
    }
    double first = 0, last = 0;
    for (int i = 0; i < 4; ++i) {
      auto rc = t_cpu.step(parity_pairs()), rg = t_gpu.step(parity_pairs());
      // LoRA's A is drawn from the device's generator, so after the first step (B = 0, A unused)
      // the two runs take slightly different paths.
      double tol = i == 0 || !lora ? 0.02 : 0.05;
      EXPECT_NEAR(rg.loss, rc.loss, tol * std::abs(rc.loss)) << "lora " << lora << " step " << i;
      if (i == 0) {
        first = rg.loss;
        if (!lora) EXPECT_NEAR(rg.metrics["dpo"], std::log(2.0), 1e-5);
      }
      last = rg.loss;
    }
    EXPECT_LT(last, first) << "lora " << lora;
  }
  io::remove_all(dir);
}
