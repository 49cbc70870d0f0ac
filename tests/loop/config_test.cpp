// Run configs: defaults and overrides, one-line errors, the key reference, the shipped configs/
// (valid, and configs/world.toml equal to what `laser world` writes).
#include <gtest/gtest.h>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/loop/config.h"
#include "laser/loop/world_setup.h"
#include "laser/reward/reward_factory.h"

#include <filesystem>
#include <fstream>
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
  EXPECT_DOUBLE_EQ(c.get_float("bandit.alpha"), 1.5);  // laser's default (the paper's 0.1 is --preset paper)
  EXPECT_EQ(c.get_int("pairs.num_pairs"), 10);
  // The resolved TOML parses back to the same values.
  auto c2 = Config::from_string(c.to_toml(), "resolved.toml");
  EXPECT_EQ(c2.get_int("generation.n"), 4);
  EXPECT_DOUBLE_EQ(c2.get_float("train.lr"), 1e-4);
}

// A run's config.toml reproduces the run: strings with newlines (the stories world's stop string
// "\n") survive the round trip; TOML trims a newline right after the opening quotes of a
// multi-line string, which is how the resolved config once lost it.
TEST(Config, ResolvedTomlKeepsStringsWithNewlines) {
  auto c = Config::from_string("[generation]\nstop = [\"\\n\", \"a\\nb\\n\", \"it's\"]\n", "t.toml");
  ASSERT_EQ(c.get_strings("generation.stop"), (std::vector<std::string>{"\n", "a\nb\n", "it's"}));
  auto c2 = Config::from_string(c.to_toml(), "resolved.toml");
  EXPECT_EQ(c2.get_strings("generation.stop"), (std::vector<std::string>{"\n", "a\nb\n", "it's"}));
}

