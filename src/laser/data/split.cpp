// Seeded splits and sampling over a Dataset (Fisher-Yates on laser::Rng; stratification by
// Example::category only). Not a batcher.
#include "laser/data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "laser/core/error.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"

namespace laser::data {

SplitSpec split_fractions(double train, double dev, double test, bool stratify) {
  SplitSpec s;
  s.train = train;
  s.dev = dev;
  s.test = test;
  s.stratify = stratify;
  return s;
}

SplitSpec split_counts(size_t train, size_t dev, size_t test, bool stratify) {
  SplitSpec s;
  s.use_counts = true;
  s.n_train = train;
  s.n_dev = dev;
  s.n_test = test;
  s.stratify = stratify;
  return s;
}

static void fisher_yates(std::vector<size_t>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

std::vector<size_t> permutation(size_t n, uint64_t seed) {
  std::vector<size_t> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = i;
  Rng rng(mix_seed(seed, 0x5eed));
  fisher_yates(p, rng);
  return p;
}

// A seeded order in which categories alternate (each category shuffled inside, then dealt out
// round-robin in a shuffled category order), so every prefix holds each category in its share.
static std::vector<size_t> stratified_order(const Dataset& d, uint64_t seed) {
  std::map<std::string, std::vector<size_t>> by_cat;
  for (size_t i = 0; i < d.examples.size(); ++i) by_cat[d.examples[i].category].push_back(i);
  Rng rng(mix_seed(seed, 0x57a7));
  std::vector<std::vector<size_t>*> groups;
  for (auto& [cat, idx] : by_cat) {
    fisher_yates(idx, rng);
    groups.push_back(&idx);
  }
  std::vector<size_t> gorder(groups.size());
  for (size_t g = 0; g < gorder.size(); ++g) gorder[g] = g;
  fisher_yates(gorder, rng);
  // Deal by proportional progress: next from the group whose taken/size share is lowest, which keeps
  // every prefix proportional even when category sizes differ.
  std::vector<size_t> taken(groups.size(), 0), out;
  out.reserve(d.examples.size());
  while (out.size() < d.examples.size()) {
    size_t best = groups.size();
    double best_share = 2.0;
    for (size_t g : gorder) {
      if (taken[g] >= groups[g]->size()) continue;
      double share = (taken[g] + 0.5) / static_cast<double>(groups[g]->size());
      if (share < best_share) { best_share = share; best = g; }
    }
    out.push_back((*groups[best])[taken[best]++]);
  }
  return out;
}

Dataset subset(const Dataset& d, const std::vector<size_t>& indices, const std::string& name) {
  Dataset out;
  out.name = name;
  out.examples.reserve(indices.size());
  for (size_t i : indices) out.examples.push_back(d.examples.at(i));
  return out;
}

Dataset unique_prompts(const Dataset& d) {
  Dataset out;
  out.name = d.name;
  std::set<std::string> seen;
  for (auto& e : d.examples)
    if (seen.insert(e.prompt).second) out.examples.push_back(e);
  return out;
}

Splits split_dataset(const Dataset& d, const SplitSpec& spec, uint64_t seed) {
  const size_t n = d.examples.size();
  size_t n_train, n_dev, n_test;
  if (spec.use_counts) {
    n_train = spec.n_train;
    n_dev = spec.n_dev;
    n_test = spec.n_test;
    if (n_train == SplitSpec::kRest) n_train = n >= n_dev + n_test ? n - n_dev - n_test : n + 1;  // n + 1: too many
    if (n_train + n_dev + n_test > n)
      throw Error("split sizes " + std::to_string(n_train) + "+" + std::to_string(n_dev) + "+" + std::to_string(n_test) +
                      " exceed the " + std::to_string(n) + " examples",
                  "split of " + d.name, "use smaller counts or fractions");
  } else {
    for (double f : {spec.train, spec.dev, spec.test})
      if (!(f >= 0.0 && f <= 1.0))
        throw Error("split fraction " + std::to_string(f) + " is outside [0, 1]", "split of " + d.name, "use fractions such as 0.8/0.1/0.1");
    double sum = spec.train + spec.dev + spec.test;
    if (sum > 1.0 + 1e-9)
      throw Error("split fractions sum to " + std::to_string(sum) + " > 1", "split of " + d.name, "make train + dev + test <= 1");
    n_test = static_cast<size_t>(std::llround(spec.test * static_cast<double>(n)));
    n_dev = static_cast<size_t>(std::llround(spec.dev * static_cast<double>(n)));
    n_dev = std::min(n_dev, n - std::min(n, n_test));
    size_t rest = n - n_test - n_dev;
    n_train = std::fabs(sum - 1.0) < 1e-9 ? rest
                                          : std::min(rest, static_cast<size_t>(std::llround(spec.train * static_cast<double>(n))));
  }
  std::vector<size_t> order = spec.stratify ? stratified_order(d, seed) : permutation(n, seed);
  auto part = [&](size_t from, size_t count, const std::string& suffix) {
    std::vector<size_t> idx(order.begin() + static_cast<long>(from), order.begin() + static_cast<long>(from + count));
    std::sort(idx.begin(), idx.end());
    return subset(d, idx, d.name + "-" + suffix);
  };
  Splits s;
  s.test = part(0, n_test, "test");
  s.dev = part(n_test, n_dev, "dev");
  s.train = part(n_test + n_dev, n_train, "train");
  return s;
}

Dataset shuffled(const Dataset& d, uint64_t seed) { return subset(d, permutation(d.examples.size(), seed), d.name); }

Dataset sample(const Dataset& d, size_t k, uint64_t seed) {
  std::vector<size_t> p = permutation(d.examples.size(), seed);
  if (k < p.size()) p.resize(k);
  std::sort(p.begin(), p.end());
  return subset(d, p, d.name);
}

Dataset sample_per_category(const Dataset& d, size_t k, uint64_t seed) {
  std::vector<size_t> p = permutation(d.examples.size(), seed), keep;
  std::map<std::string, size_t> count;
  for (size_t i : p)
    if (count[d.examples[i].category]++ < k) keep.push_back(i);
  std::sort(keep.begin(), keep.end());
  return subset(d, keep, d.name);
}

Dataset limit(const Dataset& d, size_t k) {
  Dataset out = d;
  if (k > 0 && k < out.examples.size()) out.examples.resize(k);
  return out;
}

Dataset filter_categories(const Dataset& d, const std::vector<std::string>& categories) {
  std::map<std::string, size_t> counts = category_counts(d);
  std::vector<std::string> known;
  for (const auto& [c, n] : counts) known.push_back(c);
  for (const auto& c : categories)
    if (!counts.count(c)) {
      std::string near = nearest(c, known);
      throw Error("category '" + c + "' does not occur in " + d.name, "categories",
                  near.empty() ? "check the category names" : "did you mean '" + near + "'?");
    }
  Dataset out;
  out.name = d.name;
  for (const auto& e : d.examples)
    if (std::find(categories.begin(), categories.end(), e.category) != categories.end()) out.examples.push_back(e);
  return out;
}

}  // namespace laser::data
