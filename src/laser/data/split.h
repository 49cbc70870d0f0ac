// Seeded train/dev/test splits and sampling helpers over a Dataset. A seed always gives the same
// split (own Fisher-Yates over laser::Rng, not std::shuffle, so results do not depend on the
// standard library); splits are disjoint and keep the dataset's order inside each part.
// Not a loader and not a batcher (the loop batches).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "laser/data/example.h"

namespace laser::data {

struct SplitSpec {
  // Fractions of the dataset (each in [0,1], sum <= 1). When they sum to 1, train takes whatever
  // rounding leaves over after test and dev.
  double train = 0.8, dev = 0.1, test = 0.1;
  // Exact sizes instead, when use_counts is set (their sum must not exceed the dataset size);
  // n_train = kRest takes every example left after test and dev.
  static constexpr size_t kRest = static_cast<size_t>(-1);
  bool use_counts = false;
  size_t n_train = 0, n_dev = 0, n_test = 0;
  // Balance categories: every part gets each category in (about) its overall share.
  bool stratify = false;
};
SplitSpec split_fractions(double train, double dev, double test, bool stratify = false);
SplitSpec split_counts(size_t train, size_t dev, size_t test, bool stratify = false);

struct Splits {
  Dataset train, dev, test;
};
Splits split_dataset(const Dataset& d, const SplitSpec& spec, uint64_t seed);

// A seeded permutation of 0..n-1.
std::vector<size_t> permutation(size_t n, uint64_t seed);
// The examples in a seeded random order.
Dataset shuffled(const Dataset& d, uint64_t seed);
// k distinct examples drawn with the seed, kept in dataset order (all of them when k >= size).
Dataset sample(const Dataset& d, size_t k, uint64_t seed);
// At most k examples drawn per category (seeded), kept in dataset order.
Dataset sample_per_category(const Dataset& d, size_t k, uint64_t seed);
// The first k examples (all when k == 0 or k >= size).
Dataset limit(const Dataset& d, size_t k);
// The examples whose category is one of `categories` (throws when one of them never occurs).
Dataset filter_categories(const Dataset& d, const std::vector<std::string>& categories);
// The examples whose prompt differs from every earlier example's, in dataset order: after it, no
// prompt can land in two parts of a split (test prompts are never training prompts).
Dataset unique_prompts(const Dataset& d);
// The examples at the given indices, in that order.
Dataset subset(const Dataset& d, const std::vector<size_t>& indices, const std::string& name);

}  // namespace laser::data
