// Prompt template parsing and rendering; the reasoning preset is METHOD.md step 3 verbatim.
// Not a chat template and not answer extraction.
#include "laser/data/prompt_template.h"

#include "laser/core/error.h"
#include "laser/core/strings.h"

namespace laser::data {

const std::vector<std::string>& PromptTemplate::known_placeholders() {
  static const std::vector<std::string> k = {"question", "choices", "context", "category", "task", "id"};
  return k;
}

PromptTemplate::PromptTemplate(std::string text, std::string name) : text_(std::move(text)), name_(std::move(name)) {
  std::string lit;
  const auto& known = known_placeholders();
  for (size_t i = 0; i < text_.size(); ++i) {
    char c = text_[i];
    if (c == '{' && i + 1 < text_.size() && text_[i + 1] == '{') { lit += '{'; ++i; continue; }
    if (c == '}' && i + 1 < text_.size() && text_[i + 1] == '}') { lit += '}'; ++i; continue; }
    if (c == '}')
      throw Error("unmatched '}' at offset " + std::to_string(i), name_, "write a literal brace as }}");
    if (c != '{') { lit += c; continue; }
    size_t close = text_.find('}', i + 1);
    if (close == std::string::npos)
      throw Error("unmatched '{' at offset " + std::to_string(i), name_, "close the placeholder or write a literal brace as {{");
    std::string field = text_.substr(i + 1, close - i - 1);
    bool ok = false;
    for (const auto& k : known) ok = ok || k == field;
    if (!ok) {
      std::string near = nearest(field, known);
      throw Error("unknown placeholder {" + field + "}", name_,
                  (near.empty() ? std::string() : "did you mean {" + near + "}? ") + "known: {" + join(known, "} {") +
                      "}; write a literal brace as {{");
    }
    if (!lit.empty()) pieces_.push_back({false, lit});
    lit.clear();
    pieces_.push_back({true, field});
    i = close;
  }
  if (!lit.empty()) pieces_.push_back({false, lit});
}

std::vector<std::string> PromptTemplate::placeholders() const {
  std::vector<std::string> out;
  for (const auto& p : pieces_)
    if (p.is_field) out.push_back(p.text);
  return out;
}

std::string render_choices(const std::vector<std::string>& choices) {
  std::string s;
  for (size_t i = 0; i < choices.size(); ++i) s += choice_letter(i) + ". " + choices[i] + "\n";
  return s;
}

std::string PromptTemplate::render(const Example& e) const {
  std::string out;
  for (const auto& p : pieces_) {
    if (!p.is_field) { out += p.text; continue; }
    if (p.text == "question") out += e.question;
    else if (p.text == "choices") out += render_choices(e.choices);
    else if (p.text == "context") out += e.context;
    else if (p.text == "category") out += e.category;
    else if (p.text == "task") out += e.task;
    else if (p.text == "id") out += e.id;
  }
  return out;
}

std::vector<std::string> template_presets() {
  return {"reasoning", "mcq", "mmlu", "instruction", "plain", "longqa", "world"};
}

PromptTemplate get_template(const std::string& spec) {
  if (spec.find('{') != std::string::npos) return PromptTemplate(spec, "template");
  if (spec == "reasoning") return PromptTemplate(kReasoningTemplate, "reasoning");
  if (spec == "mcq" || spec == "mmlu") return PromptTemplate(kMultipleChoiceTemplate, spec);
  if (spec == "instruction" || spec == "plain") return PromptTemplate(kInstructionTemplate, spec);
  if (spec == "longqa") return PromptTemplate(kLongContextTemplate, "longqa");
  if (spec == "world") return PromptTemplate(kWorldTemplate, "world");
  std::string near = nearest(spec, template_presets());
  throw Error("unknown prompt template '" + spec + "'", "template",
              (near.empty() ? std::string() : "did you mean '" + near + "'? ") + "presets: " +
                  join(template_presets(), ", ") + ", or a template text with {question}");
}

void apply_template(Dataset& d, const PromptTemplate& t) {
  for (auto& e : d.examples) e.prompt = t.render(e);
}

}  // namespace laser::data
