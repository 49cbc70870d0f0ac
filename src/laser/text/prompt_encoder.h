// How a task prompt becomes the token ids a model sees: either raw (the tokenizer's special tokens
// added, e.g. BOS) or rendered as one user turn of a chat template (optional system message) with
// the generation prompt, encoded without adding special tokens (the template writes them).
// Also says which id closes the assistant's turn, so generation stops there and training pairs end
// with it. Not a chat formatter for multi-turn use (see chat_template.h). Torch-free.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "laser/text/chat_template.h"
#include "laser/text/tokenizer.h"

namespace laser::text {

class PromptEncoder {
 public:
  PromptEncoder() = default;  // raw prompts
  explicit PromptEncoder(std::optional<ChatTemplate> tmpl, std::string system = "") : tmpl_(std::move(tmpl)), system_(std::move(system)) {}

  // spec: "" or "none" = raw; "auto" = the template detected from tokenizer_dir's
  // tokenizer_config.json (an error naming `where` if it has none); otherwise a template name.
  static PromptEncoder from_spec(const std::string& spec, const std::string& tokenizer_dir, const std::string& where,
                                 const std::string& system = "");

  bool chat() const { return tmpl_.has_value(); }
  const std::optional<ChatTemplate>& chat_template() const { return tmpl_; }
  const std::string& system() const { return system_; }
  // "raw" or the template's name.
  std::string describe() const { return tmpl_ ? tmpl_->name() : "raw"; }

  // The prompt as text the model reads (chat: the rendered conversation up to the assistant turn).
  std::string render(const std::string& prompt) const;
  // Token ids of the prompt. Raw: tok.encode(prompt, add_special = true). Chat: the rendered text
  // encoded with add_special = false.
  std::vector<int32_t> encode(const Tokenizer& tok, const std::string& prompt) const;
  // The id that ends an assistant turn: chat: the template's end-of-turn token when the tokenizer
  // has it as one id, else EOS; raw: EOS. nullopt when there is none.
  std::optional<int32_t> end_of_turn_id(const Tokenizer& tok) const;
  // Ids that must end generation beside the tokenizer's own: chat: the end-of-turn id; raw: none.
  std::vector<int32_t> stop_ids(const Tokenizer& tok) const;

 private:
  std::optional<ChatTemplate> tmpl_;
  std::string system_;
};

}  // namespace laser::text
