// The preference and SFT row layouts laser reads (train/preference_data.h): prompt/chosen/rejected
// strings, HH-RLHF transcripts, TRL conversational rows (explicit and implicit prompt), SFT
// prompt/response, prompt/completion and messages; one-line errors naming file:line and the layouts
// expected; the real HH-RLHF harmless-base test split from ../shared/ext (skipped when absent).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/text/byte_tokenizer.h"
#include "laser/text/chat_template.h"
#include "laser/text/prompt_encoder.h"
#include "laser/train/preference_data.h"

using namespace laser;
using text::ByteTokenizer;
using text::ChatMessage;
using text::ChatTemplate;
using text::PromptEncoder;

namespace {
std::string file_with(const std::string& name, const std::string& text) {
  std::string d = std::string(LASER_TEST_TMP) + "/preference-data-" + std::to_string(::getpid());
  io::make_dirs(d);
  std::string p = d + "/" + name;
  std::ofstream(p) << text;
  return p;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<int32_t> with_eos(std::vector<int32_t> v) {
  v.push_back(ByteTokenizer::kEos);
  return v;
}

const char* kHH =
    R"({"chosen": "\n\nHuman: What is 2+2?\n\nAssistant: It is 4.\n\nHuman: Sure?\n\nAssistant: Yes, 4.", )"
    R"("rejected": "\n\nHuman: What is 2+2?\n\nAssistant: It is 4.\n\nHuman: Sure?\n\nAssistant: Yes, 5."})";
const std::string kHHPrompt = "\n\nHuman: What is 2+2?\n\nAssistant: It is 4.\n\nHuman: Sure?\n\nAssistant:";
}  // namespace

// HH-RLHF: the prompt is the shared transcript through its last "\n\nAssistant:" (even though both
// answers start with "Yes, "); raw, it is the transcript as is and the answers keep their space.
TEST(PreferenceData, HhTranscriptsSplitAtTheLastSharedAssistantTurn) {
  ByteTokenizer tok;
  auto pairs = train::load_preference_jsonl(file_with("hh.jsonl", std::string(kHH) + "\n"), tok);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].prompt, tok.encode(kHHPrompt, true));
  EXPECT_EQ(pairs[0].chosen, with_eos(tok.encode(" Yes, 4.", false)));
  EXPECT_EQ(pairs[0].rejected, with_eos(tok.encode(" Yes, 5.", false)));
}

// With a chat template the transcript becomes turns (user, assistant, user) rendered whole.
TEST(PreferenceData, HhTranscriptsWithAChatTemplateBecomeTurns) {
  ByteTokenizer tok;
  auto pe = PromptEncoder::from_spec("llama-2", "", "--chat-template");
  auto pairs = train::load_preference_jsonl(file_with("hh-chat.jsonl", std::string(kHH) + "\n"), tok, pe);
  ASSERT_EQ(pairs.size(), 1u);
  std::vector<ChatMessage> turns = {{"user", "What is 2+2?"}, {"assistant", "It is 4."}, {"user", "Sure?"}};
  EXPECT_EQ(pairs[0].prompt, tok.encode(ChatTemplate::by_name("llama-2").render(turns, true), false));
  EXPECT_EQ(pairs[0].chosen, with_eos(tok.encode("Yes, 4.", false)));  // </s> is not one byte token: EOS
}

