// Tests of seeded splits (deterministic, disjoint, sized, stratified) and sampling helpers.
// Toy datasets built here.
#include <gtest/gtest.h>

#include <set>

#include "laser/core/error.h"
#include "laser/data/split.h"

using namespace laser;
using namespace laser::data;

static Dataset numbered(size_t n, size_t n_cats = 1) {
  Dataset d;
  d.name = "num";
  for (size_t i = 0; i < n; ++i) {
    Example e;
    e.id = "e" + std::to_string(i);
    e.category = "c" + std::to_string(i % n_cats);
    d.examples.push_back(e);
  }
  return d;
}

static std::vector<std::string> ids(const Dataset& d) {
  std::vector<std::string> v;
  for (const auto& e : d.examples) v.push_back(e.id);
  return v;
}

TEST(Split, FractionsAreDeterministicDisjointAndComplete) {
  Dataset d = numbered(101);
  Splits a = split_dataset(d, split_fractions(0.8, 0.1, 0.1), 7);
  Splits b = split_dataset(d, split_fractions(0.8, 0.1, 0.1), 7);
  Splits c = split_dataset(d, split_fractions(0.8, 0.1, 0.1), 8);
  EXPECT_EQ(ids(a.train), ids(b.train));
  EXPECT_EQ(ids(a.dev), ids(b.dev));
  EXPECT_EQ(ids(a.test), ids(b.test));
  EXPECT_NE(ids(a.test), ids(c.test));
  EXPECT_EQ(a.test.size(), 10u);
  EXPECT_EQ(a.dev.size(), 10u);
  EXPECT_EQ(a.train.size(), 81u);  // train takes the rounding rest when fractions sum to 1
  std::set<std::string> all;
  for (const Dataset* p : {&a.train, &a.dev, &a.test})
    for (const auto& id : ids(*p)) EXPECT_TRUE(all.insert(id).second) << id << " in two splits";
  EXPECT_EQ(all.size(), 101u);
  EXPECT_EQ(a.train.name, "num-train");
}

TEST(Split, PartsKeepDatasetOrder) {
  Splits s = split_dataset(numbered(50), split_fractions(0.5, 0.25, 0.25), 3);
  for (const Dataset* p : {&s.train, &s.dev, &s.test})
    for (size_t i = 1; i < p->size(); ++i)
      EXPECT_LT(std::stoi(p->examples[i - 1].id.substr(1)), std::stoi(p->examples[i].id.substr(1)));
}

TEST(Split, CountsAndPartialFractions) {
  Splits s = split_dataset(numbered(30), split_counts(5, 3, 2), 1);
  EXPECT_EQ(s.train.size(), 5u);
  EXPECT_EQ(s.dev.size(), 3u);
  EXPECT_EQ(s.test.size(), 2u);
  Splits f = split_dataset(numbered(100), split_fractions(0.2, 0.1, 0.1), 1);
  EXPECT_EQ(f.train.size(), 20u);
  EXPECT_THROW(split_dataset(numbered(10), split_counts(5, 5, 1), 1), Error);
  Splits rest = split_dataset(numbered(30), split_counts(SplitSpec::kRest, 4, 6), 1);
  EXPECT_EQ(rest.train.size(), 20u);
  EXPECT_EQ(rest.dev.size(), 4u);
  EXPECT_THROW(split_dataset(numbered(5), split_counts(SplitSpec::kRest, 4, 6), 1), Error);
  EXPECT_THROW(split_dataset(numbered(10), split_fractions(0.8, 0.2, 0.1), 1), Error);
  EXPECT_THROW(split_dataset(numbered(10), split_fractions(-0.1, 0.2, 0.1), 1), Error);
}

TEST(Split, StratifiedKeepsCategoryShares) {
  Dataset d = numbered(300, 3);
  Splits s = split_dataset(d, split_counts(240, 30, 30, true), 5);
  for (const Dataset* p : {&s.dev, &s.test}) {
    auto cc = category_counts(*p);
    ASSERT_EQ(cc.size(), 3u);
    for (const auto& [c, n] : cc) EXPECT_EQ(n, 10u) << c;
  }
  auto tc = category_counts(s.train);
  for (const auto& [c, n] : tc) EXPECT_EQ(n, 80u) << c;
  // Unequal categories: 200 of c0, 100 of c1 -> test of 30 holds 20 + 10.
  Dataset u = numbered(200, 1);
  for (size_t i = 0; i < 100; ++i) {
    Example e;
    e.id = "u" + std::to_string(i);
    e.category = "c1";
    u.examples.push_back(e);
  }
  Splits su = split_dataset(u, split_counts(0, 0, 30, true), 9);
  EXPECT_EQ(category_counts(su.test).at("c0"), 20u);
  EXPECT_EQ(category_counts(su.test).at("c1"), 10u);
}

TEST(Sampling, SampleLimitShuffleFilter) {
  Dataset d = numbered(40, 4);
  Dataset s1 = sample(d, 10, 3), s2 = sample(d, 10, 3);
  EXPECT_EQ(ids(s1), ids(s2));
  EXPECT_EQ(s1.size(), 10u);
  const auto v1 = ids(s1);
  EXPECT_EQ(std::set<std::string>(v1.begin(), v1.end()).size(), 10u);
  EXPECT_EQ(sample(d, 100, 3).size(), 40u);
  EXPECT_EQ(ids(limit(d, 3)), (std::vector<std::string>{"e0", "e1", "e2"}));
  EXPECT_EQ(limit(d, 0).size(), 40u);
  Dataset sh = shuffled(d, 11);
  EXPECT_EQ(sh.size(), 40u);
  EXPECT_NE(ids(sh), ids(d));
  std::vector<std::string> a = ids(sh), b = ids(d);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  Dataset f = filter_categories(d, {"c1", "c3"});
  EXPECT_EQ(f.size(), 20u);
  for (const auto& e : f.examples) EXPECT_TRUE(e.category == "c1" || e.category == "c3");
  EXPECT_THROW(filter_categories(d, {"c9"}), Error);
  Dataset pc = sample_per_category(d, 2, 4);
  for (const auto& [c, n] : category_counts(pc)) EXPECT_EQ(n, 2u) << c;
}

TEST(Sampling, PermutationIsAPermutation) {
  auto p = permutation(1000, 42);
  std::vector<size_t> s = p;
  std::sort(s.begin(), s.end());
  for (size_t i = 0; i < s.size(); ++i) ASSERT_EQ(s[i], i);
  EXPECT_EQ(p, permutation(1000, 42));
  EXPECT_NE(p, permutation(1000, 43));
}

TEST(Split, UniquePromptsDropsRepeatsSoPartsNeverSharePrompts) {
  Dataset d = numbered(10);
  for (size_t i = 0; i < d.examples.size(); ++i) d.examples[i].prompt = "q" + std::to_string(i % 4);  // q0..q3 repeated
  Dataset u = unique_prompts(d);
  EXPECT_EQ(ids(u), (std::vector<std::string>{"e0", "e1", "e2", "e3"}));  // first occurrences, in order
  EXPECT_EQ(u.name, "num");
  auto sp = split_dataset(u, split_counts(2, 1, 1), 3);
  std::set<std::string> train;
  for (auto& e : sp.train.examples) train.insert(e.prompt);
  for (auto& e : sp.test.examples) EXPECT_EQ(train.count(e.prompt), 0u);
  for (auto& e : sp.dev.examples) EXPECT_EQ(train.count(e.prompt), 0u);
}
