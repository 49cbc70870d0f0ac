// Ensembles (see ensemble.h).
#include "laser/reward/ensemble.h"

#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "laser/io/json_parse.h"

namespace laser::reward {

std::vector<std::vector<size_t>> group_by_prompt(const std::vector<RewardItem>& items) {
  std::vector<std::vector<size_t>> groups;
  std::unordered_map<std::string, size_t> where;
  for (size_t i = 0; i < items.size(); ++i) {
    auto it = where.find(items[i].prompt);
    if (it == where.end()) {
      where.emplace(items[i].prompt, groups.size());
      groups.push_back({i});
    } else {
      groups[it->second].push_back(i);
    }
  }
  return groups;
}

std::vector<double> zscore_within_groups(const std::vector<double>& scores, const std::vector<std::vector<size_t>>& groups) {
  std::vector<double> z(scores.size(), 0.0);
  for (const auto& g : groups) {
    if (g.empty()) continue;
    double mean = 0;
    for (size_t i : g) mean += scores.at(i);
    mean /= static_cast<double>(g.size());
    double var = 0;
    for (size_t i : g) var += (scores[i] - mean) * (scores[i] - mean);
    double sd = std::sqrt(var / static_cast<double>(g.size()));
    for (size_t i : g) z[i] = sd > 1e-12 ? (scores[i] - mean) / sd : 0.0;
  }
  return z;
}

std::vector<std::pair<size_t, size_t>> majority_pairs(const std::vector<std::vector<double>>& member_scores) {
  std::vector<std::pair<size_t, size_t>> out;
  if (member_scores.empty()) return out;
  size_t K = member_scores.size(), n = member_scores[0].size();
  for (const auto& m : member_scores)
    LASER_CHECK(m.size() == n, "majority_pairs", "members scored different numbers of responses", "score the same responses with every RM");
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      size_t ij = 0, ji = 0;
      for (size_t k = 0; k < K; ++k) {
        if (member_scores[k][i] > member_scores[k][j]) ++ij;
        else if (member_scores[k][j] > member_scores[k][i]) ++ji;
      }
      if (2 * ij > K) out.emplace_back(i, j);
      else if (2 * ji > K) out.emplace_back(j, i);
    }
  return out;
}

EnsembleRM::EnsembleRM(std::string name, std::vector<std::unique_ptr<RewardModel>> members, std::vector<double> weights)
    : RewardModel(std::move(name)), members_(std::move(members)), weights_(std::move(weights)) {
  LASER_CHECK(!members_.empty(), "reward model '" + this->name() + "' members", "an ensemble needs at least one member", "add [[...members]] tables");
  if (weights_.empty()) weights_.assign(members_.size(), 1.0);
  LASER_CHECK(weights_.size() == members_.size(), "reward model '" + this->name() + "' weights",
              std::to_string(weights_.size()) + " weights for " + std::to_string(members_.size()) + " members", "give one weight per member");
}

std::vector<std::vector<double>> EnsembleRM::member_scores(const std::vector<RewardItem>& items) {
  std::vector<std::vector<double>> out;
  for (auto& m : members_) {
    out.push_back(m->score(items));
    LASER_CHECK(out.back().size() == items.size(), "reward model '" + m->name() + "'", "returned a wrong number of scores", "a bug in that RM");
  }
  return out;
}

std::vector<double> EnsembleRM::score(const std::vector<RewardItem>& items) { return combine(member_scores(items), items); }

std::vector<double> EnsembleRM::combine(const std::vector<std::vector<double>>& ms, const std::vector<RewardItem>& items) const {
  LASER_CHECK(ms.size() == members_.size(), "reward model '" + name() + "'", "member score count differs from the member count", "pass member_scores()");
  auto groups = group_by_prompt(items);
  double wsum = 0;
  for (double w : weights_) wsum += w;
  std::vector<double> out(items.size(), 0.0);
  for (size_t k = 0; k < ms.size(); ++k) {
    auto z = zscore_within_groups(ms[k], groups);
    for (size_t i = 0; i < out.size(); ++i) out[i] += weights_[k] * z[i] / wsum;
  }
  return out;
}

RewardCost EnsembleRM::cost() const {
  RewardCost c;
  for (const auto& m : members_) c += m->cost();
  return c;
}
void EnsembleRM::reset_cost() {
  for (auto& m : members_) m->reset_cost();
}
void EnsembleRM::load() {
  for (auto& m : members_) m->load();
}
void EnsembleRM::unload() {
  for (auto& m : members_) m->unload();
}
bool EnsembleRM::loaded() const {
  for (const auto& m : members_)
    if (!m->loaded()) return false;
  return true;
}

std::string EnsembleRM::save_state() const {
  nlohmann::json a = nlohmann::json::array();
  bool any = false;
  for (auto& m : members_) {
    a.push_back(m->save_state());
    any = any || !a.back().get<std::string>().empty();
  }
  return any ? a.dump() : "";
}

void EnsembleRM::load_state(const std::string& state, const std::string& where) {
  if (state.empty()) return;
  nlohmann::json a;
  try {
    a = io::parse_json(state, where, /*where_is_file=*/false);
  } catch (const std::exception&) {
    throw Error("reward model '" + name() + "' state is not JSON", where, "the checkpoint is corrupted");
  }
  LASER_CHECK(a.is_array() && a.size() == members_.size(), where, "reward model '" + name() + "' state does not match its " +
              std::to_string(members_.size()) + " members", "resume with the config the run started with");
  for (size_t k = 0; k < members_.size(); ++k) members_[k]->load_state(a[k].get<std::string>(), where);
}

}  // namespace laser::reward
