// Pair building (see pairs.h). Follows the LASeR authors' ranking (rank 1 vs ranks 2..11).
#include "laser/train/pairs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "laser/core/error.h"

namespace laser::train {

void PairConfig::validate(const std::string& where) const {
  LASER_CHECK(mode == "rank1-vs-rest" || mode == "best-vs-worst" || mode == "margin", where + ".mode",
              "unknown pair mode '" + mode + "'", "use rank1-vs-rest, best-vs-worst or margin");
  LASER_CHECK(num_pairs >= 1, where + ".num_pairs", "num_pairs must be at least 1", "the authors use 10");
  LASER_CHECK(margin >= 0 && std::isfinite(margin), where + ".margin", "margin must be a finite number >= 0", "use 0.1");
}

std::vector<std::pair<size_t, size_t>> make_pairs(const std::vector<double>& scores, const PairConfig& cfg) {
  std::vector<std::pair<size_t, size_t>> out;
  std::vector<size_t> order;
  for (size_t i = 0; i < scores.size(); ++i)
    if (!std::isnan(scores[i])) order.push_back(i);  // an unscored response is never paired
  if (order.size() < 2) return out;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  if (cfg.mode == "rank1-vs-rest") {
    size_t best = order[0];
    size_t last = std::min(order.size() - 1, static_cast<size_t>(cfg.num_pairs));  // ranks 2..P+1
    for (size_t k = 1; k <= last; ++k)
      if (scores[order[k]] < scores[best]) out.emplace_back(best, order[k]);
  } else if (cfg.mode == "best-vs-worst") {
    if (scores[order.front()] > scores[order.back()]) out.emplace_back(order.front(), order.back());
  } else {
    for (size_t a = 0; a < order.size(); ++a)
      for (size_t b = a + 1; b < order.size(); ++b) {
        double d = scores[order[a]] - scores[order[b]];
        if (d > 0 && d >= cfg.margin) out.emplace_back(order[a], order[b]);
      }
  }
  return out;
}

}  // namespace laser::train
