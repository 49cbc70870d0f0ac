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
#include "laser/loop/config.h"
#include "laser/loop/contexts.h"
#include "laser/loop/evaluator.h"
#include "laser/loop/strategy.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/reward/ensemble.h"
#include "laser/reward/noisy.h"
#include "laser/reward/reward_factory.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"

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

json run_rerank(const RerankOptions& o) {
  std::string cfg_path = io::join_path(o.run_dir, "config.toml");
  LASER_CHECK(io::file_exists(cfg_path), o.run_dir, "not a run directory (no config.toml)", "pass the directory `laser train` wrote");
  auto cfg = Config::load(cfg_path);
  std::string ck_root = io::join_path(o.run_dir, "checkpoints");
  std::string name = o.checkpoint;
  if (name.empty()) {
    LASER_CHECK(io::file_exists(io::join_path(ck_root, "latest")), o.run_dir, "the run has no checkpoint", "train at least one iteration");
    name = trim(io::read_file(io::join_path(ck_root, "latest")));
  }
  std::string ck = io::join_path(ck_root, name);
  auto state = io::read_json(io::join_path(ck, "trainer_state.json"));
  LASER_CHECK(state.contains("extra") && state["extra"].contains("strategy"), ck, "checkpoint holds no strategy state",
              "rerank needs a run trained with reward models");
  std::vector<std::unique_ptr<reward::RewardModel>> rms;
  std::vector<std::string> names;
  int i = 0;
  for (auto& node : *cfg.reward_models()) {
    std::string where = cfg_path + " [[rm]] #" + std::to_string(++i);
    rms.push_back(reward::make_reward_model(*node.as_table(), where));
    check_inference_rm(*rms.back(), where);
    names.push_back(rms.back()->name());
  }
  model::set_threads(static_cast<int>(cfg.get_int("run.threads")));
  std::string model_dir = o.model.empty() ? ck : o.model;
  auto tok = text::load_tokenizer(model_dir);
  auto pe = text::PromptEncoder::from_spec(cfg.get_string("policy.chat_template"), model_dir, cfg_path + " policy.chat_template",
                                           cfg.get_string("policy.system_prompt"));
  auto policy = model::load_model(model_dir, parse_device(cfg.get_string("run.device")), parse_dtype(cfg.get_string("run.dtype")));
  StrategyOptions so;
  so.name = cfg.get_string("strategy.name");
  LASER_CHECK(so.name == "laser", cfg_path, "rerank needs a LASeR run, this one used strategy '" + so.name + "'", "train with strategy.name = \"laser\"");
  so.per_batch = false;  // one RM per prompt at inference
  so.normalizer = cfg.get_string("strategy.normalizer");
  so.context_dim = static_cast<int>(cfg.get_int("strategy.context_dim"));
  so.context_l2 = cfg.get_bool("strategy.context_l2");
  so.bandit.algorithm = cfg.get_string("bandit.algorithm");
  so.bandit.alpha = cfg.get_float("bandit.alpha");
  so.bandit.ridge = cfg.get_float("bandit.ridge");
  auto strategy = make_strategy(so, names, static_cast<int>(policy->config().hidden_size), static_cast<uint64_t>(cfg.get_int("run.seed")));
  strategy->load(state["extra"]["strategy"], ck);
  auto pooling = model::parse_pooling(cfg.get_string("strategy.pooling"));

  data::LoadOptions lo;
  lo.template_spec = o.template_spec.empty() ? cfg.get_string("data.template") : o.template_spec;
  if (o.format == "world" && lo.template_spec == "reasoning") lo.template_spec = "world";
  lo.limit = o.limit;
  auto d = data::load_dataset(o.format, o.path, lo);
  std::string verifier = resolve_verifier(cfg.get_string("eval.verifier"), o.format);
  LASER_CHECK(verifier != "none", "rerank", "no answer checker for format '" + o.format + "'", "use a dataset with reference answers");
  gen::SamplingParams sp;
  sp.n = o.n;
  sp.temperature = o.temperature;
  sp.max_new_tokens = o.max_new_tokens > 0 ? o.max_new_tokens : static_cast<int>(cfg.get_int("generation.max_new_tokens"));
  sp.seed = o.seed;
  sp.validate("rerank");
  sp.stop_ids = pe.stop_ids(*tok);

  std::map<std::string, double> acc, first;
  std::map<std::string, int> count;
  std::map<std::string, std::map<std::string, int>> arms;
  double tot = 0, tot_first = 0;
  const size_t B = 16;
  Progress bar("rerank", static_cast<long>(d.size()));
  policy->eval();
  for (size_t s = 0; s < d.size(); s += B) {
    size_t e = std::min(d.size(), s + B);
    std::vector<std::vector<int32_t>> ids;
    for (size_t k = s; k < e; ++k) ids.push_back(pe.encode(*tok, d.examples[k].prompt));
    const int64_t nb = static_cast<int64_t>(ids.size());
    Eigen::MatrixXd ctx = prompt_contexts(policy, ids, pooling);
    auto choice = strategy->choose(ctx);
    sp.seed = mix_seed(o.seed, s);
    auto gens = gen::generate(policy, *tok, ids, sp);
    std::vector<std::vector<size_t>> of(nb);
    for (size_t g = 0; g < gens.size(); ++g) of[gens[g].prompt_index].push_back(g);
    for (int64_t b = 0; b < nb; ++b) {
      const auto& ex = d.examples[s + static_cast<size_t>(b)];
      std::vector<std::string> cands;
      for (size_t g : of[b]) cands.push_back(gens[g].text);
      auto scores = rms[choice.arm[b]]->score(rerank_items(ex, cands));
      size_t best = 0;
      for (size_t k = 1; k < scores.size(); ++k)
        if (scores[k] > scores[best]) best = k;
      double a = check_answer(verifier, gens[of[b][best]].text, ex), f = check_answer(verifier, gens[of[b][0]].text, ex);
      acc[ex.category] += a;
      first[ex.category] += f;
      count[ex.category]++;
      arms[ex.category][names[choice.arm[b]]]++;
      tot += a;
      tot_first += f;
    }
    bar.tick(nb);
  }
  bar.finish();
  json out = {{"n", d.size()}, {"accuracy", d.empty() ? 0.0 : tot / d.size()}, {"first_sample_accuracy", d.empty() ? 0.0 : tot_first / d.size()},
              {"checkpoint", ck}};
  int64_t items = 0;
  for (auto& r : rms) items += r->cost().items;
  out["rm_items"] = items;
  for (auto& [c, n] : count) {
    out["per_category"][c] = {{"accuracy", acc[c] / n}, {"first", first[c] / n}, {"n", n}};
    for (auto& [a, k] : arms[c]) out["arm_share"][c][a] = static_cast<double>(k) / n;
  }
  return out;
}

}  // namespace laser::loop
