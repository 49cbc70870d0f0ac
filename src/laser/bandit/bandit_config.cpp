// Validation and JSON/text conversion of BanditConfig. Not the factory (factory.cpp).
#include "laser/bandit/bandit_config.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "laser/core/error.h"
#include "laser/core/strings.h"

namespace laser::bandit {

std::vector<std::string> bandit_names() {
  return {"linucb", "linear_ts", "linear_epsilon_greedy", "epsilon_greedy", "ucb1", "exp3", "softmax", "round_robin", "uniform", "fixed"};
}

std::vector<std::string> preset_names() { return {"laser", "paper"}; }

BanditConfig bandit_preset(const std::string& name, const std::string& where) {
  auto names = preset_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string near = nearest(name, names);
    throw Error("unknown preset '" + name + "'", where, (near.empty() ? "" : "did you mean '" + near + "'? ") + "choose one of " + join(names, ", "));
  }
  BanditConfig c;
  if (name == "paper") {
    c.algorithm = "linucb";
    c.alpha = 0.1;
    c.ridge = 1.0;
    c.epsilon = 0.1;
    c.epsilon_decay = 0.0;
    c.exp3_gamma = 0.1;
    c.temperature = 0.1;
    c.ts_scale = 0.1;
  }
  return c;
}

namespace {
const std::vector<std::string>& option_keys() {
  static const std::vector<std::string> k = {"algorithm", "alpha", "ridge", "epsilon", "epsilon_decay", "exp3_gamma",
                                             "temperature", "ts_scale", "fixed_arm", "seed"};
  return k;
}

std::string key_where(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

void check_finite(double v, const std::string& where, const std::string& key) {
  LASER_CHECK(std::isfinite(v), key_where(where, key), "value is not a finite number", "give a finite number");
}
}  // namespace

void BanditConfig::validate(const std::string& where) const {
  auto names = bandit_names();
  bool known = false;
  for (auto& n : names) known = known || n == algorithm;
  if (!known) {
    std::string near = nearest(algorithm, names);
    throw Error("unknown bandit algorithm '" + algorithm + "'", key_where(where, "algorithm"),
                (near.empty() ? "" : "did you mean '" + near + "'? ") + "choose one of " + join(names, ", "));
  }
  check_finite(alpha, where, "alpha");
  LASER_CHECK(alpha >= 0, key_where(where, "alpha"), "alpha must be >= 0, got " + std::to_string(alpha),
              "alpha is the LinUCB exploration width; 0 = greedy, default 1, the paper uses 0.1");
  check_finite(ridge, where, "ridge");
  LASER_CHECK(ridge > 0, key_where(where, "ridge"), "ridge must be > 0, got " + std::to_string(ridge),
              "ridge lambda sets A = lambda*I at the start; the paper uses 1");
  check_finite(epsilon, where, "epsilon");
  LASER_CHECK(epsilon >= 0 && epsilon <= 1, key_where(where, "epsilon"),
              "epsilon must be in [0, 1], got " + std::to_string(epsilon), "epsilon is a probability of exploring");
  check_finite(epsilon_decay, where, "epsilon_decay");
  LASER_CHECK(epsilon_decay >= 0, key_where(where, "epsilon_decay"),
              "epsilon_decay must be >= 0, got " + std::to_string(epsilon_decay), "0 keeps epsilon fixed");
  check_finite(exp3_gamma, where, "exp3_gamma");
  LASER_CHECK(exp3_gamma > 0 && exp3_gamma <= 1, key_where(where, "exp3_gamma"),
              "exp3_gamma must be in (0, 1], got " + std::to_string(exp3_gamma), "typical values are 0.05..0.2");
  check_finite(temperature, where, "temperature");
  LASER_CHECK(temperature > 0, key_where(where, "temperature"),
              "temperature must be > 0, got " + std::to_string(temperature), "smaller = greedier, e.g. 0.1");
  check_finite(ts_scale, where, "ts_scale");
  LASER_CHECK(ts_scale > 0, key_where(where, "ts_scale"), "ts_scale must be > 0, got " + std::to_string(ts_scale),
              "ts_scale is the posterior scale v of linear Thompson sampling, e.g. 0.2");
  LASER_CHECK(fixed_arm >= 0, key_where(where, "fixed_arm"), "fixed_arm must be >= 0, got " + std::to_string(fixed_arm),
              "arms are numbered from 0");
}

nlohmann::json to_json(const BanditConfig& c) {
  return {{"algorithm", c.algorithm},     {"alpha", c.alpha},
          {"ridge", c.ridge},             {"epsilon", c.epsilon},
          {"epsilon_decay", c.epsilon_decay}, {"exp3_gamma", c.exp3_gamma},
          {"temperature", c.temperature}, {"ts_scale", c.ts_scale},
          {"fixed_arm", c.fixed_arm},     {"seed", c.seed}};
}

BanditConfig bandit_config_from_json(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.is_object(), where, "bandit config is not a JSON object", "write {\"algorithm\": \"linucb\", ...}");
  BanditConfig c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    std::string w = key_where(where, k);
    try {
      if (k == "algorithm") c.algorithm = v.get<std::string>();
      else if (k == "alpha") c.alpha = v.get<double>();
      else if (k == "ridge") c.ridge = v.get<double>();
      else if (k == "epsilon") c.epsilon = v.get<double>();
      else if (k == "epsilon_decay") c.epsilon_decay = v.get<double>();
      else if (k == "exp3_gamma") c.exp3_gamma = v.get<double>();
      else if (k == "temperature") c.temperature = v.get<double>();
      else if (k == "ts_scale") c.ts_scale = v.get<double>();
      else if (k == "fixed_arm") c.fixed_arm = v.get<int>();
      else if (k == "seed") c.seed = v.get<uint64_t>();
      else {
        std::string near = nearest(k, option_keys());
        throw Error("unknown bandit option '" + k + "'", w,
                    (near.empty() ? "" : "did you mean '" + near + "'? ") + "options: " + join(option_keys(), ", "));
      }
    } catch (const nlohmann::json::exception&) {
      throw Error("wrong type for bandit option '" + k + "'", w, "algorithm is a string, fixed_arm/seed integers, the rest numbers");
    }
  }
  return c;
}

void set_bandit_option(BanditConfig& c, const std::string& key, const std::string& value, const std::string& where) {
  nlohmann::json j = nlohmann::json::object();
  if (key == "algorithm") {
    j[key] = value;
  } else {
    std::istringstream is(value);
    if (key == "fixed_arm" || key == "seed") {
      long long x;
      is >> x;
      LASER_CHECK(!is.fail() && is.eof() && (key != "seed" || x >= 0), key_where(where, key),
                  "'" + value + "' is not a valid integer", "give a whole number");
      if (key == "seed") j[key] = static_cast<uint64_t>(x);
      else j[key] = static_cast<int>(x);
    } else {
      double x;
      is >> x;
      LASER_CHECK(!is.fail() && is.eof(), key_where(where, key), "'" + value + "' is not a number", "give a number, e.g. 0.1");
      j[key] = x;
    }
  }
  nlohmann::json merged = to_json(c);
  auto one = bandit_config_from_json(j, where);  // checks the key
  (void)one;
  merged[key] = j[key];
  c = bandit_config_from_json(merged, where);
}

}  // namespace laser::bandit
