// Rule-based aspect RMs of the stories world: each scores one aspect of a story continuation
// (name mention, length band, full-sentence ending, no repetition) with a graded score in [0, 1]
// and is blind to every other aspect and to the reference. No model. Scores: data/stories.h.
#pragma once
#include "laser/data/stories.h"
#include "laser/reward/reward_model.h"

namespace laser::reward {

class StoryAspectRM : public RewardModel {
 public:
  struct Options {
    std::string aspect = "name";  // name | length | ending | repeat
    data::AspectParams params;
  };
  // Throws laser::Error (naming `where`) on an unknown aspect or an empty length band.
  StoryAspectRM(std::string name, Options o, const std::string& where = "story-aspect RM");
  std::vector<double> score(const std::vector<RewardItem>& items) override;
  std::string kind() const override { return "story-aspect"; }

 private:
  Options o_;
};

}  // namespace laser::reward
