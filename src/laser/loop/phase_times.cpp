// Time per phase (see phase_times.h): one step's phases from its metrics line, and a run's sums.
#include "laser/loop/phase_times.h"

#include <algorithm>

namespace laser::loop {

using json = nlohmann::json;

const std::vector<std::string>& phase_names() {
  static const std::vector<std::string> names = {"context", "generate", "score", "train", "bandit", "other", "eval"};
  return names;
}

std::vector<double> step_phase_seconds(const json& m) {
  auto get = [&](const char* k) {
    auto it = m.find(k);
    return it != m.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  std::vector<double> v = {get("time_context"), get("time_gen"), get("time_score"), get("time_train"), get("time_bandit"), 0.0, 0.0};
  double phases = v[0] + v[1] + v[2] + v[3] + v[4];
  v[5] = std::max(0.0, get("time_step") - phases);
  return v;
}

json phase_seconds(const std::vector<json>& metrics, const std::vector<json>& evals) {
  std::vector<double> sum(phase_names().size(), 0.0);
  for (auto& m : metrics) {
    auto v = step_phase_seconds(m);
    for (size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
  }
  for (auto& e : evals)
    if (auto it = e.find("time_eval"); it != e.end() && it->is_number()) sum.back() += it->get<double>();
  json out = json::object();
  double total = 0;
  for (size_t i = 0; i < sum.size(); ++i) {
    out[phase_names()[i]] = sum[i];
    total += sum[i];
  }
  out["total"] = total;
  return out;
}

}  // namespace laser::loop