TEST(Config, RewardModelKeysAreSetByName) {
  const std::string text = "[[rm]]\nname = \"good\"\nkind = \"verifier\"\n\n[[rm]]\nname = \"noisy\"\nkind = \"noisy\"\nsigma = 1.0\n"
                           "[rm.inner]\nname = \"in\"\nkind = \"verifier\"\n";
  auto c = Config::from_string(text, "t.toml", {"rm.noisy.sigma=3", "rm.good.type=gsm8k"});
  const auto& rms = *c.reward_models();
  EXPECT_DOUBLE_EQ((*rms[1].as_table())["sigma"].value_or(0.0), 3.0);
  EXPECT_EQ((*rms[1].as_table())["inner"]["name"].value_or(std::string()), "in");  // the rest of the table is kept
  EXPECT_EQ((*rms[0].as_table())["type"].value_or(std::string()), "gsm8k");         // a bare word is a string
  auto msg = error_of([&] { c.set("rm.nosiy.sigma=2"); });
  EXPECT_NE(msg.find("no [[rm]] named 'nosiy'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'noisy'"), std::string::npos) << msg;
  msg = error_of([&] { c.set("rm.noisy=2"); });
  EXPECT_NE(msg.find("rm.NAME.KEY"), std::string::npos) << msg;
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

// README's configuration reference is the table `laser train --list-keys` prints (one declaration
// per option: a key added to the binding table must reach the README).
TEST(Config, ReadmeReferenceIsTheBindingTable) {
  std::ifstream f(std::string(LASER_SOURCE_DIR) + "/README.md");
  std::string readme((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(readme.empty());
  EXPECT_NE(readme.find(laser::loop::config_reference_markdown()), std::string::npos)
      << "README.md's configuration reference differs from the binding table: paste `laser train --list-keys` there";
}

// Values out of range name the TOML file and line (or the --set), the key and the range.
TEST(Config, OutOfRangeValuesNameFileAndLine) {
  auto msg = error_of([] { Config::from_string("[run]\nseed = 1\niterations = -3\n", "r.toml"); });
  EXPECT_NE(msg.find("r.toml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("run.iterations"), std::string::npos) << msg;
  EXPECT_NE(msg.find(">= 0"), std::string::npos) << msg;
  msg = error_of([] { Config::from_string("", "r.toml", {"run.threads=-4"}); });
  EXPECT_NE(msg.find("run.threads"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--set"), std::string::npos) << msg;
  msg = error_of([] { Config::from_string("[train]\nbeta = 0\n", "b.toml"); });
  EXPECT_NE(msg.find("b.toml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train.beta"), std::string::npos) << msg;
  msg = error_of([] { Config::from_string("[strategy]\nmode = \"per-qery\"\n", "m.toml"); });
  EXPECT_NE(msg.find("m.toml:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'per-query'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

// The typed config holds every key's value, defaults from the module structs.
TEST(Config, TypedConfigCarriesEveryKey) {
  auto c = Config::from_string("[train]\nbeta = 0.2\nloss = \"ipo\"\n[strategy]\nmode = \"per-batch\"\n", "t.toml",
                               {"generation.n=7", "bandit.alpha=0.5"}).typed();
  EXPECT_DOUBLE_EQ(c.train.loss.beta, 0.2);
  EXPECT_EQ(c.train.loss.type, "ipo");
  EXPECT_TRUE(c.strategy.per_batch);
  EXPECT_EQ(c.generation.n, 7);
  EXPECT_DOUBLE_EQ(c.strategy.bandit.alpha, 0.5);
  EXPECT_EQ(c.data.world_size, 600);
  EXPECT_EQ(c.generation.max_new_tokens, 150);
  // Every key's default is the typed default written as TOML.
  laser::loop::RunConfig d;
  auto dc = Config().typed();
  EXPECT_EQ(dc.train.lr, d.train.lr);
  EXPECT_EQ(dc.generation.n, 30);
  EXPECT_EQ(dc.pairs.num_pairs, d.pairs.num_pairs);
}

// --preset paper resolves to METHOD.md's values, over the file and under --set.
TEST(Config, PaperPresetIsMethodMd) {
  auto sets = laser::loop::preset_overrides("paper");
  sets.push_back("run.seed=4");
  auto c = Config::from_string("[bandit]\nalpha = 2.0\n[run]\nseed = 9\n", "p.toml", sets).typed();
  EXPECT_DOUBLE_EQ(c.strategy.bandit.alpha, 0.1);   // LinUCB alpha 0.1
  EXPECT_DOUBLE_EQ(c.strategy.bandit.ridge, 1.0);   // A starts at I
  EXPECT_EQ(c.strategy.bandit.algorithm, "linucb");
  EXPECT_EQ(c.strategy.normalizer, "percentile");   // 20th/80th percentile
  EXPECT_FALSE(c.strategy.context_l2);              // raw contexts
  EXPECT_FALSE(c.strategy.per_batch);               // per-query
  EXPECT_EQ(c.pooling, "mean-input");
  EXPECT_EQ(c.reward_signal, "neg-loss");           // -(mean training loss)
  EXPECT_EQ(c.generation.n, 30);
  EXPECT_DOUBLE_EQ(c.generation.temperature, 0.8);
  EXPECT_EQ(c.generation.max_new_tokens, 150);
  EXPECT_EQ(c.data.batch_size, 16);
  EXPECT_EQ(c.run.iterations, 10);
  EXPECT_DOUBLE_EQ(c.run.early_stop_loss, 0.1);
  EXPECT_EQ(c.pairs.mode, "rank1-vs-rest");
  EXPECT_EQ(c.pairs.num_pairs, 10);
  EXPECT_DOUBLE_EQ(c.train.loss.beta, 0.1);
  EXPECT_DOUBLE_EQ(c.train.lr, 5e-6);
  EXPECT_TRUE(c.train.lora);
  EXPECT_EQ(c.train.lora_r, 16);
  EXPECT_DOUBLE_EQ(c.train.lora_alpha, 32.0);
  EXPECT_DOUBLE_EQ(c.train.lora_dropout, 0.1);
  EXPECT_EQ(c.train.lora_targets, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_EQ(c.run.seed, 4);  // --set still wins
  EXPECT_TRUE(laser::loop::preset_overrides("laser").empty());
  EXPECT_NE(error_of([] { laser::loop::preset_overrides("papr"); }).find("--preset"), std::string::npos);
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
