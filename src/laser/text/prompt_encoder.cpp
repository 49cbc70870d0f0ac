// Raw or chat-templated prompt encoding (see prompt_encoder.h).
#include "laser/text/prompt_encoder.h"

#include "laser/core/error.h"
#include "laser/core/strings.h"

namespace laser::text {

PromptEncoder PromptEncoder::from_spec(const std::string& spec, const std::string& tokenizer_dir, const std::string& where,
                                       const std::string& system) {
  if (spec.empty() || spec == "none") {
    LASER_CHECK(system.empty(), where, "a system prompt needs a chat template", "set the chat template (a name or \"auto\") or drop the system prompt");
    return PromptEncoder();
  }
  if (spec == "auto") {
    auto t = ChatTemplate::detect(tokenizer_dir);
    LASER_CHECK(t.has_value(), where, "no known chat template in " + tokenizer_dir + "/tokenizer_config.json",
                "name one of " + join(ChatTemplate::names(), ", ") + ", or leave the chat template empty for raw prompts");
    return PromptEncoder(t, system);
  }
  try {
    return PromptEncoder(ChatTemplate::by_name(spec), system);
  } catch (const Error& e) {
    throw Error(e.what_msg(), where, e.hint());
  }
}

std::string PromptEncoder::render(const std::string& prompt) const {
  if (!tmpl_) return prompt;
  std::vector<ChatMessage> ms;
  if (!system_.empty()) ms.push_back({"system", system_});
  ms.push_back({"user", prompt});
  return tmpl_->render(ms, true);
}

std::vector<int32_t> PromptEncoder::encode(const Tokenizer& tok, const std::string& prompt) const {
  if (!tmpl_) return tok.encode(prompt, true);
  return tok.encode(render(prompt), false);
}

std::optional<int32_t> PromptEncoder::end_of_turn_id(const Tokenizer& tok) const {
  if (tmpl_) {
    auto ids = tok.encode(tmpl_->end_of_turn(), false);
    if (ids.size() == 1) return ids[0];
  }
  return tok.eos_id();
}

std::vector<int32_t> PromptEncoder::stop_ids(const Tokenizer& tok) const {
  if (!tmpl_) return {};
  if (auto id = end_of_turn_id(tok)) return {*id};
  return {};
}

}  // namespace laser::text
