// Evaluation of a policy on a dataset with an answer checker (see evaluator.h).
#include "laser/loop/evaluator.h"

#include <cstdio>
#include <limits>

#include "laser/core/error.h"
#include "laser/data/answer.h"
#include "laser/data/stories.h"
#include "laser/gen/generate.h"

namespace laser::loop {

std::string resolve_verifier(const std::string& v, const std::string& fmt) {
  if (v != "auto") {
    static const std::vector<std::string> ok = {"gsm8k", "mmlu", "yesno", "exact", "f1", "story", "none"};
    for (auto& o : ok)
      if (o == v) return v;
    throw Error("unknown verifier '" + v + "'", "eval.verifier", "use auto, gsm8k, mmlu, yesno, exact, f1, story or none");
  }
  if (fmt == "gsm8k" || fmt == "world") return "gsm8k";
  if (fmt == "mmlu") return "mmlu";
  if (fmt == "strategyqa") return "yesno";
  if (fmt == "nq" || fmt == "longbench") return "f1";
  if (fmt == "instructions") return "none";
  return "exact";
}

double check_answer(const std::string& v, const std::string& response, const data::Example& e) {
  if (v == "gsm8k") return data::numeric_match(response, e.answer) ? 1.0 : 0.0;
  if (v == "mmlu") return data::choice_match(response, e.answer, e.choices, e.choices.empty() ? 4 : static_cast<int>(e.choices.size())) ? 1.0 : 0.0;
  if (v == "yesno") return data::yes_no_match(response, e.answer) ? 1.0 : 0.0;
  if (v == "exact") return data::exact_match(data::answer_span(response), e.answer) ? 1.0 : 0.0;
  if (v == "f1") {
    if (!e.choices.empty()) return data::choice_match(response, e.answer, e.choices, static_cast<int>(e.choices.size())) ? 1.0 : 0.0;
    return data::token_f1(data::answer_span(response), e.answer);
  }
  if (v == "story") return data::story_constraint_met(response, e.answer) ? 1.0 : 0.0;
  throw Error("no answer checker for verifier '" + v + "'", "eval.verifier", "choose gsm8k, mmlu, yesno, exact, f1 or story");
}

std::optional<std::string> answer_key(const std::string& v, const std::string& response, const data::Example& e) {
  const int n_choices = e.choices.empty() ? 4 : static_cast<int>(e.choices.size());
  if (v == "gsm8k") {
    auto x = data::extract_numeric_answer(response);
    if (!x) return std::nullopt;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", *x == 0.0 ? 0.0 : *x);  // -0 and 0 are one answer
    return std::string(buf);
  }
  if (v == "mmlu" || (v == "f1" && !e.choices.empty())) {
    auto c = data::extract_choice_letter(response, e.choices, n_choices);
    return c ? std::optional<std::string>(std::string(1, *c)) : std::nullopt;
  }
  if (v == "yesno") {
    auto y = data::extract_yes_no(response);
    return y ? std::optional<std::string>(*y ? "yes" : "no") : std::nullopt;
  }
  if (v == "exact" || v == "f1") {
    std::string k = data::normalize_answer(data::answer_span(response));
    return k.empty() ? std::nullopt : std::optional<std::string>(k);
  }
  return std::nullopt;
}

std::vector<std::string> respond(model::CausalLM& m, const text::Tokenizer& tok, const data::Dataset& d, const gen::SamplingParams& sp_in,
                                 const text::PromptEncoder& pe) {
  std::vector<std::string> out(d.examples.size());
  if (d.examples.empty()) return out;
  gen::SamplingParams sp = sp_in;
  sp.n = 1;
  for (int32_t s : pe.stop_ids(tok)) sp.stop_ids.push_back(s);
  std::vector<std::vector<int32_t>> prompts;
  for (auto& e : d.examples) prompts.push_back(pe.encode(tok, e.prompt));
  bool was_training = m->is_training();
  m->eval();
  auto gens = gen::generate(m, tok, prompts, sp);
  if (was_training) m->train();
  for (auto& g : gens) out[g.prompt_index] = g.text;
  return out;
}

EvalResult evaluate(model::CausalLM& m, const text::Tokenizer& tok, const data::Dataset& d, const std::string& verifier,
                    const gen::SamplingParams& sp, const text::PromptEncoder& pe) {
  if (d.examples.empty()) return {};
  return score_responses(d, verifier, respond(m, tok, d, sp, pe));
}

EvalResult score_responses(const data::Dataset& d, const std::string& verifier, std::vector<std::string> responses) {
  EvalResult r;
  if (d.examples.empty()) return r;
  LASER_CHECK(responses.size() == d.examples.size(), "score_responses", std::to_string(responses.size()) + " responses for " +
              std::to_string(d.examples.size()) + " examples", "pass one response per example");
  r.responses = std::move(responses);
  std::map<std::string, double> sums;
  double total = 0;
  for (size_t i = 0; i < d.examples.size(); ++i) {
    const auto& e = d.examples[i];
    if (e.answer.empty()) {  // no reference answer: not scored (it is neither right nor wrong)
      r.scores.push_back(std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    double s = check_answer(verifier, r.responses[i], e);
    r.scores.push_back(s);
    total += s;
    sums[e.category] += s;
    r.count[e.category]++;
    ++r.n;
  }
  r.accuracy = r.n > 0 ? total / r.n : std::numeric_limits<double>::quiet_NaN();
  for (auto& [c, s] : sums) r.per_category[c] = s / r.count[c];
  return r;
}

}  // namespace laser::loop
