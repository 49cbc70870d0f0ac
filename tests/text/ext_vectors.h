// Test helpers for the tokenizer tests: where ../shared/ext is, the llama.cpp .inp/.out reader,
// and the tokenizers built from its files (loaded once per test binary).
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/text/bpe_loaders.h"
#include "laser/text/tokenizer.h"

namespace laser::text::testing {

inline std::string ext_dir() {
  const char* e = std::getenv("LASER_SHARED_EXT");
  if (!e || !io::dir_exists(e)) return "";
  return e;
}

#define LASER_REQUIRE_EXT(var)                                                                   \
  std::string var = ::laser::text::testing::ext_dir();                                          \
  if (var.empty()) GTEST_SKIP() << "LASER_SHARED_EXT (../shared/ext) is absent: no tokenizer files or vectors"

struct VectorCase {
  std::string input;
  std::vector<int32_t> ids;
};

// llama.cpp vectors: inputs separated by "\n__ggml_vocab_test__\n", one line of ids per input.
inline std::vector<VectorCase> read_llama_cpp(const std::string& ext, const std::string& name) {
  std::string base = ext + "/tokenizer-vectors/llama.cpp/ggml-vocab-" + name + ".gguf";
  std::string inp = io::read_file(base + ".inp"), out = io::read_file(base + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  size_t i = 0;
  for (size_t j; (j = inp.find(sep, i)) != std::string::npos; i = j + sep.size()) inputs.push_back(inp.substr(i, j - i));
  std::vector<std::string> lines = split(out, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  EXPECT_EQ(inputs.size(), lines.size()) << base;
  std::vector<VectorCase> cases;
  for (size_t k = 0; k < inputs.size() && k < lines.size(); ++k) {
    VectorCase c{inputs[k], {}};
    for (auto& t : split(lines[k], ' '))
      if (!t.empty()) c.ids.push_back(std::stoi(t));
    cases.push_back(std::move(c));
  }
  return cases;
}

// Named tokenizers over ../shared/ext/tokenizers, cached.
inline std::shared_ptr<Tokenizer> ext_tokenizer(const std::string& ext, const std::string& name) {
  static std::map<std::string, std::shared_ptr<Tokenizer>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  std::string t = ext + "/tokenizers/";
  std::shared_ptr<Tokenizer> tok;
  if (name == "gpt2-json") tok = load_hf_tokenizer_json(t + "gpt2/tokenizer.json");
  else if (name == "gpt2-vocab") tok = load_vocab_merges(t + "gpt2/vocab.json", t + "gpt2/merges.txt");
  else if (name == "llama3-tiktoken")
    tok = load_tiktoken(t + "llama-3/tokenizer.model", t + "llama-3/Meta-Llama-3-8B/tokenizer_config.json");
  else if (name == "llama3-tiktoken-bare") tok = load_tiktoken(t + "llama-3/tokenizer.model");
  else if (name == "llama3-gpt2-format")
    tok = load_vocab_merges(t + "llama-3/llama3.2-gpt2-format/encoder.json", t + "llama-3/llama3.2-gpt2-format/vocab.bpe", "llama3");
  else if (name == "qwen2-dir") tok = load_tokenizer(t + "qwen2");
  else if (name == "llama2-json") tok = load_hf_tokenizer_json(t + "llama-2/tokenizer.json");
  else if (name == "llama2-spm") tok = load_sentencepiece_model(t + "llama-2/tokenizer.model", t + "llama-2/tokenizer_config.json");
  else if (name == "mistral-json") tok = load_hf_tokenizer_json(t + "mistral-7b-instruct-v0.3/tokenizer.json");
  else if (name == "mistral-spm")
    tok = load_sentencepiece_model(t + "mistral-7b-instruct-v0.3/tokenizer.model",
                                   t + "mistral-7b-instruct-v0.3/tokenizer_config.json");
  else ADD_FAILURE() << "unknown test tokenizer " << name;
  cache[name] = tok;
  return tok;
}

inline std::string ids_str(const std::vector<int32_t>& v) {
  std::string s;
  for (auto i : v) s += (s.empty() ? "" : " ") + std::to_string(i);
  return s;
}

}  // namespace laser::text::testing
