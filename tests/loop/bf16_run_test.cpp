// `laser train` with run.dtype = bf16 end to end on tiny models: the policy and the LM RM load in
// bf16, generation, scoring and LoRA training run, the final checkpoint keeps a bf16 base with
// f32 adapters, and a run stopped by run.max_steps resumes to the same weights, decisions and
// metrics as an uninterrupted one.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "loop/loop_test_util.h"

namespace io = laser::io;
using laser::loop::testing::jsonl_without_times;
using laser::loop::testing::sh;
using laser::loop::testing::tmp;

namespace {

std::string config(const std::string& out_dir) {
  std::string m = laser::loop::testing::tiny_models("bf16-models");
  std::string text = "[run]\nname = \"r\"\nout_dir = \"" + out_dir + "\"\niterations = 2\nseed = 3\nthreads = 1\ndtype = \"bf16\"\n"
                     "early_stop_loss = 0.0\ncheckpoint_every_steps = 1\n"
                     "[policy]\nmodel = \"" + m + "/policy\"\n"
                     "[data]\nformat = \"world\"\nworld_size = 40\ndev_size = 4\ntest_size = 4\nbatch_size = 8\n"
                     "[generation]\nn = 3\ntemperature = 1.0\nmax_new_tokens = 6\n"
                     "[strategy]\nname = \"laser\"\n"
                     "[train]\nlr = 1e-3\nlora_r = 4\n"
                     "[[rm]]\nname = \"a\"\nkind = \"lm-likelihood\"\nmodel = \"" + m + "/rm-a\"\ndtype = \"bf16\"\nappend_eos = true\n"
                     "[[rm]]\nname = \"v\"\nkind = \"verifier\"\ntype = \"gsm8k\"\n";
  io::make_dirs(out_dir);
  io::write_file_atomic(out_dir + "/c.toml", text);
  return out_dir + "/c.toml";
}

std::string train_cmd(const std::string& cfg) { return "LASER_NO_PROGRESS=1 " + std::string(LASER_BIN) + " train --config " + cfg; }

}  // namespace

TEST(Bf16Run, TrainsKeepsDtypesAndResumesExactly) {
  std::string a = tmp("bf16-a"), b = tmp("bf16-b");
  io::remove_all(a);
  io::remove_all(b);
  int rc = 0;
  auto log = sh(train_cmd(config(a)), &rc);
  ASSERT_EQ(rc, 0) << log;
  std::string last = a + "/r/checkpoints/iter-2";
  io::SafetensorsFile w(last + "/model.safetensors");
  EXPECT_EQ(w.get("model.layers.0.self_attn.q_proj.weight").dtype, "BF16");
  io::SafetensorsFile ad(last + "/adapter/adapter_model.safetensors");
  EXPECT_EQ(ad.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").dtype, "F32");
  auto metrics = io::read_jsonl(a + "/r/metrics.jsonl");
  ASSERT_FALSE(metrics.empty());
  for (auto& j : metrics)
    if (j.contains("loss") && j["loss"].is_number()) EXPECT_TRUE(std::isfinite(j["loss"].get<double>()));

  log = sh(train_cmd(config(b)) + " --set run.max_steps=3", &rc);
  ASSERT_EQ(rc, 0) << log;
  log = sh(train_cmd(config(b)) + " --resume --set run.max_steps=0", &rc);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_TRUE(io::read_file(last + "/model.safetensors") == io::read_file(b + "/r/checkpoints/iter-2/model.safetensors"));
  EXPECT_TRUE(io::read_file(last + "/adapter/adapter_model.safetensors") ==
              io::read_file(b + "/r/checkpoints/iter-2/adapter/adapter_model.safetensors"));
  EXPECT_EQ(io::read_file(a + "/r/decisions.jsonl"), io::read_file(b + "/r/decisions.jsonl"));
  EXPECT_EQ(jsonl_without_times(a + "/r/metrics.jsonl"), jsonl_without_times(b + "/r/metrics.jsonl"));
}
