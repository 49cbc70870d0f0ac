// Tokenizer files with values of the wrong JSON type (a number where a string belongs, a string
// where a flag belongs, an id beyond int32, a missing key): each loader (bpe_loaders, and the
// small readers in tokenizer_loader and chat_template) answers with one laser::Error naming the
// file or ignores the odd value, never an nlohmann exception or abort. Hand-made files only.
#include <gtest/gtest.h>

#include <functional>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/text/bpe_loaders.h"
#include "laser/text/chat_template.h"
#include "laser/text/tokenizer.h"

using namespace laser;

namespace {

// A scratch path of the running test (ctest runs tests as parallel processes).
std::string tmp(const std::string& name) {
  std::string d = io::join_path(io::join_path(LASER_TEST_TMP, "text_hostile"), ::testing::UnitTest::GetInstance()->current_test_info()->name());
  io::make_dirs(d);
  return io::join_path(d, name);
}

void expect_laser_error(const std::function<void()>& fn, const std::string& file) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(file), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a laser::Error: " << e.what();
  }
}

const char* kModel = R"("model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]})";

}  // namespace

TEST(BpeLoadersHostile, WrongJsonTypesInTokenizerJsonAreLaserErrors) {
  std::string p = tmp("tokenizer.json");
  for (std::string extra : {std::string(R"("added_tokens": [{"id": 3, "content": 5}])"),
                            std::string(R"("added_tokens": [{"id": 99999999999, "content": "<s>"}])"),
                            std::string(R"("added_tokens": [{"id": 3, "content": "<s>", "special": "yes"}])"),
                            std::string(R"("pre_tokenizer": {"type": "Split", "pattern": {"Regex": 7}}, "decoder": {"type": "ByteLevel"})")}) {
    io::write_file_atomic(p, "{" + std::string(kModel) + ", " + extra + "}");
    expect_laser_error([&] { text::load_hf_tokenizer_json(p, ""); }, p);
  }
  // A TemplateProcessing without "special_tokens" (nlohmann's const operator[] asserted on the
  // missing key: an abort; found by fuzz_tokenizer_json). Its token is then looked up in the vocabulary.
  io::write_file_atomic(p, "{" + std::string(kModel) +
                               R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "ab"}}, {"Sequence": {"id": "A"}}]}})");
  EXPECT_EQ(text::load_hf_tokenizer_json(p, "")->encode("a", true).front(), 2);
  io::write_file_atomic(p, "{" + std::string(kModel) +
                               R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}]}})");
  expect_laser_error([&] { text::load_hf_tokenizer_json(p, ""); }, p);
  std::string model_flag = R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": "yes"}})";
  io::write_file_atomic(p, model_flag);
  expect_laser_error([&] { text::load_hf_tokenizer_json(p, ""); }, p);
}

TEST(BpeLoadersHostile, WrongJsonTypesInTokenizerConfigAreLaserErrors) {
  std::string p = tmp("tokenizer.json"), cfg = tmp("tokenizer_config.json");
  io::write_file_atomic(p, "{" + std::string(kModel) + "}");
  io::write_file_atomic(cfg, R"({"added_tokens_decoder": {"3": {"content": "<s>", "special": 1}}})");
  expect_laser_error([&] { text::load_hf_tokenizer_json(p, cfg); }, cfg);
  std::string vocab = tmp("vocab.json"), merges = tmp("merges.txt");
  io::write_file_atomic(vocab, R"({"a": 0, "b": 1, "ab": 2})");
  io::write_file_atomic(merges, "a b\n");
  io::write_file_atomic(cfg, R"({"tokenizer_class": 5})");
  expect_laser_error([&] { text::load_vocab_merges(vocab, merges, "", "", cfg); }, vocab);
}

TEST(BpeLoadersHostile, OddValuesInLaserTokenizerJsonAndChatTemplatesAreHandled) {
  std::string d = tmp("odd_dir");
  io::make_dirs(d);
  io::write_file_atomic(io::join_path(d, "laser_tokenizer.json"), "[1, 2]");
  expect_laser_error([&] { text::load_tokenizer(d); }, "laser_tokenizer.json");
  std::string cfg = tmp("chat_config.json");
  io::write_file_atomic(cfg, R"({"chat_template": [7, {"name": 3}, {"name": "default", "template": 5}]})");
  EXPECT_FALSE(text::ChatTemplate::detect(cfg).has_value());
}