// TRL conversational rows, explicit and implicit prompt, give the same pair; rows with the same
// prompt share a prompt index.
TEST(PreferenceData, ConversationalRowsExplicitAndImplicit) {
  ByteTokenizer tok;
  auto pe = PromptEncoder::from_spec("chatml", "", "--chat-template");
  std::string explicit_row =
      R"({"prompt": [{"role": "user", "content": "Hi"}], "chosen": [{"role": "assistant", "content": "Hello!"}], )"
      R"("rejected": [{"role": "assistant", "content": "Go away."}]})";
  std::string implicit_row =
      R"({"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], )"
      R"("rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go away."}]})";
  std::string other = R"({"prompt": "Bye", "chosen": "See you.", "rejected": "No."})";
  auto pairs = train::load_preference_jsonl(file_with("conv.jsonl", explicit_row + "\n" + implicit_row + "\n" + other + "\n"), tok, pe);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0].prompt, tok.encode(ChatTemplate::by_name("chatml").render({{"user", "Hi"}}, true), false));
  EXPECT_EQ(pairs[0].prompt, pairs[1].prompt);
  EXPECT_EQ(pairs[0].chosen, pairs[1].chosen);
  EXPECT_EQ(pairs[0].rejected, pairs[1].rejected);
  EXPECT_EQ(pairs[0].prompt_index, 0u);
  EXPECT_EQ(pairs[1].prompt_index, 0u);
  EXPECT_EQ(pairs[2].prompt_index, 1u);
  EXPECT_EQ(pairs[2].prompt, pe.encode(tok, "Bye"));
  // Message lists without a chat template: a one-line error naming the line and the option.
  auto msg = error_of([&] { train::load_preference_jsonl(file_with("conv-raw.jsonl", explicit_row + "\n"), tok); });
  EXPECT_NE(msg.find("conv-raw.jsonl:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--chat-template"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(PreferenceData, RowsOfNoKnownLayoutAreOneLineErrors) {
  ByteTokenizer tok;
  auto pe = PromptEncoder::from_spec("chatml", "", "--chat-template");
  struct Case {
    std::string row, expect;
  } cases[] = {
      {R"({"question": "q", "answer": "a"})", "answer, question"},
      {R"({"chosen": "no transcript", "rejected": "other"})", "\\n\\nAssistant:"},
      {R"({"chosen": "x", "rejected": [{"role": "assistant", "content": "y"}]})", "both strings nor both message lists"},
      {R"({"prompt": [{"role": "user"}], "chosen": "a", "rejected": "b"})", "prompt[0]"},
      {R"({"prompt": "p", "chosen": [{"role": "user", "content": "a"}], "rejected": "b"})", "one assistant message"},
      {R"({"chosen": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "rejected": [{"role": "user", "content": "z"}, {"role": "assistant", "content": "c"}]})",
       "same conversation"},
  };
  for (auto& c : cases) {
    std::string path = file_with("bad.jsonl", "\n" + c.row + "\n");
    auto msg = error_of([&] { train::load_preference_jsonl(path, tok, pe); });
    EXPECT_NE(msg.find("bad.jsonl:2"), std::string::npos) << c.row << " -> " << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.row << " -> " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  auto msg = error_of([&] { train::load_preference_jsonl(file_with("bad-keys.jsonl", R"({"question": "q"})" "\n"), tok, pe); });
  EXPECT_NE(msg.find("{prompt, chosen, rejected}"), std::string::npos) << msg;  // says which keys were expected
}

// SFT: {messages} (last assistant turn = target), {prompt, completion}, {prompt, response}.
TEST(PreferenceData, SftMessagesAndCompletions) {
  ByteTokenizer tok;
  auto pe = PromptEncoder::from_spec("chatml", "", "--chat-template");
  std::string rows =
      R"({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]})"
      "\n"
      R"({"prompt": "q", "completion": "r"})"
      "\n"
      R"({"prompt": [{"role": "user", "content": "q"}], "completion": [{"role": "assistant", "content": "r"}]})"
      "\n";
  auto ex = train::load_sft_jsonl(file_with("sft.jsonl", rows), tok, pe);
  ASSERT_EQ(ex.size(), 3u);
  auto tmpl = ChatTemplate::by_name("chatml");
  EXPECT_EQ(ex[0].prompt, tok.encode(tmpl.render({{"system", "S"}, {"user", "a"}, {"assistant", "b"}, {"user", "c"}}, true), false));
  EXPECT_EQ(ex[0].response, with_eos(tok.encode("d", false)));
  EXPECT_EQ(ex[1].prompt, pe.encode(tok, "q"));
  EXPECT_EQ(ex[1].prompt, ex[2].prompt);
  EXPECT_EQ(ex[1].response, ex[2].response);
  // Bad rows: a trailing user turn, unknown keys.
  auto msg = error_of([&] {
    train::load_sft_jsonl(file_with("sft-bad.jsonl", R"({"messages": [{"role": "user", "content": "a"}]})" "\n"), tok, pe);
  });
  EXPECT_NE(msg.find("sft-bad.jsonl:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("assistant"), std::string::npos) << msg;
  msg = error_of([&] { train::load_sft_jsonl(file_with("sft-keys.jsonl", R"({"text": "a"})" "\n"), tok, pe); });
  EXPECT_NE(msg.find("sft-keys.jsonl:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("{messages}"), std::string::npos) << msg;
}

// The real file: all 2312 pairs load raw (each prompt a transcript ending in "\n\nAssistant:") and
// with a template that insists on alternating turns.
TEST(PreferenceData, RealHhRlhfHarmlessBaseTest) {
  const char* ext = std::getenv("LASER_SHARED_EXT");
  std::string path = ext ? std::string(ext) + "/datasets/hh-rlhf/harmless-base-test.jsonl.gz" : "";
  if (path.empty() || !io::file_exists(path)) GTEST_SKIP() << "../shared/ext/datasets/hh-rlhf is absent";
  ByteTokenizer tok;
  auto raw = train::load_preference_jsonl(path, tok);
  ASSERT_EQ(raw.size(), 2312u);
  size_t prompts = 0;
  for (auto& p : raw) {
    std::string t = tok.decode(p.prompt, true);
    ASSERT_EQ(t.rfind("\n\nHuman:", 0), 0u);
    ASSERT_EQ(t.substr(t.size() - 12), "\n\nAssistant:");
    ASSERT_NE(p.chosen, p.rejected);
    prompts = std::max(prompts, p.prompt_index + 1);
  }
  EXPECT_GT(prompts, 1000u);
  auto chat = train::load_preference_jsonl(path, tok, PromptEncoder::from_spec("llama-2", "", "--chat-template"));
  EXPECT_EQ(chat.size(), 2312u);
}
