// PromptEncoder: raw prompts keep the tokenizer's specials; chat prompts are the template's exact
// rendering (one BOS, specials as single ids) with the right end-of-turn id; bad specs fail with
// the config key and a hint; conversations render whole; the context rule cuts the middle of a long
// prompt, keeping head, tail and the template. Uses the real tokenizers in ../shared/ext (skips without).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "ext_vectors.h"
#include "laser/core/error.h"
#include "laser/text/byte_tokenizer.h"
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

namespace {
// "QUESTION: where is the key?" + n filler bytes + "ANSWER IN ONE WORD." — head and tail must survive.
std::string long_prompt(size_t n) {
  std::string s = "QUESTION: where is the key? ";
  for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + i % 26);
  return s + " ANSWER IN ONE WORD.";
}
}  // namespace

// The byte tokenizer: one token per byte plus BOS, so the cut is exact: 1 BOS + 50 head + 49 tail bytes.
TEST(PromptEncoder, LongRawPromptLosesItsMiddleToTheBudget) {
  ByteTokenizer tok;
  const std::string p = long_prompt(5000);
  PromptEncoder pe;
  pe.set_token_budget(100);
  auto ids = pe.encode(tok, p);
  ASSERT_EQ(ids.size(), 100u);
  EXPECT_EQ(ids.front(), ByteTokenizer::kBos);
  std::string text = tok.decode(ids, true);
  EXPECT_EQ(text, p.substr(0, 50) + p.substr(p.size() - 49));
  EXPECT_EQ(text.rfind("QUESTION: where is the key?", 0), 0u);
  EXPECT_EQ(text.substr(text.size() - 19), "ANSWER IN ONE WORD.");
  EXPECT_EQ(pe.truncated_count(), 1u);
  // Short prompts are untouched and not counted; copies share the count; budget 0 is no limit.
  EXPECT_EQ(pe.encode(tok, "short"), tok.encode("short", true));
  PromptEncoder copy = pe;
  copy.encode(tok, p);
  EXPECT_EQ(pe.truncated_count(), 2u);
  EXPECT_EQ(PromptEncoder().encode(tok, p).size(), p.size() + 1);
}

// With a chat template the template's tokens stay whole at both ends; only the user text is cut.
TEST(PromptEncoder, LongChatPromptKeepsTheTemplateAtBothEnds) {
  LASER_REQUIRE_EXT(e);
  auto tok = load_tokenizer(e + "/tokenizers/qwen2");
  auto pe = PromptEncoder::from_spec("qwen2", "", "policy.chat_template");
  pe.set_token_budget(64);
  const std::string p = long_prompt(3000);
  auto full = pe.encode(*tok, "x");
  auto ids = pe.encode(*tok, p);
  EXPECT_LE(ids.size(), 64u);
  EXPECT_GE(ids.size(), 60u);
  std::string text = tok->decode(ids);
  EXPECT_EQ(text.rfind("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQUESTION: where is the key?", 0), 0u)
      << text;
  const std::string end = "ANSWER IN ONE WORD.<|im_end|>\n<|im_start|>assistant\n";
  ASSERT_GE(text.size(), end.size());
  EXPECT_EQ(text.substr(text.size() - end.size()), end) << text;
  EXPECT_EQ(pe.truncated_count(), 1u);
  // A budget smaller than the template alone is an error naming the budget and a hint.
  pe.set_token_budget(static_cast<size_t>(full.size() - 2));
  auto msg = error_of([&] { pe.encode(*tok, p); });
  EXPECT_NE(msg.find("prompt budget"), std::string::npos) << msg;
  EXPECT_NE(msg.find("max_new_tokens"), std::string::npos) << msg;
}

TEST(PromptEncoder, PromptBudgetIsContextMinusNewTokens) {
  EXPECT_EQ(prompt_token_budget(2048, 150, "generation.max_new_tokens"), 1898u);
  auto msg = error_of([] { prompt_token_budget(64, 64, "generation.max_new_tokens"); });
  EXPECT_NE(msg.find("generation.max_new_tokens"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(PromptEncoder, ConversationsRenderWhole) {
  auto pe = PromptEncoder::from_spec("llama-3", "", "policy.chat_template", "Be brief.");
  std::vector<ChatMessage> ms = {{"user", "a"}, {"assistant", "b"}, {"user", "c"}};
  std::vector<ChatMessage> with_sys = {{"system", "Be brief."}, {"user", "a"}, {"assistant", "b"}, {"user", "c"}};
  EXPECT_EQ(pe.render_messages(ms, "f:1"), ChatTemplate::by_name("llama-3").render(with_sys, true));
  // A raw encoder cannot render a conversation: the error names the row and asks for a template.
  auto msg = error_of([&] { PromptEncoder().render_messages(ms, "data.jsonl:3"); });
  EXPECT_NE(msg.find("data.jsonl:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--chat-template"), std::string::npos) << msg;
  msg = error_of([&] { pe.render_messages({{"robot", "x"}}, "data.jsonl:4"); });
  EXPECT_NE(msg.find("data.jsonl:4"), std::string::npos) << msg;
}
