// Best-of-n reranking with a run's bandit choosing the RM (see rerank.h). The RMs get prompt and
// candidate only; arms that need the gold answer (verifiers) are refused before anything loads.
#include "laser/loop/rerank.h"

#include <map>

#include "laser/core/error.h"
#include "laser/core/progress.h"
#include "laser/core/strings.h"
#include "laser/data/loaders.h"
#include "laser/gen/generate.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/arms.h"
#include "laser/loop/config.h"
#include "laser/loop/contexts.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/run_files.h"
#include "laser/loop/strategy.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/reward/ensemble.h"
#include "laser/reward/noisy.h"
#include "laser/reward/reward_factory.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"
#include "laser/train/trainer.h"

namespace laser::loop {

using json = nlohmann::json;

namespace {
// The name of the first RM inside `rm` (itself included) that needs the reference, or "".
std::string reference_user(reward::RewardModel& rm) {
  if (rm.kind() == "verifier") return rm.name();
  if (auto* n = dynamic_cast<reward::NoisyRM*>(&rm)) return reference_user(n->inner());
  if (auto* e = dynamic_cast<reward::EnsembleRM*>(&rm))
    for (size_t k = 0; k < e->size(); ++k)
      if (auto u = reference_user(e->member(k)); !u.empty()) return u;
  return "";
}
}  // namespace

void check_inference_rm(reward::RewardModel& rm, const std::string& where) {
  std::string u = reference_user(rm);
  if (u.empty()) return;
  std::string what = u == rm.name() ? "arm '" + rm.name() + "' is a verifier" : "arm '" + rm.name() + "' contains the verifier '" + u + "'";
  throw Error(what + ": it needs the reference answer, which an RM must not see at inference (best-of-n would become an oracle)", where,
              "rerank a run whose [[rm]] arms are all model RMs (lm-likelihood, implicit-dpo, classifier, http)");
}

std::vector<reward::RewardItem> rerank_items(const data::Example& ex, const std::vector<std::string>& candidates) {
  std::vector<reward::RewardItem> items;
  items.reserve(candidates.size());
  for (const auto& c : candidates) {
    reward::RewardItem it;
    it.prompt = ex.prompt;
    it.response = c;
    it.reference = std::nullopt;  // never the gold answer
    it.category = ex.category;
    items.push_back(std::move(it));
  }
  return items;
}

namespace {
// What reranking needs from a run: its config, the checkpoint's policy and bandit, the arms.
struct Reranker {
  Config cfg;
  RunConfig rc;
  std::string cfg_path, ck;
  Arms arms;
  std::shared_ptr<text::Tokenizer> tok;
  text::PromptEncoder pe;
  model::CausalLM policy{nullptr};
  std::unique_ptr<Strategy> strategy;
  model::Pooling pooling;
};

// The checkpoint directory (`name`, or the latest) of a run, resolved as Trainer::load_checkpoint
// resolves it (an interrupted save's ".old-<pid>" sibling counts).
std::string checkpoint_of(const RunFiles& run, const std::string& name) {
  if (name.empty()) {
    LASER_CHECK(run.has_checkpoint(), run.dir, "the run has no checkpoint", "train at least one iteration");
    return train::resolve_checkpoint(run.latest_checkpoint());
  }
  const std::string dir = io::join_path(run.checkpoints, name);
  try {
    return train::resolve_checkpoint(dir);
  } catch (const Error&) {
    throw Error("no such checkpoint", dir,
                "this run holds " + (run.has_checkpoint() ? trim(io::read_file(run.latest)) + " (latest)" : std::string("none")) +
                    "; older ones are gone where run.keep_checkpoints > 0 (laser world keeps 1)");
  }
}

Reranker load_reranker(const RerankOptions& o) {
  Reranker r;
  const RunFiles run(o.run_dir);
  r.cfg_path = run.config;
  LASER_CHECK(io::file_exists(r.cfg_path), o.run_dir, "not a run directory (no config.toml)", "pass the directory `laser train` wrote");
  r.cfg = Config::load(r.cfg_path);
  r.rc = r.cfg.typed();
  r.ck = checkpoint_of(run, o.checkpoint);
  auto state = io::read_json(io::join_path(r.ck, "trainer_state.json"));
  LASER_CHECK(state.contains("extra") && state["extra"].contains("strategy"), r.ck, "checkpoint holds no strategy state",
              "rerank needs a run trained with reward models");
  r.arms = build_arms(r.cfg.reward_models(), r.cfg_path);
  for (int k = 0; k < r.arms.size(); ++k) check_inference_rm(*r.arms.rm[k], r.cfg_path + " [[rm]] #" + std::to_string(k + 1));
  model::set_threads(static_cast<int>(r.rc.run.threads));
  std::string model_dir = o.model.empty() ? r.ck : o.model;
  r.tok = text::load_tokenizer(model_dir);
  r.pe = text::PromptEncoder::from_spec(r.rc.policy.chat_template, model_dir, r.cfg_path + " policy.chat_template", r.rc.policy.system_prompt);
  r.policy = model::load_model(model_dir, parse_device(r.rc.run.device), parse_dtype(r.rc.run.dtype));
  StrategyOptions so = r.rc.strategy;
  LASER_CHECK(so.name == "laser", r.cfg_path, "rerank needs a LASeR run, this one used strategy '" + so.name + "'", "train with strategy.name = \"laser\"");
  so.per_batch = false;  // one RM per prompt at inference
  r.strategy = make_strategy(so, r.arms.names, static_cast<int>(r.policy->config().hidden_size), static_cast<uint64_t>(r.rc.run.seed));
  r.strategy->load(state["extra"]["strategy"], r.ck);
  r.pooling = model::parse_pooling(r.rc.pooling);
  return r;
}

// Accuracy of the reranked and the first sample, per category, and the arms chosen.
struct Tally {
  std::map<std::string, double> acc, first;
  std::map<std::string, int> count;
  std::map<std::string, std::map<std::string, int>> arms;
  double tot = 0, tot_first = 0;
  json to_json(size_t n, const std::string& ck, int64_t rm_items) const {
    json out = {{"n", n}, {"accuracy", n ? tot / n : 0.0}, {"first_sample_accuracy", n ? tot_first / n : 0.0}, {"checkpoint", ck}, {"rm_items", rm_items}};
    for (auto& [c, k] : count) {
      out["per_category"][c] = {{"accuracy", acc.at(c) / k}, {"first", first.at(c) / k}, {"n", k}};
      for (auto& [a, m] : arms.at(c)) out["arm_share"][c][a] = static_cast<double>(m) / k;
    }
    return out;
  }
};

// One batch of examples [s, e): contexts, the bandit's choice per prompt, n samples, the chosen RM's best.
void rerank_batch(Reranker& r, const data::Dataset& d, size_t s, size_t e, gen::SamplingParams sp, uint64_t seed, const std::string& verifier,
                  Tally& t) {
  std::vector<std::vector<int32_t>> ids;
  for (size_t k = s; k < e; ++k) ids.push_back(r.pe.encode(*r.tok, d.examples[k].prompt));
  Eigen::MatrixXd ctx = prompt_contexts(r.policy, ids, r.pooling);  // (B,d)
  auto choice = r.strategy->choose(ctx);
  sp.seed = mix_seed(seed, s);
  auto gens = gen::generate(r.policy, *r.tok, ids, sp);
  std::vector<std::vector<size_t>> of(ids.size());
  for (size_t g = 0; g < gens.size(); ++g) of[gens[g].prompt_index].push_back(g);
  for (size_t b = 0; b < ids.size(); ++b) {
    const auto& ex = d.examples[s + b];
    std::vector<std::string> cands;
    for (size_t g : of[b]) cands.push_back(gens[g].text);
    auto scores = r.arms.rm[choice.arm[b]]->score(rerank_items(ex, cands));
    size_t best = 0;
    for (size_t k = 1; k < scores.size(); ++k)
      if (scores[k] > scores[best]) best = k;
    double a = check_answer(verifier, gens[of[b][best]].text, ex), f = check_answer(verifier, gens[of[b][0]].text, ex);
    t.acc[ex.category] += a;
    t.first[ex.category] += f;
    t.count[ex.category]++;
    t.arms[ex.category][r.arms.names[choice.arm[b]]]++;
    t.tot += a;
    t.tot_first += f;
  }
}
}  // namespace

json run_rerank(const RerankOptions& o) {
  Reranker r = load_reranker(o);
  data::LoadOptions lo;
  lo.template_spec = o.template_spec.empty() ? r.rc.data.template_spec : o.template_spec;
  if (o.format == "world" && lo.template_spec == "reasoning") lo.template_spec = "world";
  lo.limit = o.limit;
  auto d = data::load_dataset(o.format, o.path, lo);
  std::string verifier = resolve_verifier(r.rc.eval.verifier, o.format);
  LASER_CHECK(verifier != "none", "rerank", "no answer checker for format '" + o.format + "'", "use a dataset with reference answers");
  gen::SamplingParams sp;
  sp.n = o.n;
  sp.temperature = o.temperature;
  sp.max_new_tokens = o.max_new_tokens > 0 ? o.max_new_tokens : r.rc.generation.max_new_tokens;
  sp.seed = o.seed;
  sp.validate("rerank");
  sp.stop_ids = r.pe.stop_ids(*r.tok);
  r.pe.set_token_budget(text::prompt_token_budget(r.policy->config().max_position_embeddings, sp.max_new_tokens, "--max-new-tokens"));
  Tally t;
  const size_t B = 16;
  Progress bar("rerank", static_cast<long>(d.size()));
  r.policy->eval();
  for (size_t s = 0; s < d.size(); s += B) {
    size_t e = std::min(d.size(), s + B);
    rerank_batch(r, d, s, e, sp, o.seed, verifier, t);
    bar.tick(static_cast<long>(e - s));
  }
  bar.finish();
  return t.to_json(d.size(), r.ck, r.arms.total_cost().items);
}

}  // namespace laser::loop
