// `laser tokenize` end to end: ids with and without special tokens, and --decode, for a
// byte-level (GPT-2 tokenizer.json), SentencePiece-style (Llama-2) and tiktoken (Llama-3) model dir.
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
