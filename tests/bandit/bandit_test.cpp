// Every algorithm through the factory: valid probabilities (and matching frequencies where the
// algorithm randomizes), exact resume after save/load, errors on corrupted or wrong-version states,
// option validation, and the behaviour of the simple policies.
#include <gtest/gtest.h>

#include <map>

#include "laser/bandit/epsilon_greedy.h"
#include "laser/bandit/exp3.h"
#include "laser/bandit/factory.h"
#include "laser/bandit/linear_eps_greedy.h"
#include "laser/bandit/softmax.h"
#include "laser/core/error.h"
#include "laser/core/rng.h"

using namespace laser;
using namespace laser::bandit;

namespace {
Eigen::VectorXd ctx(Rng& rng, int d) {
  Eigen::VectorXd v(d);
  for (int i = 0; i < d; ++i) v[i] = rng.normal();
  return v / v.norm();
}
// Reward in [0, 1] depending on arm and context.
double reward(Rng& rng, const Eigen::VectorXd& c, int arm) {
  double m = 0.5 + 0.3 * std::tanh(c[arm % c.size()] * 2.0) - 0.05 * arm;
  return std::min(1.0, std::max(0.0, m + 0.1 * rng.normal()));
}
BanditConfig cfg_for(const std::string& name, uint64_t seed = 42) {
  BanditConfig c;
  c.algorithm = name;
  c.seed = seed;
  c.fixed_arm = 1;
  return c;
}
}  // namespace

TEST(Bandits, EveryAlgorithmGivesValidDecisions) {
  for (auto& name : bandit_names()) {
    SCOPED_TRACE(name);
    auto b = make_bandit(cfg_for(name), 4, 6);
    EXPECT_EQ(b->name(), name);
    EXPECT_EQ(b->num_arms(), 4);
    EXPECT_EQ(b->dim(), 6);
    Rng rng(1);
    for (int t = 0; t < 300; ++t) {
      auto c = ctx(rng, 6);
      Decision d = b->select(c);
      ASSERT_GE(d.arm, 0);
      ASSERT_LT(d.arm, 4);
      ASSERT_EQ(d.scores.size(), 4u);
      ASSERT_GT(d.probability, 0.0);
      ASSERT_LE(d.probability, 1.0);
      b->update(c, d.arm, reward(rng, c, d.arm));
    }
    EXPECT_EQ(b->updates(), 300);
  }
}

// For the algorithms with a closed-form policy, the probability of every arm must sum to 1 and the
// empirical choice frequencies with a frozen state must match the reported probabilities.
TEST(Bandits, ReportedProbabilitiesMatchFrequencies) {
  for (std::string name : {"epsilon_greedy", "linear_epsilon_greedy", "exp3", "softmax", "uniform", "ucb1", "round_robin", "fixed"}) {
    SCOPED_TRACE(name);
    BanditConfig cfg = cfg_for(name, 3);
    cfg.epsilon = 0.1;
    auto b = make_bandit(cfg, 3, 2);
    Rng rng(4);
    Eigen::VectorXd c = Eigen::VectorXd::Ones(2);
    for (int t = 0; t < 60; ++t) {
      Decision d = b->select(c);
      b->update(c, d.arm, d.arm == 2 ? 0.9 : 0.3 + 0.1 * rng.uniform());
    }
    // Freeze: copy the state and sample many decisions without updates.
    auto frozen = load_bandit(b->save(), "test");
    std::map<int, int> hits;
    std::map<int, double> prob;
    const int n = (name == "round_robin") ? 3 : 20000;
    for (int i = 0; i < n; ++i) {
      auto copy = (name == "round_robin") ? load_bandit(frozen->save(), "t") : nullptr;
      Decision d = copy ? copy->select(c) : frozen->select(c);
      hits[d.arm]++;
      if (prob.count(d.arm)) EXPECT_NEAR(prob[d.arm], d.probability, 1e-12);
      prob[d.arm] = d.probability;
    }
    double sum = 0;
    for (auto& [arm, p] : prob) {
      sum += p;
      EXPECT_NEAR(hits[arm] / double(n), p, 0.015) << "arm " << arm;
    }
    EXPECT_LE(sum, 1.0 + 1e-9);
    EXPECT_GT(sum, 0.97);  // arms never drawn have a tiny probability at most
  }
}

