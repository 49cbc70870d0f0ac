// Sharding and gathers of the data-parallel loop (see shard.h).
#include "laser/loop/shard.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "laser/core/error.h"

namespace laser::loop {

using json = nlohmann::json;

Shard shard_of(size_t n, int rank, int world) {
  const size_t W = static_cast<size_t>(world), r = static_cast<size_t>(rank), q = n / W, extra = n % W;
  Shard s;
  s.begin = r * q + std::min(r, extra);
  s.end = s.begin + q + (r < extra ? 1 : 0);
  return s;
}

std::vector<json> all_gather_json(train::Distributed& dist, const json& mine, const char* what) {
  if (dist.world_size() == 1) return {mine};
  auto bytes = json::to_cbor(mine);
  auto all = dist.all_gather(std::string(bytes.begin(), bytes.end()), what);
  std::vector<json> out;
  for (auto& b : all) out.push_back(json::from_cbor(std::vector<uint8_t>(b.begin(), b.end())));
  return out;
}

Eigen::MatrixXd gather_rows(train::Distributed& dist, const Eigen::MatrixXd& local, const char* what) {
  if (dist.world_size() == 1) return local;
  std::string mine(reinterpret_cast<const char*>(local.data()), sizeof(double) * static_cast<size_t>(local.size()));
  std::string head = std::to_string(local.rows()) + " " + std::to_string(local.cols()) + "\n";
  auto all = dist.all_gather(head + mine, what);
  Eigen::Index rows = 0, cols = local.cols();
  std::vector<Eigen::MatrixXd> parts;
  for (auto& b : all) {
    auto nl = b.find('\n');
    long r = 0, c = 0;
    std::sscanf(b.c_str(), "%ld %ld", &r, &c);
    LASER_CHECK(nl != std::string::npos && b.size() - nl - 1 == sizeof(double) * static_cast<size_t>(r * c) && (r == 0 || c == cols || cols == 0),
                what, "ranks sent contexts of different shapes", "every rank must run the same config and model");
    Eigen::MatrixXd m(r, c);
    if (r * c) std::memcpy(m.data(), b.data() + nl + 1, sizeof(double) * static_cast<size_t>(r * c));
    if (r) cols = c;
    rows += r;
    parts.push_back(std::move(m));
  }
  Eigen::MatrixXd out(rows, cols);
  Eigen::Index at = 0;
  for (auto& p : parts)
    if (p.rows()) { out.middleRows(at, p.rows()) = p; at += p.rows(); }
  return out;
}

BatchChoice slice_choice(const BatchChoice& c, const Shard& s) {
  BatchChoice out = c;
  if (c.arm.empty()) return out;
  out.arm.assign(c.arm.begin() + static_cast<std::ptrdiff_t>(s.begin), c.arm.begin() + static_cast<std::ptrdiff_t>(s.end));
  out.prob.assign(c.prob.begin() + static_cast<std::ptrdiff_t>(s.begin), c.prob.begin() + static_cast<std::ptrdiff_t>(s.end));
  return out;
}

GatheredStep gather_step(train::Distributed& dist, const Scored& s, const StepOutcome& o, size_t items, size_t pairs) {
  GatheredStep g;
  if (dist.world_size() == 1) {
    g.scored = s;
    g.outcome = o;
    g.pairs = pairs;
    return g;
  }
  json mine = {{"score", s.score}, {"arm", s.arm}, {"chosen", s.chosen}, {"prob", s.prob}, {"member", s.member},
               {"raw", o.raw}, {"pairs", o.pairs}, {"verifier", o.verifier}, {"items", items}, {"n_pairs", pairs}};
  auto all = all_gather_json(dist, mine, "gather of the step's scores and rewards");
  size_t K = 0;
  for (auto& j : all) K = std::max(K, j["member"].size());
  g.scored.member.assign(K, {});
  std::vector<bool> failed(K, false);
  size_t offset = 0;
  auto append = [](auto& to, const json& from) {
    for (auto& x : from) to.push_back(x.get<typename std::decay_t<decltype(to)>::value_type>());
  };
  for (auto& j : all) {
    append(g.scored.score, j["score"]);
    append(g.scored.arm, j["arm"]);
    append(g.scored.chosen, j["chosen"]);
    append(g.scored.prob, j["prob"]);
    append(g.outcome.raw, j["raw"]);
    append(g.outcome.verifier, j["verifier"]);
    const size_t n = j["items"].get<size_t>();
    for (size_t k = 0; k < K; ++k) {
      const json& m = k < j["member"].size() ? j["member"][k] : json::array();
      if (m.empty() && n > 0) failed[k] = true;
      append(g.scored.member[k], m);
    }
    for (auto& pp : j["pairs"]) {
      g.outcome.pairs.emplace_back();
      for (auto& p : pp) g.outcome.pairs.back().push_back({p[0].get<size_t>() + offset, p[1].get<size_t>() + offset});
    }
    g.pairs += j["n_pairs"].get<size_t>();
    offset += n;
  }
  for (size_t k = 0; k < K; ++k)
    if (failed[k]) g.scored.member[k].clear();
  return g;
}

json sum_cost(train::Distributed& dist, const json& cost) {
  if (dist.world_size() == 1) return cost;
  json out = json::object();
  for (auto& j : all_gather_json(dist, cost, "gather of the reward models' cost"))
    for (auto& [arm, c] : j.items()) {
      auto& t = out[arm];
      if (t.is_null()) t = {{"calls", 0}, {"items", 0}, {"tokens", 0}, {"seconds", 0.0}};
      t["calls"] = t["calls"].get<int64_t>() + c.value("calls", int64_t{0});
      t["items"] = t["items"].get<int64_t>() + c.value("items", int64_t{0});
      t["tokens"] = t["tokens"].get<int64_t>() + c.value("tokens", int64_t{0});
      t["seconds"] = t["seconds"].get<double>() + c.value("seconds", 0.0);
    }
  return out;
}

reward::RewardCost total_cost_of(const json& cost) {
  reward::RewardCost t;
  for (auto& [arm, c] : cost.items())
    t += reward::RewardCost{c.value("calls", int64_t{0}), c.value("items", int64_t{0}), c.value("tokens", int64_t{0}), c.value("seconds", 0.0)};
  return t;
}

std::vector<std::string> gather_strings(train::Distributed& dist, const std::vector<std::string>& mine, const char* what) {
  if (dist.world_size() == 1) return mine;
  std::vector<std::string> out;
  // Binary-safe: a response may hold any bytes (CBOR byte strings, not JSON text).
  json arr = json::array();
  for (auto& s : mine) arr.push_back(json::binary(std::vector<uint8_t>(s.begin(), s.end())));
  for (auto& j : all_gather_json(dist, arr, what))
    for (auto& b : j) out.emplace_back(b.get_binary().begin(), b.get_binary().end());
  return out;
}

void check_all_ranks(train::Distributed& dist, const std::string& error, const std::string& where, const std::string& hint) {
  if (dist.world_size() == 1) {
    if (!error.empty()) throw Error(error, where, hint);
    return;
  }
  auto all = dist.all_gather(error, "agreement on a check");
  for (size_t r = 0; r < all.size(); ++r)
    if (!all[r].empty()) throw Error((all.size() > 1 ? "rank " + std::to_string(r) + ": " : std::string()) + all[r], where, hint);
}

}  // namespace laser::loop
