// Tests of prompt templates: METHOD.md reasoning template verbatim, choices, user placeholders,
// and clear errors for unknown placeholders and presets.
#include <gtest/gtest.h>

#include "laser/core/error.h"
#include "laser/data/prompt_template.h"

using namespace laser;
using namespace laser::data;

static Example q(const std::string& question, std::vector<std::string> choices = {}) {
  Example e;
  e.question = question;
  e.choices = std::move(choices);
  e.category = "add";
  e.context = "CTX";
  return e;
}

TEST(PromptTemplate, ReasoningTemplateIsMethodMdVerbatim) {
  const std::string expected =
      "Your task is to answer the question below. Give step-by-step reasoning before you answer, and when you're "
      "ready to answer, please use the format \"Final answer: ...\"\nQuestion: What is 2+2?\nSolution: ";
  EXPECT_EQ(get_template("reasoning").render(q("What is 2+2?")), expected);
}

TEST(PromptTemplate, MultipleChoiceListsLettersAndEqualsReasoningWithoutChoices) {
  const std::string got = get_template("mmlu").render(q("Pick one", {"red", "green", "blue", "grey"}));
  const std::string expected =
      "Your task is to answer the question below. Give step-by-step reasoning before you answer, and when you're "
      "ready to answer, please use the format \"Final answer: ...\"\nQuestion: Pick one\nA. red\nB. green\nC. blue\n"
      "D. grey\nSolution: ";
  EXPECT_EQ(got, expected);
  EXPECT_EQ(get_template("mcq").render(q("x")), get_template("reasoning").render(q("x")));
}

TEST(PromptTemplate, InstructionIsThePlainText) {
  EXPECT_EQ(get_template("instruction").render(q("Write a haiku.")), "Write a haiku.");
}

TEST(PromptTemplate, UserTemplateFillsEveryPlaceholderAndEscapes) {
  PromptTemplate t("[{category}] {{literal}} {question}|{choices}|{context}");
  EXPECT_EQ(t.render(q("Q?", {"a", "b"})), "[add] {literal} Q?|A. a\nB. b\n|CTX");
  EXPECT_EQ(t.placeholders(), (std::vector<std::string>{"category", "question", "choices", "context"}));
  // A spec containing '{' is a template text, not a preset name.
  EXPECT_EQ(get_template("Q: {question}").render(q("hi")), "Q: hi");
}

TEST(PromptTemplate, UnknownPlaceholderIsAClearError) {
  try {
    PromptTemplate t("Question: {questoin}");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("unknown placeholder {questoin}"), std::string::npos) << m;
    EXPECT_NE(m.find("did you mean {question}"), std::string::npos) << m;
  }
  EXPECT_THROW(PromptTemplate("open {question"), Error);
  EXPECT_THROW(PromptTemplate("close }"), Error);
}

TEST(PromptTemplate, UnknownPresetSuggestsNearest) {
  try {
    get_template("reasonin");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'reasoning'"), std::string::npos) << e.what();
  }
}

TEST(PromptTemplate, WorldTemplateIsShort) {
  EXPECT_EQ(get_template("world").render(q("23+45=?")), "add: 23+45=?\n");
}

TEST(PromptTemplate, ApplyTemplateFillsEveryPrompt) {
  Dataset d;
  d.examples = {q("a"), q("b")};
  apply_template(d, PromptTemplate("<{question}>"));
  EXPECT_EQ(d.examples[0].prompt, "<a>");
  EXPECT_EQ(d.examples[1].prompt, "<b>");
}