TEST(Bandits, EpsilonGreedyProbabilitiesAreExact) {
  BanditConfig c = cfg_for("epsilon_greedy");
  c.epsilon = 0.3;
  c.epsilon_decay = 0.5;
  EpsilonGreedy b(c, 3, 0);
  Eigen::VectorXd none;
  b.update(none, 0, 0.2);
  b.update(none, 1, 0.7);
  // Arm 2 never tried: it is the greedy set. epsilon_t = 0.3 / (1 + 0.5 * 2) = 0.15.
  EXPECT_DOUBLE_EQ(b.current_epsilon(), 0.15);
  for (int i = 0; i < 50; ++i) {
    Decision d = b.select(none);
    EXPECT_DOUBLE_EQ(d.probability, d.arm == 2 ? 0.05 + 0.85 : 0.05);
  }
  b.update(none, 2, 0.1);
  for (int i = 0; i < 50; ++i) {
    Decision d = b.select(none);
    double eps = 0.3 / (1 + 0.5 * 3);
    EXPECT_NEAR(d.probability, d.arm == 1 ? eps / 3 + 1 - eps : eps / 3, 1e-15);
  }
}

TEST(Bandits, Exp3FollowsItsUpdateRule) {
  BanditConfig c = cfg_for("exp3");
  c.exp3_gamma = 0.2;
  Exp3 b(c, 2, 0);
  Eigen::VectorXd none;
  auto p0 = b.probabilities();
  EXPECT_DOUBLE_EQ(p0[0], 0.5);
  b.update(none, 0, 1.0);
  // w0 = exp(0.2 * (1 / 0.5) / 2) = exp(0.2), w1 = 1.
  double w = std::exp(0.2);
  auto p1 = b.probabilities();
  EXPECT_NEAR(p1[0], 0.8 * w / (w + 1) + 0.1, 1e-12);
  EXPECT_NEAR(p1[0] + p1[1], 1.0, 1e-12);
  EXPECT_THROW(b.update(none, 0, 1.5), Error);
  EXPECT_THROW(b.update(none, 0, -0.1), Error);
}

TEST(Bandits, SoftmaxIsBoltzmannOverMeans) {
  BanditConfig c = cfg_for("softmax");
  c.temperature = 0.5;
  Softmax b(c, 3, 0);
  Eigen::VectorXd none;
  b.update(none, 0, 1.0);
  b.update(none, 1, 0.5);
  b.update(none, 1, 0.0);
  auto p = b.probabilities();
  double z = std::exp(2.0) + std::exp(0.5) + 1.0;
  EXPECT_NEAR(p[0], std::exp(2.0) / z, 1e-12);
  EXPECT_NEAR(p[1], std::exp(0.5) / z, 1e-12);
  EXPECT_NEAR(p[2], 1.0 / z, 1e-12);
}

TEST(Bandits, Ucb1TriesEveryArmThenUsesTheIndex) {
  auto b = make_bandit(cfg_for("ucb1"), 3, 0);
  Eigen::VectorXd none;
  std::vector<int> seen(3, 0);
  for (int t = 0; t < 3; ++t) {
    Decision d = b->select(none);
    EXPECT_EQ(seen[d.arm], 0) << "an untried arm comes first";
    EXPECT_DOUBLE_EQ(d.probability, 1.0 / (3 - t));
    seen[d.arm] = 1;
    b->update(none, d.arm, d.arm == 1 ? 1.0 : 0.0);
  }
  Decision d = b->select(none);
  EXPECT_EQ(d.arm, 1);
  EXPECT_NEAR(d.scores[1], 1.0 + std::sqrt(2.0 * std::log(3.0)), 1e-12);
  EXPECT_DOUBLE_EQ(d.probability, 1.0);
}

TEST(Bandits, RoundRobinFixedAndUniform) {
  Eigen::VectorXd none;
  auto rr = make_bandit(cfg_for("round_robin"), 3, 0);
  for (int t = 0; t < 7; ++t) EXPECT_EQ(rr->select(none).arm, t % 3);
  rr->add_arm();
  // 7 selects so far: next is 7 mod 4 = 3, the new arm.
  EXPECT_EQ(rr->select(none).arm, 3);
  auto fx = make_bandit(cfg_for("fixed"), 3, 0);
  for (int t = 0; t < 5; ++t) {
    Decision d = fx->select(none);
    EXPECT_EQ(d.arm, 1);
    EXPECT_EQ(d.probability, 1.0);
  }
  auto un = make_bandit(cfg_for("uniform"), 5, 0);
  EXPECT_DOUBLE_EQ(un->select(none).probability, 0.2);
}

