// Prompt formatting and item encoding shared by the model-based RMs (see model_source.h).
#include "laser/reward/model_source.h"

#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"

namespace laser::reward {

std::string format_prompt(const std::string& prompt_format, const std::string& prompt) {
  static const std::string key = "{prompt}";
  std::string out;
  size_t i = 0;
  while (true) {
    size_t p = prompt_format.find(key, i);
    if (p == std::string::npos) break;
    out += prompt_format.substr(i, p - i);
    out += prompt;
    i = p + key.size();
  }
  out += prompt_format.substr(i);
  return out;
}

EncodedItems encode_items(const text::Tokenizer& tok, const ModelSource& src, const std::vector<RewardItem>& items) {
  EncodedItems e;
  e.prompts.reserve(items.size());
  e.responses.reserve(items.size());
  text::PromptEncoder pe;
  if (!src.chat_template.empty()) pe = text::PromptEncoder(text::ChatTemplate::by_name(src.chat_template));
  const auto eot = pe.end_of_turn_id(tok);
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string text = format_prompt(src.prompt_format, items[i].prompt);
    auto p = pe.chat() ? pe.encode(tok, text) : tok.encode(text, src.add_special);
    if (p.empty()) {
      auto bos = tok.bos_id();
      LASER_CHECK(bos.has_value(), "reward item " + std::to_string(i), "the prompt encodes to no tokens and the tokenizer has no BOS",
                  "give a non-empty prompt or a prompt_format with text around {prompt}");
      p.push_back(*bos);
    }
    auto r = tok.encode(items[i].response, false);
    if (src.append_eos) {
      if (eot) r.push_back(*eot);
    }
    e.tokens += static_cast<int64_t>(p.size() + r.size());
    e.prompts.push_back(std::move(p));
    e.responses.push_back(std::move(r));
  }
  return e;
}

}  // namespace laser::reward
