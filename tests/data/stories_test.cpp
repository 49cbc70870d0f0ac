// Tests of the stories world's task set: the constraint checker and the graded aspect scores on
// hand-computed cases (each constraint met and violated), bad references, and the generator
// (seeded, balanced, every reference parses and names the prompt's own character).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "laser/core/error.h"
#include "laser/data/stories.h"

using namespace laser;
using namespace laser::data;

namespace {
const std::string kLily = "Once upon a time, there was a little girl named Lily.";
const AspectParams kBand{3, 5, 3};
}  // namespace

TEST(Stories, WordsAndIntroducedName) {
  EXPECT_EQ(story_words("Lily's dog ran. It RAN!"), (std::vector<std::string>{"lily's", "dog", "ran", "it", "ran"}));
  EXPECT_TRUE(story_words(" ,.!").empty());
  EXPECT_EQ(introduced_name(kLily), "lily");
  EXPECT_EQ(introduced_name("There was a big box in the park."), "");
}

TEST(Stories, NameConstraint) {
  EXPECT_TRUE(story_constraint_met(" She played with Lily's ball.", "name:Lily"));
  EXPECT_TRUE(story_constraint_met("Then lily smiled", "name:Lily"));
  EXPECT_FALSE(story_constraint_met(" She played with a ball.", "name:Lily"));
  EXPECT_FALSE(story_constraint_met(" A Lilypad floated.", "name:Lily"));  // not the word
  EXPECT_FALSE(story_constraint_met("", "name:Lily"));
  // Graded: 1 - 0.5 * (words before the first mention) / words.
  EXPECT_DOUBLE_EQ(story_aspect_score("name", kLily, " Lily ran.", kBand), 1.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("name", kLily, " The sun was hot. Lily ran home.", kBand), 1.0 - 0.5 * 4.0 / 7.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("name", kLily, " The sun was hot.", kBand), 0.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("name", "There was a big box in the park.", " Lily ran.", kBand), 0.0);
}

TEST(Stories, LengthConstraint) {
  EXPECT_TRUE(story_constraint_met("One two three.", "length:3-5"));
  EXPECT_TRUE(story_constraint_met("one two three four five", "length:3-5"));
  EXPECT_FALSE(story_constraint_met("one two", "length:3-5"));
  EXPECT_FALSE(story_constraint_met("one two three four five six", "length:3-5"));
  // Graded: 1 inside the band, 1 / (1 + d / 5) outside it.
  EXPECT_DOUBLE_EQ(story_aspect_score("length", kLily, "a b c d", kBand), 1.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("length", kLily, "a b", kBand), 1.0 / 1.2);
  EXPECT_DOUBLE_EQ(story_aspect_score("length", kLily, "a b c d e f g h", kBand), 1.0 / 1.6);
  EXPECT_DOUBLE_EQ(story_aspect_score("length", kLily, "", kBand), 1.0 / 1.6);
}

TEST(Stories, EndingConstraint) {
  EXPECT_TRUE(story_constraint_met(" He ran home.", "ending"));
  EXPECT_TRUE(story_constraint_met(" She said, \"Hi!\"  ", "ending"));
  EXPECT_TRUE(story_constraint_met("Why?", "ending"));
  EXPECT_FALSE(story_constraint_met(" He ran home. Then he", "ending"));
  EXPECT_FALSE(story_constraint_met(" .", "ending"));  // no words
  // Graded: 1 when it ends a sentence, else 0.5 * (words up to the last . ! ?) / words.
  EXPECT_DOUBLE_EQ(story_aspect_score("ending", kLily, " He ran home.", kBand), 1.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("ending", kLily, " He ran home. Then he", kBand), 0.5 * 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("ending", kLily, " no sentence end at all", kBand), 0.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("ending", kLily, "", kBand), 0.0);
}

TEST(Stories, RepeatConstraint) {
  EXPECT_FALSE(story_constraint_met("the dog ran and the dog ran", "repeat:3"));
  EXPECT_TRUE(story_constraint_met("the dog ran and the dog sat", "repeat:3"));
  EXPECT_FALSE(story_constraint_met("the dog ran and the dog sat", "repeat:2"));  // "the dog" twice
  EXPECT_TRUE(story_constraint_met("Hi there", "repeat:3"));                     // no trigram at all
  EXPECT_FALSE(story_constraint_met("", "repeat:3"));
  // Graded: 1 - repeated n-grams / n-grams (5 trigrams, the last repeats the first).
  EXPECT_DOUBLE_EQ(story_aspect_score("repeat", kLily, "The dog ran and the dog ran.", kBand), 0.8);
  EXPECT_DOUBLE_EQ(story_aspect_score("repeat", kLily, "the dog ran to the park", kBand), 1.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("repeat", kLily, "Hi there", kBand), 1.0);
  EXPECT_DOUBLE_EQ(story_aspect_score("repeat", kLily, "", kBand), 0.0);
}

TEST(Stories, BadReferencesAndAspectsAreErrors) {
  for (const char* bad : {"colour:red", "name:", "length:5-3", "length:a-b", "length:7", "repeat:0", "repeat:x", ""})
    EXPECT_THROW(story_constraint_met("some text.", bad), Error) << bad;
  EXPECT_THROW(story_aspect_score("style", kLily, "x", kBand), Error);
  StoriesOptions o;
  o.constraints = {"name", "lenght"};
  try {
    generate_stories(o);
    FAIL() << "unknown constraint accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("length"), std::string::npos) << e.what();  // the nearest name
  }
  o.constraints = story_constraints();
  o.min_words = 20;
  o.max_words = 10;
  EXPECT_THROW(generate_stories(o), Error);
}

TEST(Stories, GeneratorIsSeededBalancedAndConsistent) {
  StoriesOptions o;
  o.seed = 3;
  o.n = 80;
  auto a = generate_stories(o), b = generate_stories(o);
  ASSERT_EQ(a.size(), 80u);
  std::map<std::string, int> per;
  std::map<std::string, std::set<std::string>> prompts;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& e = a.examples[i];
    EXPECT_EQ(e.prompt, b.examples[i].prompt);
    EXPECT_EQ(e.answer, b.examples[i].answer);
    EXPECT_EQ(e.category, story_constraints()[i % 4]);
    ++per[e.category];
    prompts[e.category].insert(e.prompt);
    EXPECT_NO_THROW(story_constraint_met("x.", e.answer)) << e.answer;
    if (e.category == "name") {  // the reference names the opening's own character
      EXPECT_TRUE(story_constraint_met(" Then " + e.answer.substr(5) + " smiled.", e.answer));
      EXPECT_EQ(story_words(e.answer.substr(5)), std::vector<std::string>{introduced_name(e.prompt)});
    }
    if (e.category == "length") EXPECT_EQ(e.answer, "length:5-15");
    if (e.category == "repeat") EXPECT_EQ(e.answer, "repeat:3");
  }
  for (auto& [c, k] : per) EXPECT_EQ(k, 20) << c;
  for (auto& [c, ps] : prompts) EXPECT_EQ(ps.size(), 20u) << c;  // distinct within a family
  o.seed = 4;
  auto c = generate_stories(o);
  int same = 0;
  for (size_t i = 0; i < c.size(); ++i) same += c.examples[i].prompt == a.examples[i].prompt;
  EXPECT_LT(same, 40);
}
