// `laser forward` and `laser dpo-grad` through the program: the logits file equals the model's
// forward in this process, greedy ids have the asked length, the gradients file equals a Trainer
// step's gradients here (full fine-tuning and LoRA on a bf16 base), a trained adapter is written;
// bad inputs get one-line errors naming the file and line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "laser/io/file_util.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/train/trainer.h"
#include "loop/loop_test_util.h"

using namespace laser;

namespace {
std::string check_tmpdir(const std::string& name) {
  std::string d = std::string(LASER_TEST_TMP) + "/check-cli/" + name + "-" + std::to_string(::getpid());
  io::remove_all(d);
  io::make_dirs(d);
  return d;
}

std::string check_run(const std::string& args, int* code) {
  return laser::loop::testing::sh("LASER_NO_PROGRESS=1 LASER_THREADS=1 " + std::string(LASER_BIN) + " " + args, code);
}

torch::Tensor read(const std::string& path, const std::string& name) {
  io::SafetensorsFile f(path);
  return model::tensor_from_view(f.get(name), path + ":" + name);
}

std::string tiny_model(const std::string& dir) {
  model::CausalLM m(model::preset_config("tiny", 64));
  model::init_weights(m, 5);
  model::save_model(m, dir + "/m");
  return dir + "/m";
}

const char* kPairs =
    "{\"prompt\": [1, 5, 9], \"chosen\": [20, 21, 22], \"rejected\": [30, 31]}\n"
    "{\"prompt\": [1, 7], \"chosen\": [40, 41], \"rejected\": [50, 51, 52, 53]}\n";

std::vector<train::PreferencePair> pairs() {
  return {{{1, 5, 9}, {20, 21, 22}, {30, 31}, 0}, {{1, 7}, {40, 41}, {50, 51, 52, 53}, 1}};
}
}  // namespace

TEST(CheckCli, ForwardWritesTheModelsLogitsAndGreedyIds) {
  auto d = check_tmpdir("forward");
  auto m = tiny_model(d);
  std::ofstream(d + "/ids.json") << "[[1, 4, 9, 16], [1, 3, 5, 7]]";
  int rc = 0;
  auto out = check_run("forward --model " + m + " --ids " + d + "/ids.json --out " + d + "/l.safetensors --greedy 5", &rc);
  ASSERT_EQ(rc, 0) << out;
  auto model = model::load_model(m);
  model->eval();
  torch::NoGradGuard ng;
  auto want = model->forward(torch::tensor({1, 4, 9, 16, 1, 3, 5, 7}, torch::kLong).view({2, 4}));
  EXPECT_TRUE(torch::equal(read(d + "/l.safetensors", "logits"), want));
  auto g = read(d + "/l.safetensors", "greedy");
  EXPECT_EQ(g.sizes(), (std::vector<int64_t>{2, 5}));
  // The first greedy id is the argmax of the last position's logits.
  EXPECT_EQ(g[0][0].item<int64_t>(), want[0][3].argmax().item<int64_t>());
}

TEST(CheckCli, DpoGradEqualsTheTrainersGradients) {
  auto d = check_tmpdir("grad");
  auto m = tiny_model(d);
  std::ofstream(d + "/p.jsonl") << kPairs;
  for (bool lora : {false, true}) {
    std::string dt = lora ? "bf16" : "f32";
    int rc = 0;
    auto out = check_run("dpo-grad --model " + m + " --pairs " + d + "/p.jsonl --out " + d + "/g.safetensors --dtype " + dt +
                       (lora ? " --lora --steps 3 --lr 0.01 --save-adapter " + d + "/ad" : std::string()),
                   &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("\"dpo\":0.693147"), std::string::npos) << out;
    // The same step in this process (grad_accum 2: gradients kept, halved, before any update).
    train::TrainerConfig tc;
    tc.lora = lora;
    tc.lora_r = 8;
    tc.lora_alpha = 16.0;
    tc.lora_dropout = 0.0;
    tc.micro_batch = 0;
    tc.max_grad_norm = 0.0;
    tc.weight_decay = 0.0;
    tc.grad_accum = 2;
    torch::manual_seed(0);
    auto pm = model::load_model(m, {}, lora ? DType::BF16 : DType::F32);
    train::Trainer t(pm, tc);
    t.step(pairs());
    io::SafetensorsFile f(d + "/g.safetensors");
    size_t n = 0;
    for (auto& [name, p] : t.trainable()) {
      auto got = read(d + "/g.safetensors", name);
      EXPECT_TRUE(torch::allclose(got, (p.grad() * 2.0).to(torch::kFloat32), 1e-5, 1e-7)) << name << " lora " << lora;
      ++n;
    }
    EXPECT_EQ(f.names().size(), n);
    if (lora) EXPECT_TRUE(std::ifstream(d + "/ad/adapter_model.safetensors").good());
  }
}

TEST(CheckCli, BadInputsGetOneLineErrors) {
  auto d = check_tmpdir("bad");
  auto m = tiny_model(d);
  std::ofstream(d + "/ragged.json") << "[[1, 2, 3], [1, 2]]";
  std::ofstream(d + "/bad.jsonl") << "{\"prompt\": [1], \"chosen\": [2], \"rejected\": [3]}\n{\"prompt\": [1], \"chosen\": [2]}\n";
  int rc = 0;
  auto out = check_run("forward --model " + m + " --ids " + d + "/ragged.json --out " + d + "/x.safetensors", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("ragged.json"), std::string::npos) << out;
  EXPECT_NE(out.find("equal length"), std::string::npos) << out;
  EXPECT_FALSE(std::ifstream(d + "/x.safetensors").good());
  out = check_run("dpo-grad --model " + m + " --pairs " + d + "/bad.jsonl", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("bad.jsonl:2"), std::string::npos) << out;
  out = check_run("dpo-grad --model " + m + " --pairs " + d + "/bad.jsonl --save-adapter " + d + "/ad", &rc);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("--lora"), std::string::npos) << out;
}
