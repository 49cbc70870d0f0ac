// Helpers for the reward tests: tiny random model directories with the byte tokenizer, and a
// scratch directory under LASER_TEST_TMP.
#pragma once
#include <string>

#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"
#include "laser/text/byte_tokenizer.h"

namespace laser::reward::testing {

inline std::string scratch(const std::string& name) {
  std::string d = io::join_path(io::join_path(LASER_TEST_TMP, "reward"), name);
  io::make_dirs(d);
  return d;
}

// A tiny Llama (vocab 259, byte tokenizer) with weights from `seed`; a score head if classifier.
inline std::string make_tiny_model(const std::string& name, uint64_t seed, bool classifier = false) {
  std::string dir = scratch(name);
  auto cfg = model::preset_config("tiny", text::ByteTokenizer::kVocab);
  cfg.bos_token_id = text::ByteTokenizer::kBos;
  cfg.eos_token_id = text::ByteTokenizer::kEos;
  cfg.pad_token_id = text::ByteTokenizer::kPad;
  if (classifier) cfg.architecture = "LlamaForSequenceClassification";
  model::CausalLM m(cfg);
  model::init_weights(m, seed);
  model::save_model(m, dir);
  text::ByteTokenizer::save(dir);
  return dir;
}

}  // namespace laser::reward::testing
