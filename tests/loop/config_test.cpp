// Run configs: defaults and overrides, one-line errors, the key reference, the shipped configs/
// (valid, and configs/world.toml equal to what `laser world` writes).
#include <gtest/gtest.h>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/loop/config.h"
#include "laser/loop/world_setup.h"
#include "laser/reward/reward_factory.h"

#include <filesystem>
#include <sstream>

using laser::loop::Config;

static std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const laser::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreFilledAndOverridable) {
  auto c = Config::from_string("[train]\nlr = 1e-4\n", "t.toml", {"generation.n=4", "strategy.name=random", "data.world_skills=[\"add\"]"});
  EXPECT_DOUBLE_EQ(c.get_float("train.lr"), 1e-4);
  EXPECT_EQ(c.get_int("generation.n"), 4);
  EXPECT_EQ(c.get_string("strategy.name"), "random");
  EXPECT_EQ(c.get_strings("data.world_skills"), std::vector<std::string>{"add"});
  EXPECT_DOUBLE_EQ(c.get_float("bandit.alpha"), 0.1);  // METHOD.md default
  EXPECT_EQ(c.get_int("pairs.num_pairs"), 10);
  // The resolved TOML parses back to the same values.
  auto c2 = Config::from_string(c.to_toml(), "resolved.toml");
  EXPECT_EQ(c2.get_int("generation.n"), 4);
  EXPECT_DOUBLE_EQ(c2.get_float("train.lr"), 1e-4);
}

TEST(Config, UnknownKeySuggestsNearestWithLine) {
  auto msg = error_of([] { Config::from_string("[run]\nseed = 1\n[train]\nlearning_rat = 0.1\n", "x.toml"); });
  EXPECT_NE(msg.find("x.toml:4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train.learning_rat"), std::string::npos) << msg;
  msg = error_of([] { Config::from_string("[train]\nlt = 0.1\n", "x.toml"); });
  EXPECT_NE(msg.find("did you mean 'train.lr'"), std::string::npos) << msg;
  msg = error_of([] { Config::from_string("", "x.toml", {"bandit.alpah=0.2"}); });
  EXPECT_NE(msg.find("did you mean 'bandit.alpha'"), std::string::npos) << msg;
}

TEST(Config, WrongTypeAndSyntaxErrorsNamePlace) {
  auto msg = error_of([] { Config::from_string("[generation]\nn = \"many\"\n", "y.toml"); });
  EXPECT_NE(msg.find("y.toml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("generation.n"), std::string::npos) << msg;
  msg = error_of([] { Config::from_string("[run\nseed=1\n", "z.toml"); });
  EXPECT_NE(msg.find("z.toml:1"), std::string::npos) << msg;
  msg = error_of([] { Config::from_string("", "z.toml", {"generation.n=abc"}); });
  EXPECT_NE(msg.find("generation.n"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(Config, ReferenceListsEveryKey) {
  auto md = laser::loop::config_reference_markdown();
  for (auto& k : laser::loop::config_schema()) EXPECT_NE(md.find("`" + k.key + "`"), std::string::npos) << k.key;
}

// Every shipped config under configs/ parses with known keys only, and each of its [[rm]] tables
// is a valid reward model (built lazily: no weights are read).
TEST(Config, ShippedConfigsAreValid) {
  const std::string src = LASER_SOURCE_DIR;
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(std::string(src) + "/configs")) {
    if (f.path().extension() != ".toml") continue;
    ++n;
    auto c = Config::load(f.path().string());
    ASSERT_NE(c.reward_models(), nullptr) << f.path();
    int i = 0;
    for (auto& node : *c.reward_models()) {
      auto rm = laser::reward::make_reward_model(*node.as_table(), f.path().string() + " [[rm]] #" + std::to_string(++i));
      EXPECT_FALSE(rm->name().empty());
    }
    EXPECT_GE(i, 3) << f.path();
  }
  EXPECT_GE(n, 2);
}

// configs/world.toml (what `laser train` suggests without --config) is the config `laser world`
// writes with its default options (as scripts/run-main.sh runs it), comment lines aside.
TEST(Config, ShippedWorldConfigIsTheBuiltInWorld) {
  auto strip = [](const std::string& text) {
    std::istringstream in(text);
    std::string out, line;
    while (std::getline(in, line))
      if (line.rfind('#', 0) != 0) out += line + "\n";
    return out;
  };
  const std::string path = std::string(LASER_SOURCE_DIR) + "/configs/world.toml";
  ASSERT_TRUE(laser::io::file_exists(path));
  EXPECT_EQ(strip(laser::io::read_file(path)), strip(laser::loop::world_run_config({})));
  auto c = Config::load(path);
  EXPECT_EQ(c.get_string("data.format"), "world");
  EXPECT_EQ(c.get_string("policy.model"), ".cache/world/v1-add+mul+cmp-9-n480-s1-small/policy");
}
