// Chat templates of the model families laser runs: llama-3, chatml (Qwen2 / Qwen2.5 with their
// default system prompts), llama-2, mistral ([INST], v0.3 layout) and zephyr (also TinyLlama-chat).
// Renders messages to the exact prompt string the family's HF chat_template produces, BOS text
// included, so encode it with add_special = false. Not a Jinja interpreter: templates are chosen
// by name or detected from tokenizer_config.json's chat_template.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace laser::text {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

class ChatTemplate {
 public:
  // Names: "llama-3", "chatml", "qwen2", "qwen2.5", "llama-2", "mistral", "zephyr".
  // Throws laser::Error with the nearest name for anything else.
  static ChatTemplate by_name(const std::string& name);
  // From a tokenizer_config.json's chat_template (a model directory or the file itself);
  // nullopt when there is none or it is not one of the known families.
  static std::optional<ChatTemplate> detect(const std::string& dir_or_config);
  static std::optional<ChatTemplate> detect_from_string(const std::string& jinja);
  static const std::vector<std::string>& names();

  // Roles must be system (first only), user or assistant; throws laser::Error otherwise.
  std::string render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  // The text that closes an assistant turn ("<|eot_id|>", "<|im_end|>", "</s>").
  std::string end_of_turn() const;
  const std::string& name() const { return name_; }

 private:
  explicit ChatTemplate(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

}  // namespace laser::text
