// The built-in world's models and run config (see world_setup.h).
#include "laser/loop/world_setup.h"

#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/progress.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"
#include "laser/data/world.h"
#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/text/byte_tokenizer.h"
#include "laser/train/trainer.h"

namespace laser::loop {

using json = nlohmann::json;

namespace {

struct SftRow {
  std::string prompt, response;
};

// Trains a fresh model of `preset` on rows with full fine-tuning; writes an HF dir with the byte tokenizer.
void build_model(const std::string& dir, const std::string& label, const std::vector<SftRow>& rows, const WorldSetupOptions& o,
                 int steps, uint64_t seed, const json& stamp) {
  std::string stamp_path = io::join_path(dir, "laser_world_stamp.json");
  if (io::file_exists(stamp_path) && io::read_file(stamp_path) == stamp.dump() + "\n") return;
  LASER_CHECK(!rows.empty(), label, "no training rows", "check world skills");
  text::ByteTokenizer tok;
  auto cfg = model::preset_config(o.preset, tok.vocab_size());
  cfg.bos_token_id = text::ByteTokenizer::kBos;
  cfg.eos_token_id = text::ByteTokenizer::kEos;
  cfg.pad_token_id = text::ByteTokenizer::kPad;
  model::CausalLM m(cfg);
  model::init_weights(m, seed);
  train::TrainerConfig tc;
  tc.lora = false;
  tc.lr = 2e-3;
  tc.schedule = "cosine";
  tc.warmup_steps = std::max(1, steps / 20);
  tc.total_steps = steps;
  tc.weight_decay = 0.0;
  tc.micro_batch = 0;
  tc.seed = seed;
  tc.loss.dpo_weight = 0;
  train::Trainer tr(m, tc);
  Rng rng(seed);
  const size_t batch = 32;
  Progress bar("building " + label, steps, !o.quiet);
  double last = NAN;
  for (int s = 0; s < steps; ++s) {
    std::vector<std::vector<int32_t>> ps, rs;
    for (size_t i = 0; i < batch; ++i) {
      const auto& r = rows[rng.below(rows.size())];
      ps.push_back(tok.encode(r.prompt, true));
      auto ids = tok.encode(r.response, false);
      ids.push_back(text::ByteTokenizer::kEos);
      rs.push_back(ids);
    }
    auto res = tr.sft_step(ps, rs);
    last = res.loss;
    bar.tick(1, fmt::format("nll {:.3f}", last));
  }
  bar.finish();
  auto pm = tr.policy();
  io::write_dir_atomic(dir, [&](const std::string& tmp) {
    model::save_model(pm, tmp);
    text::ByteTokenizer::save(tmp);
    io::write_file_atomic(io::join_path(tmp, "laser_world_stamp.json"), stamp.dump() + "\n");
  });
  log::info("built {} in {} (final nll {:.3f})", label, dir, last);
}

std::string world_root(const WorldSetupOptions& o) {
  std::string key = fmt::format("{}-{}-{}-n{}-s{}-{}", o.fair ? "fair-v5" : "v1", join(o.skills, "+"), o.max_operand, o.size, o.seed, o.preset);
  // A fair world whose specialists know a little of the other skills is a world of its own.
  if (o.fair && o.specialist_other_accuracy != 0.5) key += fmt::format("-off{}", o.specialist_other_accuracy);
  return io::join_path(o.cache_dir, key);
}

}  // namespace

std::string world_run_config(const WorldSetupOptions& o) {
  const std::string root = world_root(o);
  std::string cfg;
  if (o.fair) {
    cfg += "# The fair built-in world (written by `laser world --world fair`): test facts disjoint from training\n";
    cfg += "# facts; a policy whose error is a per-skill choice of the wrong operation; one specialist RM per\n";
    cfg += o.specialist_other_accuracy == 0.5
               ? "# skill, at chance (not inverted) elsewhere; a generalist right on 60% of facts, a length-biased RM\n"
               : fmt::format("# skill, right on {:g}% of the other skills' facts; a generalist right on 60% of facts, a length-biased RM\n",
                             100 * o.specialist_other_accuracy);
    cfg += "# and a noisy RM. Every key not set here has its default (laser train --list-keys).\n";
  } else {
    cfg += "# The built-in world (written by `laser world`): a weak policy, one specialist RM per skill,\n";
    cfg += "# a weak generalist and a noisy RM. Every key not set here has its default (laser train --list-keys).\n";
  }
  cfg += "[run]\nname = \"world\"\nout_dir = \"runs\"\nseed = " + std::to_string(o.seed) + "\niterations = 3\nearly_stop_loss = 0.0\nkeep_checkpoints = 1\n\n";
  cfg += "[policy]\nmodel = \"" + io::join_path(root, "policy") + "\"\n\n";
  cfg += "[data]\nformat = \"world\"\nworld_skills = [";
  for (size_t k = 0; k < o.skills.size(); ++k) cfg += (k ? ", \"" : "\"") + o.skills[k] + "\"";
  cfg += "]\nworld_size = " + std::to_string(o.size) + "\nworld_max = " + std::to_string(o.max_operand) +
         (o.fair ? "\ndev_size = 24\ntest_size = 72\nbatch_size = 16\n\n"
                 // Facts repeat between train and test on purpose: this world measures learning them.
                 : "\ndev_size = 48\ntest_size = 96\nbatch_size = 16\ndedup = false\n\n");
  cfg += std::string("[generation]\nn = 8\ntemperature = 1.0\nmax_new_tokens = ") + (o.fair ? "32" : "24") + "\n\n";
  if (o.fair) {
    // laser's defaults (LinUCB alpha 1.5 on unit-norm contexts, z-scored rewards, the verifier
    // signal since the world has answers); --preset paper gives the authors'.
    cfg += "[strategy]\nname = \"laser\"\nmode = \"per-query\"\n\n";
  } else {
    // The paper's LinUCB (alpha 0.1, raw contexts, neg-loss reward) collapses onto one arm here;
    // README reports those numbers. What works: unit-norm contexts, alpha 1, the verifier signal.
    // The normalizer is pinned to the one README's world table was measured with.
    cfg += "[strategy]\nname = \"laser\"\nmode = \"per-query\"\npooling = \"mean-input\"\nreward_signal = \"verifier\"\ncontext_l2 = true\n"
           "normalizer = \"percentile\"\n\n";
    cfg += "[bandit]\nalgorithm = \"linucb\"\nalpha = 1.0\n\n";
  }
  cfg += "[pairs]\nmode = \"rank1-vs-rest\"\nnum_pairs = 4\n\n";
  cfg += "[train]\nlora = false\nlr = 1e-4\nnll_weight = 1.0\nbeta = 0.1\nmicro_batch = 64\n\n";
  for (auto& skill : o.skills)
    cfg += "[[rm]]\nname = \"spec-" + skill + "\"\nkind = \"lm-likelihood\"\nmodel = \"" + io::join_path(root, "rm-" + skill) +
           "\"\nreduction = \"mean\"\nappend_eos = true\n\n";
  const std::string gdir = io::join_path(root, "rm-generalist");
  cfg += "[[rm]]\nname = \"generalist\"\nkind = \"lm-likelihood\"\nmodel = \"" + gdir + "\"\nreduction = \"mean\"\nappend_eos = true\n\n";
  if (o.fair)  // the generalist's total log-likelihood: it prefers short answers
    cfg += "[[rm]]\nname = \"short\"\nkind = \"lm-likelihood\"\nmodel = \"" + gdir + "\"\nreduction = \"sum\"\nappend_eos = true\n\n";
  cfg += "[[rm]]\nname = \"noisy\"\nkind = \"noisy\"\nsigma = " + fmt::format("{}", o.noise_sigma) + "\nseed = " + std::to_string(o.seed) +
         "\n[rm.inner]\nname = \"noisy-inner\"\nkind = \"lm-likelihood\"\nmodel = \"" + gdir + "\"\nreduction = \"mean\"\nappend_eos = true\n";
  return cfg;
}

// Distinct facts per skill (the world repeats facts when its space is small).
static std::map<std::string, std::vector<const data::Example*>> distinct_facts(const data::Dataset& world) {
  std::map<std::string, std::vector<const data::Example*>> facts;
  std::set<std::string> seen;
  for (auto& e : world.examples)
    if (seen.insert(e.prompt).second) facts[e.category].push_back(&e);
  return facts;
}

// Policy warm start: for a share warm_accuracy of each skill's facts the correct answer is the
// most likely one (2 correct : 1 wrong); for the rest a fixed wrong answer is (2 wrong : 1 correct).
// Greedy accuracy is then about warm_accuracy, and sampling still finds correct answers.
// The generalist RM's rows see every skill, right 60% of the time.
static void warm_start_rows(const std::map<std::string, std::vector<const data::Example*>>& facts, const WorldSetupOptions& o,
                     std::vector<SftRow>& policy_rows, std::vector<SftRow>& generalist_rows) {
  Rng rng(mix_seed(o.seed, 11));
  for (auto& [skill, fs] : facts) {
    size_t n_right = static_cast<size_t>(o.warm_accuracy * fs.size() + 0.5);
    auto perm = std::vector<size_t>(fs.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng.below(i)]);
    for (size_t r = 0; r < perm.size(); ++r) {
      const auto& e = *fs[perm[r]];
      std::string good = data::correct_response(e), bad = data::wrong_response(e, rng);
      bool right = r < n_right;
      policy_rows.push_back({e.prompt, right ? good : bad});
      policy_rows.push_back({e.prompt, right ? good : bad});
      policy_rows.push_back({e.prompt, right ? bad : good});
      generalist_rows.push_back({e.prompt, rng.uniform() < 0.6 ? good : data::wrong_response(e, rng)});
    }
  }
}

