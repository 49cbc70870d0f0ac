// The trainer on a bf16 policy, against the same steps in f32: LoRA keeps a frozen bf16 base and
// trains f32 adapters; full fine-tuning keeps f32 master weights and computes under autocast, so
// the reference equals the policy exactly at the start (DPO loss log 2); both learn; a checkpoint
// keeps each tensor's dtype and resumes to the same weights as an uninterrupted run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>

#include "laser/io/file_util.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/train/trainer.h"
#include "train/tiny_pairs.h"

using namespace laser;
using namespace laser::train;

namespace {
constexpr int64_t kBf16Vocab = 48;

model::CausalLM bf16_tiny(torch::Dtype dt, uint64_t seed = 7) {
  model::CausalLM m(model::preset_config("tiny", kBf16Vocab));
  model::init_weights(m, seed);
  m->to(dt);
  return m;
}

std::vector<PreferencePair> bf16_batch(uint64_t salt = 0) { return laser::testing::tiny_pairs(kBf16Vocab, salt); }

TrainerConfig cfg_of(bool lora) {
  TrainerConfig c;
  c.lr = 1e-2;
  c.lora = lora;
  c.lora_dropout = 0.0;
  return c;
}

std::string bf16_tmpdir(const std::string& name) {
  std::string d = std::string(LASER_TEST_TMP) + "/train-bf16/" + name + "-" + std::to_string(::getpid());
  io::remove_all(d);
  io::make_dirs(d);
  return d;
}
}  // namespace

TEST(TrainerBf16, LoraTrainsF32AdaptersOnAFrozenBf16Base) {
  auto f = bf16_tiny(torch::kFloat32), b = bf16_tiny(torch::kBFloat16);
  auto base_before = b->model->layers[0]->named_parameters(true)["self_attn.q_proj.weight"].clone();
  Trainer tf(f, cfg_of(true)), tb(b, cfg_of(true));
  for (auto& [n, p] : tb.trainable()) EXPECT_EQ(p.scalar_type(), torch::kFloat32) << n;
  EXPECT_EQ(b->dtype(), torch::kBFloat16);
  std::vector<double> lf, lb;
  for (int i = 0; i < 6; ++i) {
    lf.push_back(tf.step(bf16_batch()).loss);
    lb.push_back(tb.step(bf16_batch()).loss);
  }
  // Same initial adapters (same seed), so the losses track f32 within bf16 rounding ...
  for (size_t i = 0; i < lf.size(); ++i) EXPECT_NEAR(lb[i], lf[i], 0.02 * std::abs(lf[i])) << "step " << i;
  // ... and both learn; the bf16 base never moves.
  EXPECT_LT(lb.back(), lb.front() - 0.05);
  EXPECT_TRUE(torch::equal(b->model->layers[0]->named_parameters(true)["self_attn.q_proj.weight"], base_before));
}

TEST(TrainerBf16, FullFineTuningKeepsF32MastersUnderAutocast) {
  auto f = bf16_tiny(torch::kFloat32), b = bf16_tiny(torch::kBFloat16);
  Trainer tf(f, cfg_of(false)), tb(b, cfg_of(false));
  EXPECT_EQ(b->dtype(), torch::kFloat32) << "full fine-tuning turns the weights into f32 masters";
  EXPECT_EQ(b->autocast_dtype(), torch::kBFloat16);
  auto before = b->model->layers[0]->named_parameters(true)["mlp.down_proj.weight"].clone();
  auto r0 = tb.step(bf16_batch());
  // The frozen reference computes exactly as the policy: DPO starts at log 2 exactly.
  EXPECT_NEAR(r0.metrics["dpo"], std::log(2.0), 1e-6);
  EXPECT_NEAR(r0.loss, tf.step(bf16_batch()).loss, 0.02 * r0.loss);
  // An update far below bf16's rounding step (lr 1e-2 on weights of ~0.02: relative 1e-2 at most
  // per step, but Adam's first steps move each weight by ~lr) is kept in the f32 masters.
  auto after = b->model->layers[0]->named_parameters(true)["mlp.down_proj.weight"];
  EXPECT_EQ(after.scalar_type(), torch::kFloat32);
  EXPECT_GT((after - before).abs().max().item<double>(), 0.0);
  double first = r0.loss, last = 0;
  for (int i = 0; i < 5; ++i) last = tb.step(bf16_batch()).loss;
  EXPECT_LT(last, first - 0.05);
}

TEST(TrainerBf16, CheckpointKeepsDtypesAndResumesExactly) {
  for (bool lora : {true, false}) {
    auto cfg = cfg_of(lora);
    auto a = bf16_tiny(torch::kBFloat16);
    Trainer ta(a, cfg);
    for (int i = 0; i < 4; ++i) ta.step(bf16_batch(i));

    std::string dir = bf16_tmpdir(lora ? "lora" : "full") + "/ckpt";
    auto b = bf16_tiny(torch::kBFloat16);
    {
      Trainer tb(b, cfg);
      tb.step(bf16_batch(0));
      tb.step(bf16_batch(1));
      tb.save_checkpoint(dir);
    }
    io::SafetensorsFile w(dir + "/model.safetensors");
    EXPECT_EQ(w.get("model.layers.0.self_attn.q_proj.weight").dtype, lora ? "BF16" : "F32") << "lora " << lora;
    if (lora) {
      io::SafetensorsFile ad(dir + "/adapter/adapter_model.safetensors");
      EXPECT_EQ(ad.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").dtype, "F32");
    }
    auto c = bf16_tiny(torch::kBFloat16, 123);
    Trainer tc(c, cfg);
    tc.load_checkpoint(dir);
    for (int i = 2; i < 4; ++i) tc.step(bf16_batch(i));
    auto sa = a->named_parameters(true);
    for (auto& p : c->named_parameters(true)) {
      EXPECT_EQ(p.value().scalar_type(), sa[p.key()].scalar_type()) << p.key();
      EXPECT_TRUE(torch::equal(p.value(), sa[p.key()])) << p.key() << " lora " << lora;
    }
  }
}
