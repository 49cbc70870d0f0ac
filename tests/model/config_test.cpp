// Tests of config.json reading (model/config.cpp): every field's JSON type and range is checked
// and a defect is a one-line laser::Error naming the file and the field, never a crash or a torch
// allocation trace. Torch-free: only ModelConfig is used.
#include <gtest/gtest.h>

#include <functional>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/model/config.h"

using namespace laser;
using json = nlohmann::json;

namespace {

std::string tmp(const std::string& name) {
  // One folder per test: ctest runs tests as parallel processes.
  std::string d = io::join_path(io::join_path(LASER_TEST_TMP, "model_config"), ::testing::UnitTest::GetInstance()->current_test_info()->name());
  io::make_dirs(d);
  return io::join_path(d, name);
}

json base_config() {
  return json::parse(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 300,
    "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
    "bos_token_id": 1, "eos_token_id": 2})");
}

// Writes config.json text and expects ModelConfig::load to throw one line holding every needle.
void expect_load_error(const std::string& text, const std::vector<std::string>& needles) {
  std::string p = tmp("config.json");
  io::write_file_atomic(p, text);
  try {
    model::ModelConfig::load(p);
    ADD_FAILURE() << "no error for " << text.substr(0, 200);
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find(p), std::string::npos) << m;
    for (auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' not in: " << m;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a laser::Error: " << e.what();
  }
}

void expect_field_error(const std::string& key, const json& value, const std::vector<std::string>& needles) {
  json j = base_config();
  j[key] = value;
  auto n = needles;
  n.push_back(key);
  expect_load_error(j.dump(), n);
}

}  // namespace

TEST(ModelConfig, ValidConfigLoads) {
  std::string p = tmp("ok.json");
  io::write_file_atomic(p, base_config().dump());
  auto c = model::ModelConfig::load(p);
  EXPECT_EQ(c.hidden_size, 32);
  EXPECT_EQ(c.bos_token_id, 1);
  // Llama 3 lists several EOS ids; old LLaMA conversions write pad_token_id -1 for none.
  json j = base_config();
  j["eos_token_id"] = {2, 3, 4};
  j["pad_token_id"] = -1;
  io::write_file_atomic(p, j.dump());
  c = model::ModelConfig::load(p);
  EXPECT_EQ(c.eos_token_id, 2);
  EXPECT_FALSE(c.pad_token_id.has_value());
}

TEST(ModelConfig, OutOfRangeValuesNameTheField) {
  expect_field_error("rope_theta", -1, {"must be a positive number"});
  expect_field_error("rope_theta", 0, {"must be a positive number"});
  expect_field_error("max_position_embeddings", -1, {"outside [1,"});
  expect_field_error("hidden_size", 1000000000000LL, {"outside [1, 65536]"});
  expect_field_error("vocab_size", 0, {"outside [1,"});
  expect_field_error("num_hidden_layers", 100000, {"outside [1, 1024]"});
  expect_field_error("intermediate_size", -5, {"outside"});
  expect_field_error("rms_norm_eps", -1e-5, {"positive"});
  expect_field_error("bos_token_id", 300, {"outside the vocabulary [0, 300)"});
  expect_field_error("bos_token_id", -2, {"outside the vocabulary"});
  expect_field_error("eos_token_id", json::array({2, 99999}), {"99999", "outside the vocabulary"});
  expect_field_error("pad_token_id", 300, {"outside the vocabulary"});
  expect_field_error("num_key_value_heads", 3, {"multiple of"});
}

TEST(ModelConfig, WrongJsonTypesNameTheField) {
  expect_field_error("num_hidden_layers", 2.5, {"must be an integer", "2.5"});
  expect_field_error("hidden_size", 1e12, {"must be an integer"});  // a float: 1e12 in the file
  expect_field_error("hidden_size", "32", {"must be an integer", "string"});
  expect_field_error("vocab_size", 18446744073709551615ULL, {"below 2^63"});
  expect_field_error("rope_theta", "big", {"must be a number"});
  expect_field_error("tie_word_embeddings", 1, {"true or false"});
  expect_field_error("model_type", 7, {"must be a string"});
  expect_field_error("bos_token_id", "<s>", {"token id"});
  expect_field_error("eos_token_id", json::array({2, "x"}), {"token id"});
  expect_field_error("architectures", json::array({1}), {"must list strings"});
  json j = base_config();
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 4.0}, {"high_freq_factor", 4.0},
                       {"original_max_position_embeddings", 8192}};
  expect_load_error(j.dump(), {"high_freq_factor must be larger than low_freq_factor"});
  j["rope_scaling"]["factor"] = -1;
  expect_load_error(j.dump(), {"rope_scaling.factor"});
  j["rope_scaling"]["factor"] = "x";
  expect_load_error(j.dump(), {"'factor' must be a number"});
}

TEST(ModelConfig, DeepNestingAndHugeNumbersAreOneLineErrors) {
  std::string deep = base_config().dump();
  deep.pop_back();
  deep += ", \"extra\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  expect_load_error(deep, {"deeper than"});
  expect_load_error(R"({"model_type": "llama", "rope_theta": 1e999})", {"number overflow", ":1:"});
}

TEST(ModelConfig, ModelsThatCannotFitInMemoryAreRefusedBeforeAllocation) {
  auto c = model::ModelConfig::from_json(base_config(), "config.json");
  EXPECT_NO_THROW(c.check_fits_memory("config.json"));
  c.vocab_size = int64_t{1} << 24;
  c.hidden_size = 65536;
  c.intermediate_size = int64_t{1} << 20;
  c.num_hidden_layers = 1024;
  c.num_attention_heads = 512;
  c.num_key_value_heads = 512;
  c.validate("config.json");  // every size within its bound, and the product fits int64
  EXPECT_GT(c.num_parameters(), 0);
  try {
    c.check_fits_memory("big/config.json");
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("big/config.json"), std::string::npos) << m;
    EXPECT_NE(m.find("GiB"), std::string::npos) << m;
  }
}