TEST(Bandits, SaveLoadContinueGivesTheSameDecisions) {
  for (auto& name : bandit_names()) {
    SCOPED_TRACE(name);
    const int d = 7, K = 4;
    auto a = make_bandit(cfg_for(name, 123), K, d);
    auto b = make_bandit(cfg_for(name, 123), K, d);
    Rng ra(99), rb(99);
    std::unique_ptr<Bandit> resumed;
    std::vector<Decision> da, db;
    for (int t = 0; t < 200; ++t) {
      if (t == 120) {
        std::string text = b->save().dump();  // through text, as a checkpoint file would be
        resumed = load_bandit(nlohmann::json::parse(text), "ckpt");
        b = std::move(resumed);
      }
      if (t == 150) {
        a->add_arm();
        b->add_arm();
      }
      auto ca = ctx(ra, d);
      auto cb = ctx(rb, d);
      Decision x = a->select(ca), y = b->select(cb);
      ASSERT_EQ(x.arm, y.arm) << "round " << t;
      ASSERT_EQ(x.probability, y.probability) << "round " << t;
      ASSERT_EQ(x.scores, y.scores) << "round " << t;
      double r1 = reward(ra, ca, x.arm), r2 = reward(rb, cb, y.arm);
      a->update(ca, x.arm, r1);
      b->update(cb, y.arm, r2);
    }
    EXPECT_EQ(a->save(), b->save());
  }
}