// The fair world's operations per skill: the right one, and the policy's error (subtraction for
// add and mul, so neither skill's error is the other's right answer; min for cmp).
static std::string right_operation(const std::string& skill) {
  return skill == "add" ? "+" : skill == "mul" ? "*" : skill == "cmp" ? "max" : "-";
}
static std::string wrong_operation(const std::string& skill) { return skill == "cmp" ? "min" : skill == "sub" ? "+" : "-"; }

// Fair world, policy warm start ("pretraining knowledge" of every fact, test facts included, as a
// pretrained LM knows arithmetic it is never fine-tuned on). Responses are worked
// ("3+4=7\nFinal answer: 7"). Every fact gets three rows: the right operation and the skill's wrong
// one ("3-4=-1\nFinal answer: -1"), the right one warm_correct[skill] times of three. The policy thus
// computes both operations and holds one operation choice per skill, the token after the first
// operand: a skill with 2 of 3 is right under greedy decoding, one with 1 of 3 is wrong. That
// choice is shared by the skill's facts, so preferences on training facts move it on test facts.
static void fair_warm_start_rows(const std::map<std::string, std::vector<const data::Example*>>& facts, const WorldSetupOptions& o,
                            std::vector<SftRow>& policy_rows) {
  for (auto& [skill, fs] : facts) {
    auto it = o.warm_correct.find(skill);
    const int correct = it == o.warm_correct.end() ? 1 : it->second;
    for (auto* e : fs) {
      std::string good = data::operation_response(*e, right_operation(skill)), bad = data::operation_response(*e, wrong_operation(skill));
      for (int r = 0; r < 3; ++r) policy_rows.push_back({e->prompt, r < correct ? good : bad});
    }
  }
}

