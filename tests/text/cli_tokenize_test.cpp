// `laser tokenize` end to end: ids with and without special tokens, and --decode, for a
// byte-level (GPT-2 tokenizer.json), SentencePiece-style (Llama-2) and tiktoken (Llama-3) model dir;
// with --chat-template, the rendered prompt and its ids.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "ext_vectors.h"

namespace {
std::string run(const std::string& args) {
  std::string cmd = std::string(LASER_BIN) + " tokenize " + args + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}
}  // namespace

TEST(CliTokenize, EncodeAndDecodeEveryKind) {
  LASER_REQUIRE_EXT(e);
  std::string t = e + "/tokenizers/";
  EXPECT_EQ(run("--model " + t + "gpt2 'Hello world'"), "15496 995\n");
  EXPECT_EQ(run("--model " + t + "gpt2 --decode '15496 995'"), "Hello world\n");
  EXPECT_EQ(run("--model " + t + "llama-2 'Hello world'"), "1 15043 3186\n");
  EXPECT_EQ(run("--model " + t + "llama-2 --no-special 'Hello world'"), "15043 3186\n");
  EXPECT_EQ(run("--model " + t + "llama-2 --decode '1 15043 3186'"), "<s> Hello world\n");
  EXPECT_EQ(run("--model " + t + "llama-2 --decode --no-special '1 15043 3186'"), "Hello world\n");
  EXPECT_EQ(run("--model " + t + "llama-3 'Hello world'"), "128000 9906 1917\n");
  EXPECT_EQ(run("--model " + t + "llama-3 --no-special 'Hello world<|eot_id|>'"), "9906 1917 128009\n");
  EXPECT_EQ(run("--model " + t + "llama-3 --decode --no-special '128000 9906 1917 128009'"), "Hello world\n");
}

// A named template needs no model: the rendered prompt alone, system message included.
TEST(CliTokenize, ChatTemplatePrintsTheRenderedPrompt) {
  EXPECT_EQ(run("--chat-template llama-3 --system 'Be brief.' --text 'Hi there'"),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n\n");
  // Errors are one line and name the option.
  auto err = run("--chat-template auto --text Hi");
  EXPECT_NE(err.find("--chat-template auto"), std::string::npos) << err;
  EXPECT_NE(err.find("--model"), std::string::npos) << err;
  err = run("--chat-template nosuch --text Hi");
  EXPECT_NE(err.find("--chat-template"), std::string::npos) << err;
}

// auto: the model directory's template (Qwen2: chatml with its default system prompt), then the ids,
// which are those of the rendered text encoded without added special tokens.
TEST(CliTokenize, ChatTemplateAutoPrintsTextAndIds) {
  LASER_REQUIRE_EXT(e);
  std::string q = e + "/tokenizers/qwen2";
  const std::string rendered = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
  auto out = run("--model " + q + " --chat-template auto --text Hi");
  ASSERT_EQ(out.rfind(rendered + "\n", 0), 0u) << out;
  std::string ids = out.substr(rendered.size() + 1);
  EXPECT_EQ(ids, run("--model " + q + " --no-special '" + rendered + "'"));
  EXPECT_NE(ids.find("151644"), std::string::npos) << ids;  // <|im_start|> is one id
}