TEST(Bandits, SameSeedSameRunDifferentSeedDifferentRun) {
  auto run = [](uint64_t seed) {
    auto b = make_bandit(cfg_for("epsilon_greedy", seed), 4, 3);
    Rng rng(1);
    std::vector<int> arms;
    for (int t = 0; t < 200; ++t) {
      auto c = ctx(rng, 3);
      Decision d = b->select(c);
      arms.push_back(d.arm);
      b->update(c, d.arm, reward(rng, c, d.arm));
    }
    return arms;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(Bandits, CorruptedOrWrongVersionStateIsAClearError) {
  auto b = make_bandit(cfg_for("linucb"), 3, 4);
  Rng rng(1);
  for (int t = 0; t < 10; ++t) b->update(ctx(rng, 4), t % 3, 0.5);
  nlohmann::json good = b->save();
  EXPECT_NO_THROW(load_bandit(good, "ok.json"));

  auto expect_error = [](const nlohmann::json& j, const std::string& needle) {
    try {
      load_bandit(j, "state.json");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("state.json"), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  };
  nlohmann::json j = good;
  j["format_version"] = 99;
  expect_error(j, "version");
  j = good;
  j["format"] = "something.else";
  expect_error(j, "format");
  j = good;
  j.erase("state");
  expect_error(j, "state");
  j = good;
  j["num_arms"] = 5;
  expect_error(j, "arm");
  j = good;
  std::string& data = j["state"]["arms"][1]["a_inv_lower"]["f64le_base64"].get_ref<std::string&>();
  data = data.substr(0, data.size() - 8);
  expect_error(j, "bytes");
  j = good;
  j["state"]["arms"][0]["theta"][2] = "x";
  expect_error(j, "theta");
  j = good;
  j["config"]["alpha"] = -1;
  expect_error(j, "alpha");
  j = good;
  j["rng"] = "garbage";
  expect_error(j, "rng");
  expect_error(nlohmann::json::array(), "JSON object");
  // Every other algorithm's state is checked too.
  for (std::string name : {"epsilon_greedy", "exp3", "softmax", "ucb1", "round_robin"}) {
    nlohmann::json s = make_bandit(cfg_for(name), 3, 0)->save();
    s["state"] = {{"junk", 1}};
    expect_error(s, "state");
  }
}

TEST(Bandits, OptionsAreValidated) {
  auto expect_error = [](BanditConfig c, int arms, int dim, const std::string& needle) {
    try {
      make_bandit(c, arms, dim);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  BanditConfig c;
  c.alpha = -0.1;
  expect_error(c, 4, 8, "alpha");
  c = BanditConfig();
  c.epsilon = 1.5;
  expect_error(c, 4, 8, "epsilon");
  c.epsilon = -0.01;
  expect_error(c, 4, 8, "epsilon");
  c = BanditConfig();
  expect_error(c, 0, 8, "arms");
  expect_error(c, 65, 8, "arms");
  expect_error(c, 4, 0, "dimension");
  expect_error(c, 4, 8193, "dimension");
  c.ridge = 0;
  expect_error(c, 4, 8, "ridge");
  c = BanditConfig();
  c.algorithm = "linucbb";
  expect_error(c, 4, 8, "did you mean 'linucb'");
  c = BanditConfig();
  c.algorithm = "exp3";
  c.exp3_gamma = 0;
  expect_error(c, 4, 8, "exp3_gamma");
  c = BanditConfig();
  c.algorithm = "softmax";
  c.temperature = 0;
  expect_error(c, 4, 8, "temperature");
  c = BanditConfig();
  c.algorithm = "fixed";
  c.fixed_arm = 4;
  expect_error(c, 4, 8, "fixed_arm");
  c = BanditConfig();
  c.ts_scale = -1;
  expect_error(c, 4, 8, "ts_scale");
  // Non-contextual algorithms accept any dimension up to the limit, including 0.
  c = BanditConfig();
  c.algorithm = "ucb1";
  EXPECT_NO_THROW(make_bandit(c, 2, 0));
  auto full = make_bandit(c, 64, 8);
  EXPECT_THROW(full->add_arm(), Error);
}

TEST(Bandits, ConfigJsonAndSetOption) {
  BanditConfig c;
  set_bandit_option(c, "alpha", "0.25", "--set");
  set_bandit_option(c, "algorithm", "exp3", "--set");
  set_bandit_option(c, "seed", "17", "--set");
  EXPECT_EQ(c.alpha, 0.25);
  EXPECT_EQ(c.algorithm, "exp3");
  EXPECT_EQ(c.seed, 17u);
  EXPECT_THROW(set_bandit_option(c, "alpa", "1", "--set"), Error);
  EXPECT_THROW(set_bandit_option(c, "alpha", "abc", "--set"), Error);
  BanditConfig d = bandit_config_from_json(to_json(c), "cfg");
  EXPECT_EQ(to_json(d), to_json(c));
  try {
    bandit_config_from_json({{"epsilonn", 0.1}}, "cfg");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'epsilon'"), std::string::npos) << e.what();
  }
}

TEST(Bandits, NonContextualIgnoreTheContext) {
  for (std::string name : {"epsilon_greedy", "ucb1", "exp3", "softmax", "round_robin", "uniform", "fixed"}) {
    auto a = make_bandit(cfg_for(name), 3, 4);
    auto b = make_bandit(cfg_for(name), 3, 4);
    Rng rng(3);
    for (int t = 0; t < 50; ++t) {
      Decision x = a->select(ctx(rng, 4));
      Decision y = b->select(Eigen::VectorXd());  // any context, even empty
      ASSERT_EQ(x.arm, y.arm) << name;
      a->update(Eigen::VectorXd::Ones(4), x.arm, 0.1 * x.arm);
      b->update(Eigen::VectorXd(), y.arm, 0.1 * y.arm);
    }
  }
}

TEST(Bandits, LinearEpsilonGreedyIsGreedyOnRidgeMeansWithExactProbabilities) {
  BanditConfig c = cfg_for("linear_epsilon_greedy");
  c.epsilon = 0.2;
  c.epsilon_decay = 1.0;
  LinearEpsGreedy b(c, 3, 2);
  Eigen::VectorXd x(2), y(2);
  x << 1, 0;
  y << 0, 1;
  // Arm 1 is good at x, arm 2 at y; arm 0 is poor everywhere.
  for (int i = 0; i < 5; ++i) {
    b.update(x, 0, 0.1);
    b.update(x, 1, 0.9);
    b.update(y, 2, 0.8);
    b.update(y, 0, 0.1);
  }
  double eps = 0.2 / (1.0 + 20.0);
  EXPECT_DOUBLE_EQ(b.current_epsilon(), eps);
  for (int i = 0; i < 50; ++i) {
    Decision d = b.select(x);
    EXPECT_NEAR(d.scores[1], b.theta(1).dot(x), 1e-15);
    EXPECT_NEAR(d.probability, d.arm == 1 ? eps / 3 + 1 - eps : eps / 3, 1e-15);
    Decision e = b.select(y);
    EXPECT_NEAR(e.probability, e.arm == 2 ? eps / 3 + 1 - eps : eps / 3, 1e-15);
  }
  EXPECT_TRUE(is_contextual("linear_epsilon_greedy"));
  EXPECT_FALSE(is_contextual("epsilon_greedy"));
}

TEST(Bandits, PaperPresetIsMethodMdAndLaserPresetIsTheDefaults) {
  BanditConfig p = bandit_preset("paper", "--preset");
  EXPECT_EQ(p.algorithm, "linucb");
  EXPECT_EQ(p.alpha, 0.1);  // METHOD.md step 2
  EXPECT_EQ(p.ridge, 1.0);  // A_k starts at I
  EXPECT_EQ(p.ts_scale, 0.1);
  EXPECT_EQ(p.epsilon, 0.1);
  EXPECT_EQ(p.exp3_gamma, 0.1);
  EXPECT_EQ(to_json(bandit_preset("laser", "x")), to_json(BanditConfig()));
  // laser's defaults (the winners of a laser bandit-sim --seeds 10 sweep).
  BanditConfig d;
  EXPECT_EQ(d.algorithm, "linucb");
  EXPECT_EQ(d.alpha, 1.5);
  EXPECT_EQ(d.ridge, 1.0);
  EXPECT_EQ(d.ts_scale, 0.2);
  EXPECT_EQ(d.epsilon, 0.05);
  EXPECT_EQ(d.exp3_gamma, 0.2);
  EXPECT_THROW(bandit_preset("papr", "--preset"), Error);
  try {
    bandit_preset("papr", "--preset");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'paper'"), std::string::npos) << e.what();
  }
}
