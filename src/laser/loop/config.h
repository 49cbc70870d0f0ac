// The `laser train` configuration: a TOML file plus `--set key=value` overrides, validated against
// one binding table (config.cpp: every key with its field in RunConfig, default, doc and range),
// so unknown keys get a "did you mean", values out of range name file:line, and the resolved config
// (every default written out) goes into each run directory. typed() gives the RunConfig.
// Reward-model tables ([[rm]]) are validated by reward::make_reward_model, not here.
#pragma once
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "laser/loop/run_config.h"

namespace laser::loop {

struct ConfigKey {
  std::string key;      // dotted path, e.g. "train.lr"
  std::string type;     // "int", "float", "bool", "string", "strings"
  std::string dflt;     // default, as TOML text
  std::string doc;      // meaning, units, off value
};

// Every key `laser train` understands, with its default as TOML text (README's configuration
// reference is generated from it).
const std::vector<ConfigKey>& config_schema();

class Config {
 public:
  Config();  // all defaults
  // Reads FILE (errors name file:line:column), applies overrides ("key=value", value in TOML
  // syntax, bare words taken as strings), validates keys and types against the schema.
  static Config load(const std::string& path, const std::vector<std::string>& overrides = {});
  static Config from_string(const std::string& toml_text, const std::string& where,
                            const std::vector<std::string>& overrides = {});
  // Also rm.NAME.KEY=VALUE: sets KEY of the [[rm]] named NAME (for example rm.noisy.sigma=3).
  void set(const std::string& assignment, const std::string& where = "--set");

  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::vector<std::string> get_strings(const std::string& key) const;
  // The [[rm]] tables (reward models), in order.
  const toml::array* reward_models() const;
  const toml::table& table() const { return tbl_; }
  // Every key as its typed field (values were validated when read).
  RunConfig typed() const;
  // Resolved TOML text (all defaults written out).
  std::string to_toml() const;
  const std::string& source() const { return source_; }

 private:
  void fill_defaults();
  void set_rm_key(const std::string& key, const std::string& val, const std::string& where);
  void validate(const std::string& where) const;
  const toml::node& node(const std::string& key) const;
  toml::table tbl_;
  std::string source_;
};

// The overrides of a named preset, applied after the config file and before --set: "laser" (none:
// the defaults, the settings that won in our measurements) or "paper" (the authors' settings of
// METHOD.md: LinUCB alpha 0.1, percentile-normalized neg-loss rewards, raw contexts, ...).
std::vector<std::string> preset_overrides(const std::string& name, const std::string& where = "--preset");

// The markdown table of every key (for README and `laser train --list-keys`).
std::string config_reference_markdown();

}  // namespace laser::loop
