// Aspect RMs of the stories world (see story_aspect.h): a loop over data::story_aspect_score.
#include "laser/reward/story_aspect.h"

#include <algorithm>

#include "laser/core/strings.h"
#include "laser/core/timer.h"

namespace laser::reward {

StoryAspectRM::StoryAspectRM(std::string name, Options o, const std::string& where) : RewardModel(std::move(name)), o_(std::move(o)) {
  auto all = data::story_constraints();
  LASER_CHECK(std::find(all.begin(), all.end(), o_.aspect) != all.end(), where + " key 'aspect'", "unknown aspect '" + o_.aspect + "'",
              "use one of " + join(all, ", "));
  LASER_CHECK(o_.params.min_words >= 0 && o_.params.min_words <= o_.params.max_words, where + " keys 'min_words'/'max_words'",
              "the band " + std::to_string(o_.params.min_words) + "-" + std::to_string(o_.params.max_words) + " is empty",
              "min_words = 10, max_words = 30");
  LASER_CHECK(o_.params.ngram >= 1, where + " key 'ngram'", "must be >= 1", "ngram = 3");
}

std::vector<double> StoryAspectRM::score(const std::vector<RewardItem>& items) {
  Timer t;
  std::vector<double> out(items.size());
  for (size_t i = 0; i < items.size(); ++i) out[i] = data::story_aspect_score(o_.aspect, items[i].prompt, items[i].response, o_.params);
  add_cost(static_cast<int64_t>(items.size()), 0, t.seconds());
  return out;
}

}  // namespace laser::reward
