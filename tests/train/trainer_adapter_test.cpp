// The adapter a LoRA trainer saves with its checkpoints is the trained one: after reference syncs
// (which merge the adapters into the policy's base weights) the adapter stacks every merged block
// and the current one, names the base model it belongs to, and base + adapter, loaded through
// laser's own loaders, reproduces the trained policy's log-probs; a resumed trainer saves the same.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/train/peft.h"
#include "laser/train/sequence_logprobs.h"
#include "laser/train/trainer.h"

using namespace laser;
using namespace laser::train;
namespace fs = std::filesystem;

namespace {
constexpr int64_t kAdapterVocab = 48;

std::vector<PreferencePair> adapter_pairs(uint64_t salt) {
  std::vector<PreferencePair> ps;
  auto tok = [&](int a) { return static_cast<int32_t>((a * 5 + salt * 7 + 3) % kAdapterVocab); };
  for (size_t p = 0; p < 2; ++p) {
    std::vector<int32_t> prompt;
    for (int i = 0; i < 5 + static_cast<int>(p); ++i) prompt.push_back(tok(i + 13 * static_cast<int>(p)));
    std::vector<int32_t> chosen{tok(1 + static_cast<int>(p)), tok(4), tok(9)};
    for (int r = 0; r < 2; ++r) ps.push_back({prompt, chosen, {tok(30 + r), tok(31 + 2 * r)}, p});
  }
  return ps;
}

std::string adapter_tmpdir(const std::string& name) {
  std::string d = std::string(LASER_TEST_TMP) + "/train/" + name + "-" + std::to_string(::getpid());
  io::remove_all(d);
  io::make_dirs(d);
  return d;
}

// Summed response log-probs of a fixed set of sequences, in eval mode (no dropout).
torch::Tensor logps(model::CausalLM& m) {
  torch::NoGradGuard ng;
  m->eval();
  std::vector<std::vector<int32_t>> prompts{{3, 1, 4, 1, 5}, {9, 2, 6, 5, 3, 5, 8}};
  std::vector<std::vector<int32_t>> responses{{9, 7, 9}, {3, 2, 3, 8}, {4, 6}};
  auto r = sequence_logprobs(m, prompts, responses, {0, 0, 1});
  return r.sum.clone();
}

TrainerConfig cfg_for(const std::string& base) {
  TrainerConfig c;
  c.lr = 1e-2;
  c.lora = true;
  c.lora_r = 4;
  c.lora_alpha = 8.0;
  c.lora_dropout = 0.0;  // steps draw no random numbers: the test's own adapter loads (which do) cannot shift them
  c.base_model_path = base;
  return c;
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }
}  // namespace

TEST(TrainerAdapter, SavedAdapterAfterSyncsReproducesThePolicy) {
  std::string d = adapter_tmpdir("adapter-export");
  std::string base_dir = d + "/base";
  {
    model::CausalLM b(model::preset_config("tiny", kAdapterVocab));
    model::init_weights(b, 11);
    model::save_model(b, base_dir);
  }
  auto policy = model::load_model(base_dir);
  Trainer t(policy, cfg_for(base_dir));
  t.step(adapter_pairs(0));
  t.step(adapter_pairs(1));
  t.sync_reference();
  t.step(adapter_pairs(2));
  t.step(adapter_pairs(3));
  t.sync_reference();  // as the run loop does before its iteration checkpoint: current B = 0
  std::string ck = d + "/iter-2";
  t.save_checkpoint(ck);

  auto cfg = io::read_json(ck + "/adapter/adapter_config.json");
  EXPECT_EQ(cfg["base_model_name_or_path"], fs::absolute(base_dir).lexically_normal().string());
  EXPECT_EQ(cfg["r"], 12);  // two merged blocks and the current one, rank 4 each
  EXPECT_EQ(cfg["lora_alpha"].get<double>(), 24.0);  // same scaling alpha / r = 2
  EXPECT_EQ(cfg["target_modules"].get<std::vector<std::string>>(), (std::vector<std::string>{"q_proj", "v_proj"}));
  io::SafetensorsFile f(ck + "/adapter/adapter_model.safetensors");
  int nb = 0;
  for (auto& n : f.names()) {
    if (n.find("lora_B") == std::string::npos) continue;
    ++nb;
    auto b = model::tensor_from_view(f.get(n), n);
    EXPECT_GT(max_abs(b), 0.0) << n << " is all zero: the trained update is missing from the adapter";
  }
  EXPECT_EQ(nb, 4);  // q_proj and v_proj of the two tiny layers

  // base + adapter (PEFT user's view) == trained policy
  auto want = logps(policy);
  auto reloaded = model::load_model(cfg["base_model_name_or_path"].get<std::string>());
  EXPECT_GT(max_abs(logps(reloaded) - want), 1e-4) << "training changed nothing";
  load_adapter(reloaded, ck + "/adapter");
  EXPECT_LT(max_abs(logps(reloaded) - want), 1e-5);

  // one more step: the current (unmerged) adapter is part of the saved one too
  policy->train();
  t.step(adapter_pairs(4));
  std::string ck3 = d + "/step-5";
  t.save_checkpoint(ck3);
  auto want3 = logps(policy);
  EXPECT_GT(max_abs(want3 - want), 1e-5);
  auto again = model::load_model(base_dir);
  load_adapter(again, ck3 + "/adapter");
  EXPECT_LT(max_abs(logps(again) - want3), 1e-5);

  // a trainer resumed from the checkpoint saves the same adapter and keeps training identically
  auto other = model::load_model(base_dir);
  Trainer resumed(other, cfg_for(base_dir));
  resumed.load_checkpoint(ck);
  resumed.step(adapter_pairs(4));
  std::string ck4 = d + "/resumed";
  resumed.save_checkpoint(ck4);
  io::SafetensorsFile a(ck3 + "/adapter/adapter_model.safetensors"), b(ck4 + "/adapter/adapter_model.safetensors");
  ASSERT_EQ(a.names(), b.names());
  for (auto& n : a.names())
    EXPECT_TRUE(torch::equal(model::tensor_from_view(a.get(n), n), model::tensor_from_view(b.get(n), n))) << n;
  EXPECT_EQ(max_abs(logps(other) - want3), 0.0);
}

TEST(TrainerAdapter, WithoutSyncTheAdapterIsTheCurrentOne) {
  std::string d = adapter_tmpdir("adapter-nosync");
  model::CausalLM m(model::preset_config("tiny", kAdapterVocab));
  model::init_weights(m, 5);
  Trainer t(m, cfg_for(""));
  t.step(adapter_pairs(0));
  t.export_adapter(d + "/adapter");
  auto cfg = io::read_json(d + "/adapter/adapter_config.json");
  EXPECT_EQ(cfg["r"], 4);
  EXPECT_EQ(cfg["lora_alpha"].get<double>(), 8.0);
  EXPECT_EQ(cfg["base_model_name_or_path"], "");
  model::CausalLM fresh(model::preset_config("tiny", kAdapterVocab));
  model::init_weights(fresh, 5);
  load_adapter(fresh, d + "/adapter");
  EXPECT_EQ(max_abs(logps(fresh) - logps(m)), 0.0);
}
