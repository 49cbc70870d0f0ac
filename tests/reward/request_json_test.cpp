// serve-rm's request parsing against hostile JSON: a 195 KiB body whose "labels" nest 100,000
// levels deep (it used to overflow the stack and kill the server) and numbers out of range are
// answered with HTTP 400 and a one-line error, and the server keeps scoring afterwards.
#include <gtest/gtest.h>

#include <string>

#include "laser/reward/rm_server.h"
#include "laser/reward/verifier.h"

using namespace laser;
using namespace laser::reward;

TEST(ServeRmRequests, DeeplyNestedLabelsAndHugeNumbersAre400NotACrash) {
  VerifierRM inner("exact", {VerifierType::Exact, 4});
  ServeOptions so;
  so.port = 0;
  RewardServer srv(inner, so);
  std::string deep = "{\"query\": [\"ab\"], \"prompts\": [\"a\"], \"labels\": [" + std::string(100000, '[') + "\"b\"" +
                     std::string(100000, ']') + "]}";
  ASSERT_GT(deep.size(), 195u * 1024);
  auto [status, body] = srv.handle(deep, "");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body.find('\n'), std::string::npos);
  auto [status2, body2] = srv.handle("{\"query\": [\"ab\"], \"labels\": [1e999]}", "");
  EXPECT_EQ(status2, 400);
  // Still serving.
  EXPECT_EQ(srv.handle("{\"query\": [\"ab\"], \"prompts\": [\"a\"], \"labels\": [\"b\"]}", "").second, "{\"rewards\":[1.0]}");
}
