// Default thread count: LASER_THREADS wins; otherwise every core, shared among the ranks a launcher
// put on this machine (LOCAL_WORLD_SIZE), never below one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "laser/core/device.h"

TEST(Device, DefaultThreadsShareTheCoresAmongLocalRanks) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ::unsetenv("LASER_THREADS");
  ::unsetenv("LOCAL_WORLD_SIZE");
  EXPECT_EQ(laser::default_threads(), cores);
  ::setenv("LOCAL_WORLD_SIZE", "2", 1);
  EXPECT_EQ(laser::default_threads(), std::max(1, cores / 2));
  ::setenv("LOCAL_WORLD_SIZE", "100000", 1);
  EXPECT_EQ(laser::default_threads(), 1);
  ::setenv("LASER_THREADS", "3", 1);
  EXPECT_EQ(laser::default_threads(), 3);
  ::unsetenv("LASER_THREADS");
  ::unsetenv("LOCAL_WORLD_SIZE");
}
