// PromptEncoder: raw prompts keep the tokenizer's specials; chat prompts are the template's exact
// rendering (one BOS, specials as single ids) with the right end-of-turn id; bad specs fail with
// the config key and a hint. Uses the real tokenizers and tokenizer_config.json files in ../shared/ext.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "ext_vectors.h"
#include "laser/core/error.h"
#include "laser/text/prompt_encoder.h"

using namespace laser;
using namespace laser::text;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return format_error(e.what_msg(), e.where(), e.hint());
  }
  return "";
}
}  // namespace

TEST(PromptEncoder, RawPromptKeepsTheTokenizerSpecials) {
  LASER_REQUIRE_EXT(e);
  auto tok = laser::text::testing::ext_tokenizer(e, "llama3-tiktoken");
  auto pe = PromptEncoder::from_spec("", e + "/tokenizers/llama-3/Meta-Llama-3-8B-Instruct", "policy.chat_template");
  EXPECT_FALSE(pe.chat());
  EXPECT_EQ(pe.describe(), "raw");
  EXPECT_EQ(pe.render("Hi"), "Hi");
  EXPECT_EQ(pe.encode(*tok, "Hi"), tok->encode("Hi", true));
  EXPECT_EQ(pe.encode(*tok, "Hi").front(), 128000);
  EXPECT_TRUE(pe.stop_ids(*tok).empty());
  EXPECT_EQ(pe.end_of_turn_id(*tok), tok->eos_id());
}

TEST(PromptEncoder, Llama3InstructDetectedFromItsTokenizerConfig) {
  LASER_REQUIRE_EXT(e);
  auto tok = laser::text::testing::ext_tokenizer(e, "llama3-tiktoken");
  auto pe = PromptEncoder::from_spec("auto", e + "/tokenizers/llama-3/Meta-Llama-3-8B-Instruct", "policy.chat_template");
  ASSERT_TRUE(pe.chat());
  EXPECT_EQ(pe.describe(), "llama-3");
  auto ids = pe.encode(*tok, "Hi");
  // <|begin_of_text|> once (the template writes it; nothing is added), specials as single ids.
  EXPECT_EQ(ids, (std::vector<int32_t>{128000, 128006, 882, 128007, 271, 13347, 128009, 128006, 78191, 128007, 271}));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 128000), 1);
  EXPECT_EQ(pe.end_of_turn_id(*tok), 128009);  // <|eot_id|>
  EXPECT_EQ(pe.stop_ids(*tok), std::vector<int32_t>{128009});
}

TEST(PromptEncoder, SystemMessageAndQwenEndOfTurn) {
  LASER_REQUIRE_EXT(e);
  auto tok = laser::text::testing::ext_tokenizer(e, "qwen2-dir");
  auto pe = PromptEncoder::from_spec("auto", e + "/tokenizers/qwen2", "policy.chat_template", "Be brief.");
  EXPECT_EQ(pe.describe(), "qwen2");
  EXPECT_EQ(pe.render("Hi"), "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  auto ids = pe.encode(*tok, "Hi");
  EXPECT_EQ(ids.front(), 151644);  // <|im_start|>
  EXPECT_EQ(ids, tok->encode(pe.render("Hi"), false));
  EXPECT_EQ(pe.end_of_turn_id(*tok), 151645);  // <|im_end|>
  // Without a system message Qwen2's default one is used.
  auto plain = PromptEncoder::from_spec("qwen2", "", "k");
  EXPECT_NE(plain.render("Hi").find("You are a helpful assistant."), std::string::npos);
}

TEST(PromptEncoder, EndOfTurnFallsBackToEosWhenNotOneToken) {
  LASER_REQUIRE_EXT(e);
  auto tok = laser::text::testing::ext_tokenizer(e, "gpt2-json");
  auto pe = PromptEncoder::from_spec("zephyr", "", "k");
  ASSERT_GT(tok->encode("</s>", false).size(), 1u);
  EXPECT_EQ(pe.end_of_turn_id(*tok), 50256);
}

TEST(PromptEncoder, BadSpecsNameTheKeyAndHint) {
  LASER_REQUIRE_EXT(e);
  auto m = error_of([&] { PromptEncoder::from_spec("auto", e + "/tokenizers/gpt2", "policy.chat_template"); });
  EXPECT_NE(m.find("policy.chat_template"), std::string::npos) << m;
  EXPECT_NE(m.find("no known chat template"), std::string::npos) << m;
  EXPECT_NE(m.find("llama-3"), std::string::npos) << m;  // the hint lists the names
  m = error_of([] { PromptEncoder::from_spec("chatm", "", "policy.chat_template"); });
  EXPECT_NE(m.find("policy.chat_template"), std::string::npos) << m;
  EXPECT_NE(m.find("chatml"), std::string::npos) << m;
  m = error_of([] { PromptEncoder::from_spec("", "", "policy.chat_template", "You are terse."); });
  EXPECT_NE(m.find("system prompt needs a chat template"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}
