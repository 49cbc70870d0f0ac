// JSONL preference/SFT data (see preference_data.h), read with io::for_each_jsonl (file:line errors):
// the row kinds TRL and OpenRLHF users already have, each turned into prompt ids + response ids.
#include "laser/train/preference_data.h"

#include <map>

#include "laser/core/error.h"
#include "laser/io/jsonl.h"

namespace laser::train {

namespace {

using Messages = std::vector<text::ChatMessage>;
const std::string kHuman = "\n\nHuman:", kAssistant = "\n\nAssistant:";

std::string keys_of(const io::json& j) {
  std::string out;
  for (auto it = j.begin(); it != j.end(); ++it) out += (out.empty() ? "" : ", ") + it.key();
  return out.empty() ? "none" : out;
}

// A message list [{role, content}, ...]; errors name the key and index.
Messages parse_messages(const io::json& v, const std::string& where, const std::string& key) {
  LASER_CHECK(v.is_array(), where, "'" + key + "' is neither a string nor a list of messages", "write a string or [{\"role\": ..., \"content\": ...}]");
  Messages ms;
  for (size_t i = 0; i < v.size(); ++i) {
    const auto& m = v[i];
    std::string at = key + "[" + std::to_string(i) + "]";
    LASER_CHECK(m.is_object() && m.contains("role") && m["role"].is_string() && m.contains("content") && m["content"].is_string(), where,
                "'" + at + "' is not a {role, content} message with string values", "write {\"role\": \"user\", \"content\": \"...\"}");
    ms.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  }
  return ms;
}

// An assistant completion: a string, or a message list holding one assistant message.
std::string completion_text(const io::json& j, const std::string& key, const std::string& where) {
  const auto& v = io::json_get(j, key, where);
  if (v.is_string()) return v.get<std::string>();
  auto ms = parse_messages(v, where, key);
  LASER_CHECK(ms.size() == 1 && ms[0].role == "assistant", where, "'" + key + "' must hold exactly one assistant message",
              "write [{\"role\": \"assistant\", \"content\": \"...\"}] (earlier turns belong in the prompt)");
  return ms[0].content;
}

// A row's prompt: text (raw, or one user turn of the chat template) or a whole conversation.
struct Prompt {
  std::string text;
  Messages messages;
  bool conversation = false;
};

Prompt prompt_of(const io::json& v, const std::string& where, const std::string& key) {
  Prompt p;
  if (v.is_string()) {
    p.text = v.get<std::string>();
  } else {
    p.messages = parse_messages(v, where, key);
    p.conversation = true;
  }
  return p;
}

std::vector<int32_t> encode_prompt(const text::Tokenizer& tok, const text::PromptEncoder& pe, const Prompt& p, const std::string& where) {
  auto ids = p.conversation ? pe.encode_messages(tok, p.messages, where) : pe.encode(tok, p.text);
  LASER_CHECK(!ids.empty(), where + ":prompt", "the prompt encodes to no tokens", "give a non-empty prompt or a tokenizer with BOS");
  return ids;
}

std::vector<int32_t> encode_response(const text::Tokenizer& tok, const text::PromptEncoder& pe, const std::string& s) {
  auto ids = tok.encode(s, false);
  if (auto e = pe.end_of_turn_id(tok)) ids.push_back(*e);
  return ids;
}

// "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:" -> user a, assistant b, user c (turns of
// one speaker in a row joined by a blank line, as chat templates want alternating roles).
Messages hh_messages(const std::string& transcript) {
  Messages ms;
  size_t pos = 0;
  auto next_marker = [&](size_t from, size_t* len, std::string* role) {
    size_t h = transcript.find(kHuman, from), a = transcript.find(kAssistant, from);
    if (h == std::string::npos && a == std::string::npos) return std::string::npos;
    bool human = a == std::string::npos || (h != std::string::npos && h < a);
    *len = human ? kHuman.size() : kAssistant.size();
    *role = human ? "user" : "assistant";
    return human ? h : a;
  };
  size_t len = 0;
  std::string role;
  size_t m = next_marker(0, &len, &role);
  if (m != 0) {  // text before the first marker: a user turn
    ms.push_back({"user", transcript.substr(0, m == std::string::npos ? transcript.size() : m)});
  }
  while (m != std::string::npos) {
    std::string r = role;
    pos = m + len;
    m = next_marker(pos, &len, &role);
    std::string content = transcript.substr(pos, m == std::string::npos ? std::string::npos : m - pos);
    size_t b = content.find_first_not_of(" \n"), e = content.find_last_not_of(" \n");
    content = b == std::string::npos ? "" : content.substr(b, e - b + 1);
    if (m == std::string::npos && r == "assistant" && content.empty()) break;  // the generation prompt
    if (!ms.empty() && ms.back().role == r) ms.back().content += "\n\n" + content;
    else ms.push_back({r, content});
  }
  return ms;
}

struct Split {
  Prompt prompt;
  std::string chosen, rejected;
};

// HH-RLHF / TRL implicit prompt: the prompt is the common prefix of chosen and rejected up to and
// including its last "\n\nAssistant:"; the responses are the rest. Raw: the transcript as it is;
// chat: its turns as messages, the responses without their leading space.
Split split_transcripts(const std::string& c, const std::string& r, bool chat, const std::string& where) {
  size_t n = 0;
  while (n < c.size() && n < r.size() && c[n] == r[n]) ++n;
  size_t a = c.substr(0, n).rfind(kAssistant);
  LASER_CHECK(a != std::string::npos, where, "chosen and rejected share no prompt ending in \"\\n\\nAssistant:\"",
              "write HH-RLHF transcripts (\"\\n\\nHuman: ...\\n\\nAssistant: ...\") or give a \"prompt\" key");
  size_t end = a + kAssistant.size();
  Split s;
  s.prompt.text = c.substr(0, end);
  s.chosen = c.substr(end);
  s.rejected = r.substr(end);
  if (chat) {
    s.prompt.messages = hh_messages(s.prompt.text);
    s.prompt.conversation = true;
    for (auto* t : {&s.chosen, &s.rejected})
      if (!t->empty() && (*t)[0] == ' ') t->erase(0, 1);
  }
  return s;
}

// TRL implicit prompt with messages: the prompt is the common leading messages, each side then
// holds one assistant message.
Split split_conversations(const Messages& c, const Messages& r, const std::string& where) {
  size_t n = 0;
  while (n < c.size() && n < r.size() && c[n].role == r[n].role && c[n].content == r[n].content) ++n;
  LASER_CHECK(n > 0 && n + 1 == c.size() && n + 1 == r.size() && c[n].role == "assistant" && r[n].role == "assistant", where,
              "chosen and rejected must be the same conversation up to one last assistant message each",
              "give the shared turns as \"prompt\" and one assistant message in each of chosen and rejected");
  Split s;
  s.prompt.messages.assign(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n));
  s.prompt.conversation = true;
  s.chosen = c[n].content;
  s.rejected = r[n].content;
  return s;
}

const char* kPreferenceKinds =
    "{prompt, chosen, rejected} (strings or {role, content} message lists), or {chosen, rejected} "
    "(HH-RLHF \"\\n\\nHuman: ...\\n\\nAssistant: ...\" transcripts or message lists sharing the prompt)";
const char* kSftKinds = "{prompt, response}, {prompt, completion} (strings or message lists) or {messages} (message list)";

}  // namespace

