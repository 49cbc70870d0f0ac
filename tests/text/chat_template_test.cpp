// Chat templates: a fixed two-turn conversation (system, user, assistant, user) rendered to the
// exact strings of each family's published HF chat_template, and detection from the
// tokenizer_config.json files in ../shared/ext.
#include <gtest/gtest.h>

#include "ext_vectors.h"
#include "laser/core/error.h"
#include "laser/text/chat_template.h"

using namespace laser;
using namespace laser::text;

namespace {
const std::vector<ChatMessage> kConv = {{"system", "You are terse."},
                                        {"user", "What is 2+2?"},
                                        {"assistant", "4"},
                                        {"user", "And 3+3?"}};
std::string render(const std::string& name, bool gen, const std::vector<ChatMessage>& m = kConv) {
  return ChatTemplate::by_name(name).render(m, gen);
}
}  // namespace

TEST(ChatTemplate, Llama3) {
  EXPECT_EQ(render("llama-3", true),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(render("llama-3", false, {{"user", "  hi \n"}}),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>");
}

TEST(ChatTemplate, ChatmlAndQwenDefaults) {
  const std::string body =
      "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
      "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n";
  EXPECT_EQ(render("chatml", true), "<|im_start|>system\nYou are terse.<|im_end|>\n" + body);
  std::vector<ChatMessage> no_sys(kConv.begin() + 1, kConv.end());
  EXPECT_EQ(render("chatml", true, no_sys), body);
  EXPECT_EQ(render("qwen2", true, no_sys), "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + body);
  EXPECT_EQ(render("qwen2.5", true, no_sys),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" + body);
  EXPECT_EQ(render("qwen2", false, no_sys).size() + std::string("<|im_start|>assistant\n").size(),
            render("qwen2", true, no_sys).size());
}

TEST(ChatTemplate, Llama2) {
  EXPECT_EQ(render("llama-2", true),
            "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4 </s><s>[INST] And 3+3? [/INST]");
}

TEST(ChatTemplate, MistralV03) {
  EXPECT_EQ(render("mistral", true), "<s>[INST] What is 2+2?[/INST] 4</s>[INST] You are terse.\n\nAnd 3+3?[/INST]");
}

TEST(ChatTemplate, Zephyr) {
  EXPECT_EQ(render("zephyr", true),
            "<|system|>\nYou are terse.</s>\n<|user|>\nWhat is 2+2?</s>\n<|assistant|>\n4</s>\n"
            "<|user|>\nAnd 3+3?</s>\n<|assistant|>\n");
  EXPECT_EQ(render("zephyr", false, {{"user", "hi"}}), "<|user|>\nhi</s>\n");
}

TEST(ChatTemplate, RejectsBadRolesAndNames) {
  EXPECT_THROW(render("llama-3", true, {{"user", "a"}, {"tool", "b"}}), Error);
  EXPECT_THROW(render("llama-2", true, {{"user", "a"}, {"user", "b"}}), Error);
  try {
    ChatTemplate::by_name("llama3");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("llama-3"), std::string::npos) << e.what();
  }
}

TEST(ChatTemplate, DetectedFromTokenizerConfig) {
  LASER_REQUIRE_EXT(e);
  std::string t = e + "/tokenizers/";
  EXPECT_EQ(ChatTemplate::detect(t + "llama-3/Meta-Llama-3-8B-Instruct")->name(), "llama-3");
  EXPECT_EQ(ChatTemplate::detect(t + "qwen2")->name(), "qwen2");
  EXPECT_EQ(ChatTemplate::detect(t + "qwen2/qwen2.5/tokenizer_config.json")->name(), "qwen2.5");
  EXPECT_EQ(ChatTemplate::detect(t + "mistral-7b-instruct-v0.3")->name(), "mistral");
  EXPECT_FALSE(ChatTemplate::detect(t + "llama-3/Meta-Llama-3-8B").has_value());  // base model: no template
  EXPECT_FALSE(ChatTemplate::detect(t + "gpt2").has_value());
}

TEST(ChatTemplate, RenderedPromptTokenisesSpecialsAsSingleIds) {
  LASER_REQUIRE_EXT(e);
  auto tok = laser::text::testing::ext_tokenizer(e, "llama3-tiktoken");
  auto ids = tok->encode(render("llama-3", true, {{"user", "Hi"}}), false);
  EXPECT_EQ(ids, (std::vector<int32_t>{128000, 128006, 882, 128007, 271, 13347, 128009, 128006, 78191, 128007, 271}));
}
