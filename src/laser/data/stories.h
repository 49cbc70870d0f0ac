// The stories world's task set: seeded TinyStories-style openings ("Once upon a time, there was a
// little girl named Lily.") for a pretrained story model, each with one constraint (its category)
// encoded in its reference, the 0/1 checker of that constraint, and graded one-aspect scores for
// rule-based RMs. Torch-free and pure. Not the RM (reward/story_aspect.h) and not the models.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "laser/data/example.h"

namespace laser::data {

// Constraints (= categories): name (the continuation mentions the name the opening introduces),
// length (its word count lies in a band), ending (it ends with a full sentence: . ! or ?, maybe
// followed by a closing quote), repeat (no word n-gram occurs twice).
std::vector<std::string> story_constraints();

struct StoriesOptions {
  uint64_t seed = 0;
  size_t n = 240;                            // examples, dealt round-robin over the constraints
  std::vector<std::string> constraints = story_constraints();
  int min_words = 5, max_words = 15;         // length band (words, inclusive): a short continuation
  int ngram = 3;                             // repeat: word n-grams that must not repeat
};

// n examples, task "stories", category = constraint, answer = the reference ("name:Lily",
// "length:5-15", "ending", "repeat:3"), prompt = question = the opening. Each constraint has its own
// family of openings (so a prompt embedding can tell them apart). Same options -> same set.
Dataset generate_stories(const StoriesOptions& o);

// Words of a text: maximal runs of letters, digits and apostrophes, lowercased.
std::vector<std::string> story_words(const std::string& text);

// The name an opening introduces: the word after "named" ("" when there is none).
std::string introduced_name(const std::string& prompt);

// True when `response` meets the constraint in `reference` (one of the forms above). An empty
// response meets none. Throws laser::Error naming the reference when it is not a constraint.
bool story_constraint_met(const std::string& response, const std::string& reference);

// Graded score in [0, 1] of one aspect of a response, seeing only that aspect (not the reference):
//   name    0 without a mention of introduced_name(prompt) (or when the prompt introduces none),
//           else 1 - 0.5 * (words before the first mention) / (words)
//   length  1 inside [min_words, max_words], else 1 / (1 + d / 5), d = words outside the band
//   ending  1 when it ends with a full sentence, else 0.5 * (words up to the last . ! ?) / (words)
//   repeat  1 - (n-grams seen before in the response) / (n-grams); 1 when it has none; 0 when empty
struct AspectParams {
  int min_words = 5, max_words = 15, ngram = 3;
};
double story_aspect_score(const std::string& aspect, const std::string& prompt, const std::string& response,
                          const AspectParams& p);

}  // namespace laser::data