// Rows of an RM that is right with probability `p_right` on each fact of `skills` (one row per
// fact and `copies` draws): the right operation's response, or the policy's wrong one. p_right = 1
// is a specialist's own skill, 0.5 its chance-level (not inverted) view of the others, 0.6 the
// generalist's weak knowledge.
static void rm_rows(const std::map<std::string, std::vector<const data::Example*>>& facts, const std::string& skill, double p_right,
                    int copies, Rng& rng, std::vector<SftRow>& rows) {
  auto it = facts.find(skill);
  if (it == facts.end()) return;
  for (int c = 0; c < copies; ++c)
    for (auto* e : it->second)
      rows.push_back({e->prompt, data::operation_response(*e, rng.uniform() < p_right ? right_operation(skill) : wrong_operation(skill))});
}

// The fair world's policy, specialists (at chance, not inverted, outside their skill), generalist;
// rm_names gets spec-<skill>..., generalist, short (the noisy RM is added by the caller).
static WorldSetup setup_fair_models(const std::map<std::string, std::vector<const data::Example*>>& facts, const WorldSetupOptions& o,
                                    const std::string& root, const json& base_stamp) {
  std::vector<SftRow> policy_rows;
  fair_warm_start_rows(facts, o, policy_rows);
  WorldSetup ws;
  ws.policy_dir = io::join_path(root, "policy");
  build_model(ws.policy_dir, "policy (warm start)", policy_rows, o, o.policy_steps, mix_seed(o.seed, 1),
              json{{"base", base_stamp}, {"steps", o.policy_steps}, {"role", "policy"}});
  std::vector<std::pair<std::string, std::string>> rms;  // name, dir
  int i = 0;
  for (auto& skill : o.skills) {
    // Its own skill always right; every other skill right with probability other_accuracy.
    Rng rng(mix_seed(o.seed, 60 + i));
    std::vector<SftRow> rows;
    for (auto& other : o.skills) rm_rows(facts, other, other == skill ? 1.0 : o.specialist_other_accuracy, other == skill ? 2 : 1, rng, rows);
    std::string dir = io::join_path(root, "rm-" + skill);
    build_model(dir, "specialist RM for " + skill, rows, o, o.specialist_steps, mix_seed(o.seed, 20 + i++),
                json{{"base", base_stamp}, {"steps", o.specialist_steps}, {"role", "spec-" + skill}});
    rms.push_back({"spec-" + skill, dir});
  }
  Rng grng(mix_seed(o.seed, 41));
  std::vector<SftRow> generalist_rows;
  for (auto& skill : o.skills) rm_rows(facts, skill, o.generalist_accuracy, 1, grng, generalist_rows);
  std::string gdir = io::join_path(root, "rm-generalist");
  // Trained as long as a specialist: weak by its data (right on generalist_accuracy of the facts),
  // not by underfitting (an underfit generalist prefers malformed samples and wrecks the policy).
  build_model(gdir, "generalist RM", generalist_rows, o, o.specialist_steps, mix_seed(o.seed, 40),
              json{{"base", base_stamp}, {"steps", o.specialist_steps}, {"role", "generalist"}});
  rms.push_back({"generalist", gdir});
  for (auto& [name, dir] : rms) ws.rm_names.push_back(name);
  ws.rm_names.push_back("short");
  return ws;
}

