// Pair building: rank 1 vs ranks 2..P+1, best vs worst, margin; ties dropped.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/train/pairs.h"

using namespace laser::train;
using P = std::vector<std::pair<size_t, size_t>>;

TEST(Pairs, Rank1VsRest) {
  PairConfig c;
  c.num_pairs = 3;
  // ranking: 2 (0.9), 0 (0.5), 3 (0.4), 1 (0.1), 4 (0.0)
  EXPECT_EQ(make_pairs({0.5, 0.1, 0.9, 0.4, 0.0}, c), (P{{2, 0}, {2, 3}, {2, 1}}));
  c.num_pairs = 10;  // fewer responses than P: every other response
  EXPECT_EQ(make_pairs({0.5, 0.1, 0.9}, c), (P{{2, 0}, {2, 1}}));
}

TEST(Pairs, TiesAreDropped) {
  PairConfig c;
  c.num_pairs = 3;
  // best ties with index 1; rank 2 is a tie and is dropped, ranks 3..4 remain
  EXPECT_EQ(make_pairs({1.0, 1.0, 0.5, 0.2}, c), (P{{0, 2}, {0, 3}}));
  EXPECT_TRUE(make_pairs({0.3, 0.3, 0.3}, c).empty());
  c.mode = "best-vs-worst";
  EXPECT_TRUE(make_pairs({0.3, 0.3}, c).empty());
  EXPECT_TRUE(make_pairs({0.3}, c).empty());
}

TEST(Pairs, BestVsWorstAndMargin) {
  PairConfig c;
  c.mode = "best-vs-worst";
  EXPECT_EQ(make_pairs({0.2, 0.9, -1.0, 0.5}, c), (P{{1, 2}}));
  c.mode = "margin";
  c.margin = 0.5;
  EXPECT_EQ(make_pairs({0.0, 1.0, 0.6}, c), (P{{1, 0}, {2, 0}}));
  c.margin = 0.0;  // every strictly ordered pair
  EXPECT_EQ(make_pairs({0.0, 1.0, 1.0}, c), (P{{1, 0}, {2, 0}}));
}

TEST(Pairs, NanScoresNeverPaired) {
  PairConfig c;
  EXPECT_EQ(make_pairs({NAN, 0.2, 0.1}, c), (P{{1, 2}}));
}

TEST(Pairs, Validation) {
  PairConfig c;
  c.mode = "all";
  EXPECT_THROW(c.validate("pairs"), laser::Error);
  c.mode = "margin";
  c.margin = -1;
  EXPECT_THROW(c.validate("pairs"), laser::Error);
}
