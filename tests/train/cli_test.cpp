// `laser dpo` / `laser sft` end to end through the program: a 2-process c10d Gloo run on 127.0.0.1
// ends with the same weights as 1 process on the same global batch; bad JSONL lines are reported
// with file:line; metrics.jsonl has TRL's metric names; HH-RLHF rows train as they are.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/text/byte_tokenizer.h"
#include "laser/train/preference_data.h"

using namespace laser;

namespace {
std::string cli_tmpdir(const std::string& name) {
  std::string d = std::string(LASER_TEST_TMP) + "/train-cli/" + name + "-" + std::to_string(::getpid());
  io::remove_all(d);
  io::make_dirs(d);
  return d;
}

struct Run {
  int code;
  std::string output;
};

Run run(const std::string& args) {
  std::string cmd = std::string("LASER_NO_PROGRESS=1 ") + LASER_BIN + " " + args + " 2>&1";
  Run r{0, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

void write(const std::string& path, const std::string& s) { std::ofstream(path) << s; }

std::string pref_data(const std::string& dir) {
  std::string path = dir + "/pairs.jsonl", s;
  for (int i = 0; i < 8; ++i)
    s += "{\"prompt\": \"question " + std::to_string(i) + ": what is " + std::to_string(i) + "+" + std::to_string(i) +
         "?\", \"chosen\": \"it is " + std::to_string(2 * i) + "\", \"rejected\": \"no idea" + std::string(i % 3, '!') + "\"}\n";
  write(path, s);
  return path;
}

std::map<std::string, torch::Tensor> tensors(const std::string& path) {
  io::SafetensorsFile f(path);
  std::map<std::string, torch::Tensor> out;
  for (auto& n : f.names()) out[n] = model::tensor_from_view(f.get(n), n);
  return out;
}
}  // namespace

TEST(TrainCli, TwoProcessGlooEqualsOneProcess) {
  std::string d = cli_tmpdir("dist");
  ASSERT_EQ(run("init-model --preset tiny --out " + d + "/m --seed 3").code, 0);
  auto data = pref_data(d);
  std::string common = "dpo --model " + d + "/m --data " + data + " --full --lr 1e-4 --steps 2 --batch-size 8 --micro-batch 0 --seed 1 --threads 1";
  auto r1 = run(common + " --out " + d + "/one");
  ASSERT_EQ(r1.code, 0) << r1.output;
  auto r2 = run(common + " --nproc 2 --out " + d + "/two");
  ASSERT_EQ(r2.code, 0) << r2.output;
  auto a = tensors(d + "/one/model/model.safetensors"), b = tensors(d + "/two/model/model.safetensors");
  auto init = tensors(d + "/m/model.safetensors");
  ASSERT_EQ(a.size(), b.size());
  double moved = 0;
  for (auto& [n, t] : a) {
    ASSERT_TRUE(b.count(n)) << n;
    EXPECT_LT((t - b[n]).abs().max().item<double>(), 1e-5) << n;
    moved = std::max(moved, (t - init[n]).abs().max().item<double>());
  }
  EXPECT_GT(moved, 1e-5) << "training did not change the weights";
  // Only rank 0 writes metrics: one line per step.
  auto lines = io::read_jsonl(d + "/two/metrics.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  for (const char* k : {"loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen",
                        "logps/rejected", "nll"})
    EXPECT_TRUE(lines[0].contains(k)) << k;
  EXPECT_NEAR(lines[0]["loss"].get<double>(), io::read_jsonl(d + "/one/metrics.jsonl")[0]["loss"].get<double>(), 1e-5);
}

TEST(TrainCli, LoraDpoWritesAdapterAndResumes) {
  std::string d = cli_tmpdir("lora");
  ASSERT_EQ(run("init-model --preset tiny --out " + d + "/m").code, 0);
  auto data = pref_data(d);
  auto r = run("dpo --model " + d + "/m --data " + data + " --steps 3 --batch-size 4 --out " + d + "/o");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(io::file_exists(d + "/o/adapter/adapter_config.json"));
  EXPECT_TRUE(io::file_exists(d + "/o/adapter/adapter_model.safetensors"));
  EXPECT_TRUE(io::file_exists(d + "/o/checkpoint/trainer_state.json"));
  EXPECT_NO_THROW(model::load_model(d + "/o/model"));
  auto r2 = run("dpo --model " + d + "/m --data " + data + " --steps 5 --batch-size 4 --out " + d + "/o --resume " + d + "/o/checkpoint");
  ASSERT_EQ(r2.code, 0) << r2.output;
  EXPECT_EQ(io::read_jsonl(d + "/o/metrics.jsonl").size(), 5u);
}

TEST(TrainCli, SftRuns) {
  std::string d = cli_tmpdir("sft");
  ASSERT_EQ(run("init-model --preset tiny --out " + d + "/m").code, 0);
  write(d + "/sft.jsonl", "{\"prompt\": \"a\", \"response\": \"b\"}\n\n{\"prompt\": \"c\", \"response\": \"dd\"}\n");
  auto r = run("sft --model " + d + "/m --data " + d + "/sft.jsonl --full --lr 1e-3 --steps 3 --batch-size 2 --out " + d + "/o");
  ASSERT_EQ(r.code, 0) << r.output;
  auto lines = io::read_jsonl(d + "/o/metrics.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_LT(lines[2]["loss"].get<double>(), lines[0]["loss"].get<double>());
}

TEST(TrainCli, BadJsonlLinesReportedWithFileAndLine) {
  std::string d = cli_tmpdir("bad");
  ASSERT_EQ(run("init-model --preset tiny --out " + d + "/m").code, 0);
  std::string bad_json = d + "/bad_json.jsonl", missing = d + "/missing.jsonl";
  write(bad_json, "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n{\"prompt\": \"p\", \"chosen\": \n");
  write(missing, "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n\n{\"prompt\": \"q\", \"chosen\": \"a\"}\n");
  auto r = run("dpo --model " + d + "/m --data " + bad_json + " --out " + d + "/o");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("bad_json.jsonl:2"), std::string::npos) << r.output;
  r = run("dpo --model " + d + "/m --data " + missing + " --out " + d + "/o");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("missing.jsonl:3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rejected"), std::string::npos) << r.output;
  // The library reports the same place.
  text::ByteTokenizer tok;
  try {
    train::load_preference_jsonl(missing, tok);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jsonl:3"), std::string::npos) << e.what();
  }
  write(d + "/sft_bad.jsonl", "{\"prompt\": \"a\", \"response\": 3}\n");
  r = run("sft --model " + d + "/m --data " + d + "/sft_bad.jsonl --out " + d + "/o");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("sft_bad.jsonl:1"), std::string::npos) << r.output;
}