WorldSetup setup_world(const WorldSetupOptions& o) {
  model::set_threads(0);
  data::WorldOptions wo;
  wo.seed = o.seed;
  wo.n = o.size;
  wo.skills = o.skills;
  wo.max_operand = o.max_operand;
  auto world = data::generate_world(wo);
  std::string root = world_root(o);
  std::string key = root.substr(root.find_last_of('/') + 1);
  io::make_dirs(root);
  json base_stamp = o.fair ? json{{"version", 5}, {"key", key}, {"warm_correct", o.warm_correct},
                                  {"specialist_other_accuracy", o.specialist_other_accuracy}, {"generalist_accuracy", o.generalist_accuracy}}
                           : json{{"version", 1}, {"key", key}, {"warm_accuracy", o.warm_accuracy}};

  auto facts = distinct_facts(world);
  WorldSetup ws;
  if (o.fair) {
    ws = setup_fair_models(facts, o, root, base_stamp);
  } else {
    std::vector<SftRow> policy_rows, generalist_rows;
    warm_start_rows(facts, o, policy_rows, generalist_rows);
    ws.policy_dir = io::join_path(root, "policy");
    build_model(ws.policy_dir, "policy (warm start)", policy_rows, o, o.policy_steps, mix_seed(o.seed, 1),
                json{{"base", base_stamp}, {"steps", o.policy_steps}, {"role", "policy"}});
    std::vector<std::pair<std::string, std::string>> rms;  // name, dir
    int i = 0;
    for (auto& skill : o.skills) {
      std::vector<SftRow> rows;
      for (auto* e : facts[skill]) rows.push_back({e->prompt, data::correct_response(*e)});
      std::string dir = io::join_path(root, "rm-" + skill);
      build_model(dir, "specialist RM for " + skill, rows, o, o.specialist_steps, mix_seed(o.seed, 20 + i++),
                  json{{"base", base_stamp}, {"steps", o.specialist_steps}, {"role", "spec-" + skill}});
      rms.push_back({"spec-" + skill, dir});
    }
    std::string gdir = io::join_path(root, "rm-generalist");
    build_model(gdir, "generalist RM", generalist_rows, o, o.generalist_steps, mix_seed(o.seed, 40),
                json{{"base", base_stamp}, {"steps", o.generalist_steps}, {"role", "generalist"}});
    rms.push_back({"generalist", gdir});
    for (auto& [name, dir] : rms) ws.rm_names.push_back(name);
  }
  // The run config (the same text as world_run_config: configs/world.toml is its default).
  ws.rm_names.push_back("noisy");
  ws.config_path = io::join_path(root, "world.toml");
  io::write_file_atomic(ws.config_path, world_run_config(o));
  return ws;
}

}  // namespace laser::loop
