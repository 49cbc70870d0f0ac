// Raw or chat-templated prompt encoding, conversations, and the middle-cut context rule (see prompt_encoder.h).
#include "laser/text/prompt_encoder.h"

#include <algorithm>
#include <atomic>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/strings.h"

namespace laser::text {

// Shared by an encoder's copies; the last one out says how many prompts were cut, once.
struct PromptEncoder::Budget {
  size_t budget = 0;
  std::atomic<size_t> truncated{0}, encoded{0}, longest{0};
  ~Budget() {
    if (truncated == 0) return;
    try {
      log::warn("{} of {} prompts were longer than the {}-token prompt budget (max_position_embeddings - max_new_tokens) and were cut "
                "in the middle (the first and last halves of the budget kept; the longest had {} tokens)",
                truncated.load(), encoded.load(), budget, longest.load());
    } catch (...) {
    }
  }
};

void PromptEncoder::set_token_budget(size_t budget) {
  budget_ = std::make_shared<Budget>();
  budget_->budget = budget;
}

size_t PromptEncoder::token_budget() const { return budget_ ? budget_->budget : 0; }

size_t PromptEncoder::truncated_count() const { return budget_ ? budget_->truncated.load() : 0; }

std::vector<int32_t> fit_to_budget(const Tokenizer& tok, const std::string& content, size_t budget,
                                   const std::function<std::vector<int32_t>(const std::string&)>& encode_whole, const std::string& where,
                                   size_t* full_length) {
  auto ids = encode_whole(content);
  if (full_length) *full_length = ids.size();
  if (budget == 0 || ids.size() <= budget) return ids;
  const auto c = tok.encode(content, false);
  const size_t overhead = ids.size() > c.size() ? ids.size() - c.size() : 0;
  LASER_CHECK(budget > overhead, where,
              "the prompt template alone takes " + std::to_string(overhead) + " tokens, more than the prompt budget of " + std::to_string(budget),
              "give the model a longer context (max_position_embeddings) or generate fewer tokens (max_new_tokens)");
  size_t keep = std::min(budget - overhead, c.size());
  // Re-encoding the joined halves can merge or split a token at the cut: shrink until it fits.
  for (int attempt = 0; attempt < 16 && keep > 0; ++attempt) {
    size_t head = keep - keep / 2, tail = keep / 2;
    std::string text = tok.decode(std::vector<int32_t>(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(head))) +
                       tok.decode(std::vector<int32_t>(c.end() - static_cast<std::ptrdiff_t>(tail), c.end()));
    auto out = encode_whole(text);
    if (out.size() <= budget) return out;
    keep -= std::min(keep, std::max<size_t>(1, out.size() - budget));
  }
  throw Error("a prompt of " + std::to_string(ids.size()) + " tokens could not be cut to the budget of " + std::to_string(budget), where,
              "shorten the prompt or give the model a longer context");
}

size_t prompt_token_budget(int64_t max_position_embeddings, int64_t max_new_tokens, const std::string& where) {
  LASER_CHECK(max_position_embeddings > max_new_tokens, where,
              "max_new_tokens (" + std::to_string(max_new_tokens) + ") leaves no room for the prompt in the model's context of " +
                  std::to_string(max_position_embeddings) + " tokens",
              "generate fewer tokens (max_new_tokens) or use a model with a longer context");
  return static_cast<size_t>(max_position_embeddings - std::max<int64_t>(0, max_new_tokens));
}

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
  auto whole = [&](const std::string& p) { return tmpl_ ? tok.encode(render(p), false) : tok.encode(p, true); };
  if (!budget_ || budget_->budget == 0) return whole(prompt);
  size_t n = 0;
  auto ids = fit_to_budget(tok, prompt, budget_->budget, whole, "prompt budget", &n);
  budget_->encoded++;
  if (n > budget_->budget) {
    budget_->truncated++;
    size_t prev = budget_->longest.load();
    while (n > prev && !budget_->longest.compare_exchange_weak(prev, n)) {
    }
  }
  return ids;
}

std::string PromptEncoder::render_messages(const std::vector<ChatMessage>& messages, const std::string& where) const {
  LASER_CHECK(tmpl_.has_value(), where, "conversation rows (lists of {role, content} messages) need a chat template",
              "pass --chat-template auto (the model's) or a template name");
  LASER_CHECK(!messages.empty(), where, "an empty message list", "give at least one {role, content} message");
  std::vector<ChatMessage> ms;
  if (!system_.empty() && messages.front().role != "system") ms.push_back({"system", system_});
  ms.insert(ms.end(), messages.begin(), messages.end());
  try {
    return tmpl_->render(ms, ms.back().role != "assistant");
  } catch (const Error& e) {
    throw Error(e.what_msg(), where, e.hint());
  }
}

std::vector<int32_t> PromptEncoder::encode_messages(const Tokenizer& tok, const std::vector<ChatMessage>& messages,
                                                    const std::string& where) const {
  return tok.encode(render_messages(messages, where), false);
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
