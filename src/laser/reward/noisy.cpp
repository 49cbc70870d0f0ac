// Noise wrapper (see noisy.h). Draw order per call: for each prompt group in order of first
// appearance one uniform (flip), then one normal per item in item order.
#include "laser/reward/noisy.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "laser/io/json_parse.h"
#include "laser/reward/ensemble.h"

namespace laser::reward {

NoisyRM::NoisyRM(std::string name, std::unique_ptr<RewardModel> inner, Options o)
    : RewardModel(std::move(name)), inner_(std::move(inner)), o_(o), rng_(o.seed) {
  LASER_CHECK(inner_ != nullptr, "reward model '" + this->name() + "' inner", "the noise wrapper needs an inner RM", "add an [inner] table");
  LASER_CHECK(o_.sigma >= 0, "sigma", "must be >= 0", "use 0.3 (the paper's noisy-RM setting) or 0 for off");
  LASER_CHECK(o_.flip_p >= 0 && o_.flip_p <= 1, "flip_p", "must be in [0, 1]", "use 0 for off");
}

std::vector<double> NoisyRM::score(const std::vector<RewardItem>& items) {
  auto s = inner_->score(items);
  if (o_.flip_p > 0) {
    for (const auto& g : group_by_prompt(items)) {
      if (rng_.uniform() >= o_.flip_p || g.empty()) continue;
      double lo = s[g[0]], hi = s[g[0]];
      for (size_t i : g) { lo = std::min(lo, s[i]); hi = std::max(hi, s[i]); }
      for (size_t i : g) s[i] = hi + lo - s[i];
    }
  }
  if (o_.sigma > 0)
    for (auto& v : s) v += rng_.normal(0.0, o_.sigma);
  return s;
}

std::string NoisyRM::save_state() const {
  return nlohmann::json{{"rng", rng_.state()}, {"inner", inner_->save_state()}}.dump();
}

void NoisyRM::load_state(const std::string& state, const std::string& where) {
  nlohmann::json j;
  try {
    j = io::parse_json(state, where, /*where_is_file=*/false);
  } catch (const std::exception&) {
    throw Error("reward model '" + name() + "' state is not JSON", where, "the checkpoint is corrupted");
  }
  LASER_CHECK(j.is_object() && j.contains("rng") && j["rng"].is_string(), where, "reward model '" + name() + "' state lacks its RNG",
              "the checkpoint is corrupted");
  rng_.set_state(j["rng"].get<std::string>());
  inner_->load_state(j.value("inner", ""), where);
}

}  // namespace laser::reward
