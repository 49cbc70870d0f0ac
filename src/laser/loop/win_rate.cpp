// RM-judged win rate against a baseline (see win_rate.h).
#include "laser/loop/win_rate.h"

#include <cmath>

#include "laser/core/error.h"

namespace laser::loop {

WinRateResult judge_win_rate(reward::RewardModel& judge, const data::Dataset& d, const std::vector<std::string>& responses,
                             const std::vector<std::string>& baseline, double tie_margin) {
  const size_t n = d.examples.size();
  LASER_CHECK(responses.size() == n && baseline.size() == n, "win rate", 
              std::to_string(n) + " prompts but " + std::to_string(responses.size()) + " responses and " + std::to_string(baseline.size()) +
                  " baseline responses",
              "give one response of each model per prompt");
  LASER_CHECK(tie_margin >= 0, "win rate", "tie margin must be >= 0", "use 0 (only equal scores tie)");
  WinRateResult r;
  if (n == 0) return r;
  // One call with both sides, so a batching judge sees them together.
  std::vector<reward::RewardItem> items;
  items.reserve(2 * n);
  for (int side = 0; side < 2; ++side)
    for (size_t i = 0; i < n; ++i) {
      const auto& e = d.examples[i];
      items.push_back({e.prompt, side == 0 ? responses[i] : baseline[i], e.answer.empty() ? std::nullopt : std::optional<std::string>(e.answer),
                       e.category});
    }
  auto s = judge.score(items);
  LASER_CHECK(s.size() == items.size(), "judge " + judge.name(),
              "returned " + std::to_string(s.size()) + " scores for " + std::to_string(items.size()) + " items", "the judge reward model is broken");
  std::map<std::string, double> sums;
  for (size_t i = 0; i < n; ++i) {
    double a = s[i], b = s[n + i];
    r.score.push_back(a);
    r.baseline_score.push_back(b);
    double v;
    if (!std::isfinite(a) || !std::isfinite(b))
      throw Error("judge " + judge.name() + " gave a non-finite score for prompt " + d.examples[i].id, "win rate", "check the judge reward model");
    // The same text is a tie whatever the judge's float rounding at another batch position says.
    if (responses[i] == baseline[i]) { ++r.ties; v = 0.5; }
    else if (a > b + tie_margin) { ++r.wins; v = 1; }
    else if (b > a + tie_margin) { ++r.losses; v = 0; }
    else { ++r.ties; v = 0.5; }
    sums[d.examples[i].category] += v;
    r.count[d.examples[i].category]++;
  }
  r.n = static_cast<int>(n);
  r.win_rate = (r.wins + 0.5 * r.ties) / r.n;
  for (auto& [c, v] : sums) r.per_category[c] = v / r.count[c];
  return r;
}

}  // namespace laser::loop