// With a chat template the prompt is the rendered user turn and every response ends with the
// template's end-of-turn token (Qwen2: <|im_end|> = 151645) instead of EOS.
TEST(TrainCli, ChatTemplatedPreferenceData) {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  if (!ext || !io::dir_exists(std::string(ext) + "/tokenizers/qwen2")) GTEST_SKIP() << "../shared/ext/tokenizers/qwen2 is absent";
  std::string tdir = std::string(ext) + "/tokenizers/qwen2";
  auto tok = text::load_tokenizer(tdir);
  std::string d = cli_tmpdir("chat");
  write(d + "/p.jsonl", "{\"prompt\": \"Hi\", \"chosen\": \"Hello!\", \"rejected\": \"Go away.\"}\n");
  auto pe = text::PromptEncoder::from_spec("auto", tdir, "--chat-template");
  auto pairs = train::load_preference_jsonl(d + "/p.jsonl", *tok, pe);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].prompt, tok->encode(pe.render("Hi"), false));
  EXPECT_EQ(pairs[0].prompt.front(), 151644);  // <|im_start|>
  EXPECT_EQ(pairs[0].chosen.back(), 151645);
  EXPECT_EQ(pairs[0].rejected.back(), 151645);
  auto chosen = tok->encode("Hello!", false);
  EXPECT_EQ(std::vector<int32_t>(pairs[0].chosen.begin(), pairs[0].chosen.end() - 1), chosen);
  // Raw (the default) keeps the tokenizer's BOS/EOS handling.
  auto raw = train::load_preference_jsonl(d + "/p.jsonl", *tok);
  EXPECT_EQ(raw[0].prompt, tok->encode("Hi", true));
  ASSERT_TRUE(tok->eos_id().has_value());
  EXPECT_EQ(raw[0].chosen.back(), *tok->eos_id());
}

// `laser dpo` straight on HH-RLHF rows (no "prompt" key: the prompt is the shared transcript) runs
// a training step on a tiny random model and moves its weights.
TEST(TrainCli, DpoOnHhRlhfRows) {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  std::string gz = ext ? std::string(ext) + "/datasets/hh-rlhf/harmless-base-test.jsonl.gz" : "";
  if (gz.empty() || !io::file_exists(gz)) GTEST_SKIP() << "../shared/ext/datasets/hh-rlhf is absent";
  std::string d = cli_tmpdir("hh");
  ASSERT_EQ(std::system(("gzip -dc '" + gz + "' | head -n 4 > '" + d + "/hh.jsonl'").c_str()), 0);
  ASSERT_EQ(run("init-model --preset tiny --out " + d + "/m --seed 2").code, 0);
  auto r = run("dpo --model " + d + "/m --data " + d + "/hh.jsonl --full --lr 1e-3 --steps 1 --batch-size 4 --threads 1 --out " + d + "/o");
  ASSERT_EQ(r.code, 0) << r.output;
  auto lines = io::read_jsonl(d + "/o/metrics.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0]["loss"].is_number()) << lines[0].dump();
  auto a = tensors(d + "/o/model/model.safetensors"), init = tensors(d + "/m/model.safetensors");
  double moved = 0;
  for (auto& [n, t] : a) moved = std::max(moved, (t - init[n]).abs().max().item<double>());
  EXPECT_GT(moved, 1e-6);
}
