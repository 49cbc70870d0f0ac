// Per-arm counts and means with JSON save/load.
#include "laser/bandit/arm_stats.h"

#include "laser/bandit/bandit.h"
#include "laser/core/error.h"

namespace laser::bandit {

std::vector<int> ArmStats::unpulled() const {
  std::vector<int> u;
  for (size_t k = 0; k < count.size(); ++k)
    if (count[k] == 0) u.push_back(static_cast<int>(k));
  return u;
}

int64_t ArmStats::total() const {
  int64_t t = 0;
  for (auto c : count) t += c;
  return t;
}

nlohmann::json ArmStats::save() const { return {{"count", count}, {"mean", mean}}; }

void ArmStats::load(const nlohmann::json& j, int num_arms, const std::string& where) {
  LASER_CHECK(j.is_object() && j.contains("count") && j.contains("mean"), where, "arm statistics lack count/mean",
              "the state file is corrupted");
  LASER_CHECK(j["count"].is_array() && j["count"].size() == static_cast<size_t>(num_arms), where + ".count",
              "expected " + std::to_string(num_arms) + " counts", "the state file is corrupted");
  count.assign(num_arms, 0);
  for (int k = 0; k < num_arms; ++k) {
    LASER_CHECK(j["count"][k].is_number_integer() && j["count"][k].get<int64_t>() >= 0, where + ".count",
                "count " + std::to_string(k) + " is not a non-negative integer", "the state file is corrupted");
    count[k] = j["count"][k].get<int64_t>();
  }
  mean = doubles_from_json(j["mean"], num_arms, where + ".mean");
}

}  // namespace laser::bandit
