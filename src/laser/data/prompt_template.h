// Prompt templates: text with {question} {choices} {context} {category} {task} {id} placeholders
// ("{{" and "}}" are literal braces), the METHOD.md reasoning template and a few named presets.
// Not a chat template (text/ owns those) and not answer extraction (answer.h).
#pragma once
#include <string>
#include <vector>

#include "laser/data/example.h"

namespace laser::data {

// METHOD.md step 3, verbatim.
inline constexpr const char* kReasoningTemplate =
    "Your task is to answer the question below. Give step-by-step reasoning before you answer, and when "
    "you're ready to answer, please use the format \"Final answer: ...\"\nQuestion: {question}\nSolution: ";
// The reasoning template with the choices listed after the question ("A. ...\nB. ...\n").
inline constexpr const char* kMultipleChoiceTemplate =
    "Your task is to answer the question below. Give step-by-step reasoning before you answer, and when "
    "you're ready to answer, please use the format \"Final answer: ...\"\nQuestion: {question}\n{choices}Solution: ";
// Instruction following: the instruction itself, nothing added.
inline constexpr const char* kInstructionTemplate = "{question}";
// Long-context QA: the material, then the question (choices listed when there are any).
inline constexpr const char* kLongContextTemplate =
    "{context}\n\nAnswer the question below using the text above. When you're ready to answer, please use the "
    "format \"Final answer: ...\"\nQuestion: {question}\n{choices}Answer: ";
// The built-in world: short, so a tiny byte-level model can read it.
inline constexpr const char* kWorldTemplate = "{category}: {question}\n";

class PromptTemplate {
 public:
  // Parses `text`; an unknown placeholder or an unmatched brace throws laser::Error naming it
  // (with the nearest known placeholder as the hint).
  explicit PromptTemplate(std::string text, std::string name = "template");
  // Fills the placeholders from the example. {choices} renders as "A. first\nB. second\n" (empty
  // when there are no choices).
  std::string render(const Example& e) const;
  const std::string& text() const { return text_; }
  const std::string& name() const { return name_; }
  // Placeholders used, in order of appearance (with repeats).
  std::vector<std::string> placeholders() const;

  static const std::vector<std::string>& known_placeholders();

 private:
  struct Piece {
    bool is_field;
    std::string text;  // literal text or field name
  };
  std::string text_, name_;
  std::vector<Piece> pieces_;
};

// A preset by name (reasoning, mcq, mmlu, instruction, plain, longqa, world) or, when `spec` contains
// a '{', the template text itself. Unknown names throw with the nearest preset suggested.
PromptTemplate get_template(const std::string& spec);
std::vector<std::string> template_presets();
// "A. first\nB. second\n..."
std::string render_choices(const std::vector<std::string>& choices);
// Fills every example's prompt with the template.
void apply_template(Dataset& d, const PromptTemplate& t);

}  // namespace laser::data
