// Noise wrapper around any RM, for the robustness experiments of the LASeR paper: Gaussian noise
// of standard deviation sigma added to every score, and/or, with probability flip_p per prompt
// group, that group's scores mirrored (s -> max + min - s), which reverses all of its preferences.
// Seeded: the same seed and the same calls give the same scores. Not an ensemble.
#pragma once
#include <memory>

#include "laser/core/rng.h"
#include "laser/reward/reward_model.h"

namespace laser::reward {

class NoisyRM : public RewardModel {
 public:
  struct Options {
    double sigma = 0.0;    // Gaussian noise on scores (0 = off)
    double flip_p = 0.0;   // probability of reversing one prompt group's preferences (0 = off)
    uint64_t seed = 0;
  };
  NoisyRM(std::string name, std::unique_ptr<RewardModel> inner, Options o);
  std::vector<double> score(const std::vector<RewardItem>& items) override;
  std::string kind() const override { return "noisy"; }
  RewardCost cost() const override { return inner_->cost(); }
  void reset_cost() override { inner_->reset_cost(); }
  void load() override { inner_->load(); }
  void unload() override { inner_->unload(); }
  bool loaded() const override { return inner_->loaded(); }
  RewardModel& inner() { return *inner_; }
  // The RNG's state and the inner RM's, as JSON text.
  std::string save_state() const override;
  void load_state(const std::string& state, const std::string& where) override;

 private:
  std::unique_ptr<RewardModel> inner_;
  Options o_;
  Rng rng_;
};

}  // namespace laser::reward
