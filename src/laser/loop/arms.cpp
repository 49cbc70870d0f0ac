// The arms of a run (see arms.h).
#include "laser/loop/arms.h"

#include <algorithm>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/reward/reward_factory.h"

namespace laser::loop {

using json = nlohmann::json;

reward::RewardCost Arms::cost(int k) const {
  auto c = rm[k]->cost();
  if (k < static_cast<int>(cost_before.size())) c += cost_before[k];
  return c;
}

reward::RewardCost Arms::total_cost() const {
  reward::RewardCost t;
  for (int k = 0; k < size(); ++k) t += cost(k);
  return t;
}

json Arms::cost_json() const {
  json j = json::object();
  for (int k = 0; k < size(); ++k) {
    auto c = cost(k);
    j[names[k]] = {{"calls", c.calls}, {"items", c.items}, {"tokens", c.tokens}, {"seconds", c.seconds}};
  }
  return j;
}

void Arms::load_cost(const json& j) {
  cost_before.assign(rm.size(), {});
  for (int k = 0; k < size(); ++k)
    if (j.contains(names[k])) {
      auto& c = j[names[k]];
      cost_before[k] = {c.value("calls", int64_t{0}), c.value("items", int64_t{0}), c.value("tokens", int64_t{0}), c.value("seconds", 0.0)};
    }
}

json Arms::save_state() const {
  json j = json::object();
  for (int k = 0; k < size(); ++k)
    if (auto st = rm[k]->save_state(); !st.empty()) j[names[k]] = st;
  return j;
}

void Arms::load_state(const json& j, const std::string& where) {
  for (int k = 0; k < size(); ++k)
    if (j.contains(names[k])) rm[k]->load_state(j[names[k]].get<std::string>(), where + " rm_state." + names[k]);
}

Arms build_arms(const toml::array* tables, const std::string& source) {
  Arms a;
  if (!tables) return a;
  int i = 0;
  for (auto& node : *tables) {
    std::string where = source + " [[rm]] #" + std::to_string(++i);
    a.rm.push_back(reward::make_reward_model(*node.as_table(), where));
    std::string n = a.rm.back()->name();
    LASER_CHECK(std::find(a.names.begin(), a.names.end(), n) == a.names.end(), where, "duplicate reward model name '" + n + "'",
                "give each [[rm]] a distinct name");
    a.names.push_back(n);
  }
  a.cost_before.assign(a.rm.size(), {});
  return a;
}

std::vector<double> score_with(Arms& arms, int k, const std::vector<reward::RewardItem>& items) {
  auto s = arms.rm[k]->score(items);
  LASER_CHECK(s.size() == items.size(), arms.names[k], "returned " + std::to_string(s.size()) + " scores for " + std::to_string(items.size()) + " items",
              "the reward model is broken");
  return s;
}

std::vector<std::vector<double>> score_all(Arms& arms, const std::vector<reward::RewardItem>& items, const std::string& what) {
  std::vector<std::vector<double>> out(arms.size());
  int answered = 0;
  for (int k = 0; k < arms.size(); ++k) {
    try {
      out[k] = score_with(arms, k, items);
      ++answered;
    } catch (const reward::RewardModelFailure& e) {
      log::warn("reward model '{}' failed: {}; {} goes on with the others", arms.names[k], e.what(), what);
    }
  }
  if (answered == 0) throw Error("every reward model failed", what, "check the RM servers and configs");
  return out;
}

}  // namespace laser::loop
