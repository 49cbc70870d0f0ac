// End-to-end tests of the `laser` program's model commands: init-model writes a loadable HF
// directory, inspect describes it, generate samples reproducibly, --help shows defaults, and bad
// input exits non-zero with a one-line error. Runs LASER_BIN through popen into LASER_TEST_TMP.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"
#include "model/tiny_model.h"

namespace {

// Runs `laser ARGS`, returns (exit status, stdout, plus stderr unless ARGS redirects it).
std::pair<int, std::string> run(const std::string& args) {
  std::string cmd = std::string(LASER_BIN) + " " + args + (args.find("2>") == std::string::npos ? " 2>&1" : "");
  FILE* f = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = pclose(f);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace

TEST(Cli, InitModelInspectGenerate) {
  std::string d = laser::testing::tmp_dir("cli_model");
  auto [rc, out] = run("init-model --preset tiny --tokenizer bytes --out " + d + " --seed 3");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(laser::io::file_exists(laser::io::join_path(d, "model.safetensors")));
  EXPECT_TRUE(laser::io::file_exists(laser::io::join_path(d, "laser_tokenizer.json")));
  auto m = laser::model::load_model(d);
  EXPECT_EQ(m->config().vocab_size, 259);

  std::tie(rc, out) = run("inspect " + d);
  ASSERT_EQ(rc, 0) << out;
  int64_t n = 0;
  for (auto& p : m->parameters()) n += p.numel();
  EXPECT_NE(out.find("parameters       " + std::to_string(n)), std::string::npos) << out;
  EXPECT_NE(out.find("LlamaForCausalLM"), std::string::npos) << out;

  std::string g = "generate --model " + d + " --prompt 'Hello' -n 3 --temperature 0.9 --top-p 0.95 --seed 7 --max-new-tokens 12 --json";
  auto [rc1, out1] = run(g + " 2>/dev/null");
  auto [rc2, out2] = run(g + " 2>/dev/null");
  ASSERT_EQ(rc1, 0) << out1;
  EXPECT_EQ(out1, out2);  // same seed, same samples
  int lines = 0;
  for (auto& line : laser::split(out1, '\n')) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["sample"].get<int>(), lines);
    EXPECT_LE(j["ids"].size(), 12u);
    EXPECT_EQ(j["ids"].size(), j["logprobs"].size());
    ++lines;
  }
  EXPECT_EQ(lines, 3);
  auto [rc3, out3] = run("generate --model " + d + " --prompt 'Hello' -n 3 --seed 8 --max-new-tokens 12 --json 2>/dev/null");
  EXPECT_EQ(rc3, 0);
  EXPECT_NE(out1, out3);  // another seed, other samples

  std::tie(rc, out) = run("generate --model " + d + " --prompt 'Hi' --temperature 0 --max-new-tokens 5 --threads 1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("tokens/s"), std::string::npos) << out;
}

TEST(Cli, HelpShowsDefaultsAndErrorsAreOneLine) {
  auto [rc, out] = run("generate --help");
  EXPECT_EQ(rc, 0);
  for (const char* s : {"--temperature", "0.8", "--max-new-tokens", "64", "--top-p", "--seed", "--device", "cpu", "--threads"})
    EXPECT_NE(out.find(s), std::string::npos) << s << " not in help:\n" << out;
  std::tie(rc, out) = run("init-model --help");
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("tiny"), std::string::npos);
  std::tie(rc, out) = run("generate --model " + std::string(LASER_TEST_TMP) + "/nope --prompt x");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("laser: error:"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  std::string d = laser::testing::tmp_dir("cli_model2");
  run("init-model --preset tiny --out " + d);
  std::tie(rc, out) = run("generate --model " + d + " --prompt x --top-p 0");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("top_p"), std::string::npos) << out;
}

// A prompt longer than the model's context (64 positions) is cut in the middle to the budget
// (64 - max_new_tokens = 56), generation runs, and one warning says so; a budget of nothing is an error.
TEST(Cli, GenerateCutsAPromptLongerThanTheContext) {
  std::string d = laser::testing::tmp_dir("cli_long_prompt");
  auto [rc, out] = run("init-model --preset tiny --tokenizer bytes --max-positions 64 --out " + d + " --seed 3");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(laser::model::load_model(d)->config().max_position_embeddings, 64);
  std::string prompt = "QUESTION " + std::string(500, 'x') + " END";
  std::tie(rc, out) = run("generate --model " + d + " --prompt '" + prompt + "' --max-new-tokens 8 --temperature 0 --json 2>/dev/null");
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out.substr(0, out.find('\n')));
  EXPECT_LE(j["ids"].size(), 8u);
  std::tie(rc, out) = run("generate --model " + d + " --prompt '" + prompt + "' --max-new-tokens 8 --temperature 0 --json 2>&1 >/dev/null");
  ASSERT_EQ(rc, 0) << out;
  size_t warnings = 0;
  for (size_t p = 0; (p = out.find("cut in the middle", p)) != std::string::npos; ++p) ++warnings;
  EXPECT_EQ(warnings, 1u) << out;
  EXPECT_NE(out.find("1 of 1 prompts"), std::string::npos) << out;
  EXPECT_NE(out.find("56-token"), std::string::npos) << out;
  std::tie(rc, out) = run("generate --model " + d + " --prompt 'Hi' --max-new-tokens 64");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("--max-new-tokens"), std::string::npos) << out;
}
