// The factory that builds any RewardModel from a TOML table: `name`, `kind` and the kind's keys,
// validated (unknown keys are named with the nearest valid key). Also reads RM config files and
// serve-rm's [serve] table. Not an RM itself. Follows Vowpal Wabbit's "validate where declared".
//
//   kind = "lm-likelihood"  model, tokenizer, device, dtype, batch_size, prompt_format, add_special,
//                           append_eos, chat_template (true = detect from tokenizer_config.json, false, or a template name), reduction (mean|sum), empty_score
//   kind = "implicit-dpo"   the model keys + ref_model, beta (0.1), length_normalize (false)
//   kind = "classifier"     the model keys + label (0), padding (right|left)
//   kind = "verifier"       type (gsm8k|mmlu|yesno|exact|f1|story), num_choices (4)
//   kind = "story-aspect"   aspect (name|length|ending|repeat), min_words (5), max_words (15), ngram (3)
//   kind = "http"           url, timeout_s (30), retries (3), backoff_s (0.5), batch_size (64), token, token_env
//   kind = "noisy"          inner (a table: any RM), sigma (0), flip_p (0), seed (0)
//   kind = "ensemble"       members (array of tables), weights (array, default all 1)
#pragma once
#include <toml++/toml.h>

#include <memory>
#include <string>

#include "laser/reward/reward_model.h"
#include "laser/reward/rm_server.h"

namespace laser::reward {

// `where` names the table in messages ("rm.toml [rm]").
std::unique_ptr<RewardModel> make_reward_model(const toml::table& t, const std::string& where);

// The [[rm]] table of `rms` named `name`, built (the only one when `name` is empty). `source` names
// the file in messages ("run.toml"); `name_key` is how the user names an RM ("eval.judge",
// "--judge-name"). An empty name with several tables, or a name that matches none, is an error
// naming `name_key` and listing the names (the nearest one when there is one).
std::unique_ptr<RewardModel> pick_reward_model(const toml::array& rms, const std::string& name, const std::string& source,
                                               const std::string& name_key);

// Reads a TOML file whose RM is the top-level table (it has `kind`), its [rm] table, or one of its
// [[rm]] tables (a `laser train` config): the one named `name`, or the only one when `name` is
// empty. A `name` that matches nothing is an error listing the names there.
std::unique_ptr<RewardModel> load_reward_model(const std::string& path, const std::string& name = "");

// serve-rm settings from a [serve] table (host, port, path, token, token_env, max_body_bytes,
// max_items, read_timeout_s); missing table -> defaults.
ServeOptions parse_serve_options(const toml::table* serve, const std::string& where);

// Every kind the factory knows.
std::vector<std::string> reward_kinds();

}  // namespace laser::reward
