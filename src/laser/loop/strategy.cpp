// The strategy interface, its shared parts and the factory (see strategy.h).
#include "laser/loop/strategy.h"

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/loop/bandit_strategy.h"
#include "laser/loop/ensembles.h"

namespace laser::loop {

void validate_strategy_name(const std::string& name, const std::vector<std::string>& rm, const std::string& where) {
  static const std::vector<std::string> known = {"laser", "random", "sequential", "score-ensemble", "agreement-ensemble", "online-ensemble"};
  if (starts_with(name, "fixed:")) {
    std::string n = name.substr(6);
    for (auto& r : rm)
      if (r == n) return;
    std::string near = nearest(n, rm);
    throw Error("strategy '" + name + "' names no configured reward model", where,
                near.empty() ? "configured RMs: " + join(rm, ", ") : "did you mean 'fixed:" + near + "'?");
  }
  for (auto& k : known)
    if (k == name) return;
  std::string near = nearest(name, known);
  throw Error("unknown strategy '" + name + "'", where,
              near.empty() ? "use laser, fixed:NAME, random, sequential, score-ensemble, agreement-ensemble or online-ensemble"
                           : "did you mean '" + near + "'?");
}

std::unique_ptr<Strategy> make_strategy(const StrategyOptions& o, const std::vector<std::string>& rm_names, int d, uint64_t seed) {
  validate_strategy_name(o.name, rm_names, "strategy.name");
  if (o.name == "score-ensemble") return std::make_unique<ScoreEnsemble>(o, rm_names);
  if (o.name == "agreement-ensemble") return std::make_unique<AgreementEnsemble>(o, rm_names);
  if (o.name == "online-ensemble") return std::make_unique<OnlineEnsemble>(o, rm_names);
  return std::make_unique<BanditStrategy>(o, rm_names, d, seed);
}

std::vector<std::pair<size_t, size_t>> Strategy::pairs(const Scored& s, const std::vector<size_t>& items, const train::PairConfig& pc) const {
  std::vector<double> v;
  for (size_t g : items) v.push_back(s.score[g]);
  return train::make_pairs(v, pc);
}

nlohmann::json Strategy::save() const {
  nlohmann::json j = {{"format_version", 1}, {"name", name_}};
  save_state(j);
  return j;
}

void Strategy::load(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.value("format_version", 0) == 1, where, "unsupported strategy state version", "the checkpoint was written by another laser version");
  LASER_CHECK(j.value("name", "") == name_, where, "checkpoint strategy '" + j.value("name", "") + "' differs from the config's '" + name_ + "'",
              "resume with the same strategy.name");
  load_state(j, where);
}

}  // namespace laser::loop