std::vector<PreferencePair> load_preference_jsonl(const std::string& path, const text::Tokenizer& tok, const text::PromptEncoder& pe) {
  std::vector<PreferencePair> out;
  std::map<std::vector<int32_t>, size_t> prompt_ids;
  io::for_each_jsonl(path, [&](const io::json& j, const std::string& where) {
    LASER_CHECK(j.is_object(), where, "a line is not a JSON object", std::string("write one of ") + kPreferenceKinds);
    LASER_CHECK(j.contains("chosen") && j.contains("rejected"), where, "a row with keys " + keys_of(j) + " is no preference row",
                std::string("expected ") + kPreferenceKinds);
    Split s;
    if (j.contains("prompt")) {
      s.prompt = prompt_of(j["prompt"], where, "prompt");
      s.chosen = completion_text(j, "chosen", where);
      s.rejected = completion_text(j, "rejected", where);
    } else if (j["chosen"].is_string() && j["rejected"].is_string()) {
      s = split_transcripts(j["chosen"].get<std::string>(), j["rejected"].get<std::string>(), pe.chat(), where);
    } else if (j["chosen"].is_array() && j["rejected"].is_array()) {
      s = split_conversations(parse_messages(j["chosen"], where, "chosen"), parse_messages(j["rejected"], where, "rejected"), where);
    } else {
      throw Error("chosen and rejected are neither both strings nor both message lists", where, std::string("expected ") + kPreferenceKinds);
    }
    PreferencePair p;
    p.prompt = encode_prompt(tok, pe, s.prompt, where);
    p.chosen = encode_response(tok, pe, s.chosen);
    p.rejected = encode_response(tok, pe, s.rejected);
    LASER_CHECK(p.chosen != p.rejected, where, "chosen and rejected are identical", "drop this pair");
    p.prompt_index = prompt_ids.emplace(p.prompt, prompt_ids.size()).first->second;
    out.push_back(std::move(p));
  });
  LASER_CHECK(!out.empty(), path, "no preference pairs in the file", "one JSON object per line");
  return out;
}

std::vector<SftExample> load_sft_jsonl(const std::string& path, const text::Tokenizer& tok, const text::PromptEncoder& pe) {
  std::vector<SftExample> out;
  io::for_each_jsonl(path, [&](const io::json& j, const std::string& where) {
    LASER_CHECK(j.is_object(), where, "a line is not a JSON object", std::string("write one of ") + kSftKinds);
    Prompt prompt;
    std::string target;
    if (j.contains("messages")) {
      auto ms = parse_messages(j["messages"], where, "messages");
      LASER_CHECK(!ms.empty() && ms.back().role == "assistant", where, "'messages' does not end with an assistant turn",
                  "the last assistant message is the target: end the list with it");
      LASER_CHECK(ms.size() >= 2, where, "'messages' holds no turn before the assistant's", "start with the user's message");
      target = ms.back().content;
      ms.pop_back();
      prompt.messages = std::move(ms);
      prompt.conversation = true;
    } else if (j.contains("prompt") && (j.contains("response") || j.contains("completion"))) {
      prompt = prompt_of(j["prompt"], where, "prompt");
      target = completion_text(j, j.contains("response") ? "response" : "completion", where);
    } else {
      throw Error("a row with keys " + keys_of(j) + " is no SFT row", where, std::string("expected ") + kSftKinds);
    }
    SftExample e;
    e.prompt = encode_prompt(tok, pe, prompt, where);
    e.response = encode_response(tok, pe, target);
    out.push_back(std::move(e));
  });
  LASER_CHECK(!out.empty(), path, "no examples in the file", "one JSON object per line");
  return out;
}

}  // namespace laser::train
