// How a task prompt becomes the token ids a model sees: either raw (the tokenizer's special tokens
// added, e.g. BOS) or rendered as one user turn of a chat template (optional system message) with
// the generation prompt, encoded without adding special tokens (the template writes them).
// Also says which id closes the assistant's turn, so generation stops there and training pairs end
// with it, renders whole conversations (message lists of preference/SFT data), and fits prompts
// into the model's context by one rule (fit_to_budget). Torch-free.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
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
  // encoded with add_special = false. With a token budget set, a longer prompt is cut in the
  // middle to fit (fit_to_budget) and counted.
  std::vector<int32_t> encode(const Tokenizer& tok, const std::string& prompt) const;

  // A whole conversation (chat only): the messages, after the system message when one is set and the
  // messages have none, rendered with the generation prompt when the last message is not the
  // assistant's. Throws laser::Error naming `where` for a raw encoder or an unknown role.
  std::string render_messages(const std::vector<ChatMessage>& messages, const std::string& where) const;
  std::vector<int32_t> encode_messages(const Tokenizer& tok, const std::vector<ChatMessage>& messages, const std::string& where) const;

  // Prompts for generation must leave room for the response: encode() then cuts every prompt longer
  // than `budget` tokens (0: no limit). Copies of this encoder share the count of cut prompts; when
  // the last copy goes, one warning says how many there were (one per run, not one per prompt).
  void set_token_budget(size_t budget);
  size_t token_budget() const;
  size_t truncated_count() const;
  // The id that ends an assistant turn: chat: the template's end-of-turn token when the tokenizer
  // has it as one id, else EOS; raw: EOS. nullopt when there is none.
  std::optional<int32_t> end_of_turn_id(const Tokenizer& tok) const;
  // Ids that must end generation beside the tokenizer's own: chat: the end-of-turn id; raw: none.
  std::vector<int32_t> stop_ids(const Tokenizer& tok) const;

 private:
  struct Budget;
  std::optional<ChatTemplate> tmpl_;
  std::string system_;
  std::shared_ptr<Budget> budget_;
};

// The context rule for prompts, as LongBench applies it: when `encode_whole(content)` (the prompt with
// its template and special tokens) is longer than `budget`, the content's own tokens are cut in the
// middle, keeping the first and the last half of what the budget leaves after the template, and the
// shortened text is encoded whole again, so template and special tokens at both ends stay intact
// and the question (at the end of long-context prompts) and the instruction (at the start) survive.
// Returns at most `budget` ids (budget 0: no limit); *full_length gets the uncut length (a cut
// happened when it exceeds the budget). Throws laser::Error naming `where` when the template alone
// does not fit.
std::vector<int32_t> fit_to_budget(const Tokenizer& tok, const std::string& content, size_t budget,
                                   const std::function<std::vector<int32_t>(const std::string&)>& encode_whole, const std::string& where,
                                   size_t* full_length = nullptr);

// The prompt budget of a generating model: max_position_embeddings - max_new_tokens. Throws
// laser::Error naming `where` when nothing is left for the prompt.
size_t prompt_token_budget(int64_t max_position_embeddings, int64_t max_new_tokens, const std::string& where);

}  // namespace laser::text
