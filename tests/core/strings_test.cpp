#include <gtest/gtest.h>

#include "laser/core/error.h"
#include "laser/core/strings.h"

using namespace laser;

TEST(Strings, NearestSuggestsCloseKey) {
  EXPECT_EQ(nearest("learning_rat", {"learning_rate", "beta", "seed"}), "learning_rate");
  EXPECT_EQ(nearest("zzzzzz", {"learning_rate", "beta"}), "");
}

TEST(Error, IsOneLineWithWhereAndHint) {
  Error e("bad\nthing", "f.json:3", "fix it");
  EXPECT_STREQ(e.what(), "f.json:3: bad thing (hint: fix it)");
}
