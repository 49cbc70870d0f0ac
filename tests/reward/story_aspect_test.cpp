// The stories world's RMs built through the TOML factory: each aspect RM scores its own aspect
// only (hand-computed scores), the story verifier scores constraint satisfaction, and bad tables
// are errors that name the key.
#include <gtest/gtest.h>

#include "laser/reward/reward_factory.h"

using namespace laser;
using namespace laser::reward;

namespace {

std::unique_ptr<RewardModel> from_toml(const std::string& text) {
  auto t = toml::parse(text);
  return make_reward_model(t, "test [rm]");
}

const std::string kPrompt = "Once upon a time, there was a little boy named Tim.";

}  // namespace

TEST(StoryAspectRM, EachAspectSeesOnlyItsAspect) {
  // r0 names Tim late, is too long for the 3-5 band, ends mid-sentence, repeats a trigram;
  // r1 names Tim first, fits the band, ends with a full stop, repeats nothing.
  std::vector<RewardItem> items = {{kPrompt, " He ran and ran and ran to Tim", std::nullopt, ""},
                                   {kPrompt, " Tim ran home.", std::nullopt, ""}};
  auto name = from_toml("name = \"n\"\nkind = \"story-aspect\"\naspect = \"name\"\nmin_words = 3\nmax_words = 5\n");
  auto s = name->score(items);
  EXPECT_DOUBLE_EQ(s[0], 1.0 - 0.5 * 7.0 / 8.0);
  EXPECT_DOUBLE_EQ(s[1], 1.0);
  auto length = from_toml("kind = \"story-aspect\"\naspect = \"length\"\nmin_words = 3\nmax_words = 5\n");
  s = length->score(items);
  EXPECT_DOUBLE_EQ(s[0], 1.0 / (1.0 + 3.0 / 5.0));
  EXPECT_DOUBLE_EQ(s[1], 1.0);
  auto ending = from_toml("kind = \"story-aspect\"\naspect = \"ending\"\n");
  s = ending->score(items);
  EXPECT_DOUBLE_EQ(s[0], 0.0);
  EXPECT_DOUBLE_EQ(s[1], 1.0);
  auto repeat = from_toml("kind = \"story-aspect\"\naspect = \"repeat\"\nngram = 2\n");
  s = repeat->score(items);
  // bigrams: he ran, ran and, and ran, ran and*, and ran*, ran to, to tim -> 2 of 7 repeat
  EXPECT_DOUBLE_EQ(s[0], 1.0 - 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(s[1], 1.0);
  EXPECT_EQ(repeat->kind(), "story-aspect");
  EXPECT_EQ(repeat->cost().items, 2);
  EXPECT_EQ(repeat->cost().tokens, 0);
}

TEST(StoryAspectRM, StoryVerifierScoresTheReferenceConstraint) {
  auto v = from_toml("kind = \"verifier\"\ntype = \"story\"\n");
  std::vector<RewardItem> items = {{kPrompt, " Tim ran home.", std::string("name:Tim"), "name"},
                                   {kPrompt, " He ran home.", std::string("name:Tim"), "name"},
                                   {kPrompt, " He ran home. Then", std::string("ending"), "ending"},
                                   {kPrompt, " a b c d e f", std::string("length:3-5"), "length"}};
  EXPECT_EQ(v->score(items), (std::vector<double>{1, 0, 0, 0}));
  items[0].reference = "tone:happy";
  EXPECT_THROW(v->score(items), Error);
}

TEST(StoryAspectRM, BadTablesNameTheKey) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    try {
      from_toml(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("kind = \"story-aspect\"\n", "aspect");
  expect_error("kind = \"story-aspect\"\naspect = \"style\"\n", "aspect");
  expect_error("kind = \"story-aspect\"\naspect = \"length\"\nmin_words = 9\nmax_words = 3\n", "max_words");
  expect_error("kind = \"story-aspect\"\naspect = \"repeat\"\nngram = 0\n", "ngram");
  expect_error("kind = \"story-aspect\"\naspect = \"name\"\nmodel = \"x\"\n", "model");
}
