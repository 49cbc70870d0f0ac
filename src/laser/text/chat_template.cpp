// Chat templates (see chat_template.h). Each renderer reproduces the family's published HF
// chat_template: Meta-Llama-3-Instruct, Qwen2/Qwen2.5 (ChatML), Llama-2-chat, Mistral-7B-Instruct
// v0.3 and HuggingFaceH4/zephyr-7b-beta.
#include "laser/text/chat_template.h"

#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"

namespace laser::text {

namespace {
std::string strip(const std::string& s) {  // Jinja's trim / Python's strip (ASCII whitespace)
  size_t b = s.find_first_not_of(" \t\n\r\f\v"), e = s.find_last_not_of(" \t\n\r\f\v");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
void check_roles(const std::vector<ChatMessage>& ms, const std::string& name) {
  for (size_t i = 0; i < ms.size(); ++i) {
    const auto& r = ms[i].role;
    if (r == "system" && i == 0) continue;
    if (r != "user" && r != "assistant")
      throw Error("message " + std::to_string(i) + " has role '" + r + "'", "chat template " + name,
                  "roles are system (first message only), user and assistant");
  }
}
}  // namespace

const std::vector<std::string>& ChatTemplate::names() {
  static const std::vector<std::string> n = {"llama-3", "chatml", "qwen2", "qwen2.5", "llama-2", "mistral", "zephyr"};
  return n;
}

ChatTemplate ChatTemplate::by_name(const std::string& name) {
  for (const auto& n : names())
    if (n == name) return ChatTemplate(name);
  std::string near = nearest(name, names());
  throw Error("unknown chat template '" + name + "'", "chat template",
              near.empty() ? "use one of " + join(names(), ", ") : "did you mean " + near + "?");
}

std::optional<ChatTemplate> ChatTemplate::detect_from_string(const std::string& t) {
  if (t.find("<|start_header_id|>") != std::string::npos) return ChatTemplate("llama-3");
  if (t.find("<|im_start|>") != std::string::npos) {
    if (t.find("You are Qwen, created by Alibaba Cloud") != std::string::npos) return ChatTemplate("qwen2.5");
    if (t.find("You are a helpful assistant") != std::string::npos) return ChatTemplate("qwen2");
    return ChatTemplate("chatml");
  }
  if (t.find("<|user|>") != std::string::npos) return ChatTemplate("zephyr");
  if (t.find("<<SYS>>") != std::string::npos) return ChatTemplate("llama-2");
  if (t.find("[INST]") != std::string::npos) return ChatTemplate("mistral");
  return std::nullopt;
}

std::optional<ChatTemplate> ChatTemplate::detect(const std::string& dir_or_config) {
  std::string path = io::dir_exists(dir_or_config) ? io::join_path(dir_or_config, "tokenizer_config.json") : dir_or_config;
  if (!io::file_exists(path)) return std::nullopt;
  auto j = io::read_json(path);
  if (!j.is_object() || !j.contains("chat_template")) return std::nullopt;
  const auto& ct = j["chat_template"];
  if (ct.is_string()) return detect_from_string(ct.get<std::string>());
  if (ct.is_array())  // [{"name": "default", "template": ...}, ...]
    for (const auto& e : ct)
      if (e.is_object() && e.contains("name") && e["name"] == "default" && e.contains("template") && e["template"].is_string())
        return detect_from_string(e["template"].get<std::string>());
  return std::nullopt;
}

std::string ChatTemplate::end_of_turn() const {
  if (name_ == "llama-3") return "<|eot_id|>";
  if (name_ == "chatml" || name_ == "qwen2" || name_ == "qwen2.5") return "<|im_end|>";
  return "</s>";
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& ms, bool gen) const {
  check_roles(ms, name_);
  std::string out;
  if (name_ == "llama-3") {
    out = "<|begin_of_text|>";
    for (const auto& m : ms) out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + strip(m.content) + "<|eot_id|>";
    if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
  }
  if (name_ == "chatml" || name_ == "qwen2" || name_ == "qwen2.5") {
    bool has_sys = !ms.empty() && ms[0].role == "system";
    if (!has_sys && name_ == "qwen2") out += "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";
    if (!has_sys && name_ == "qwen2.5")
      out += "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n";
    for (const auto& m : ms) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    if (gen) out += "<|im_start|>assistant\n";
    return out;
  }
  if (name_ == "zephyr") {
    for (const auto& m : ms) out += "<|" + m.role + "|>\n" + m.content + "</s>\n";
    if (gen) out += "<|assistant|>\n";
    return out;
  }
  size_t first = 0;
  std::string system;
  bool has_sys = !ms.empty() && ms[0].role == "system";
  if (has_sys) {
    system = ms[0].content;
    first = 1;
  }
  for (size_t i = first; i < ms.size(); ++i)
    if ((ms[i].role == "user") != ((i - first) % 2 == 0))
      throw Error("message " + std::to_string(i) + " breaks the user/assistant alternation", "chat template " + name_,
                  "after an optional system message, roles must alternate user, assistant, user, ...");
  if (name_ == "llama-2") {
    for (size_t i = first; i < ms.size(); ++i) {
      std::string content = ms[i].content;
      if (i == first && has_sys) content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
      if (ms[i].role == "user") out += "<s>[INST] " + strip(content) + " [/INST]";
      else out += " " + strip(content) + " </s>";
    }
    return out;  // the Llama-2 template has no generation prompt: "[/INST]" already asks for it
  }
  // mistral (v0.3): the system message goes in front of the last user message
  out = "<s>";
  size_t last_user = ms.size();
  for (size_t i = first; i < ms.size(); ++i)
    if (ms[i].role == "user") last_user = i;
  for (size_t i = first; i < ms.size(); ++i) {
    if (ms[i].role == "user") {
      if (i == last_user && has_sys) out += "[INST] " + system + "\n\n" + ms[i].content + "[/INST]";
      else out += "[INST] " + ms[i].content + "[/INST]";
    } else {
      out += " " + strip(ms[i].content) + "</s>";
    }
  }
  return out;
}

}  // namespace laser::text
