// make_reward_model and friends (see reward_factory.h): one validated builder per kind.
#include "laser/reward/reward_factory.h"

#include <cstdlib>

#include "laser/core/strings.h"
#include "laser/reward/classifier_rm.h"
#include "laser/reward/ensemble.h"
#include "laser/reward/http_rm.h"
#include "laser/reward/implicit_dpo.h"
#include "laser/reward/lm_likelihood.h"
#include "laser/reward/noisy.h"
#include "laser/reward/story_aspect.h"
#include "laser/reward/verifier.h"
#include "laser/text/prompt_encoder.h"

namespace laser::reward {

namespace {

// Typed access to one table with messages that name the key and its line.
class Keys {
 public:
  Keys(const toml::table& t, std::string where) : t_(t), where_(std::move(where)) {}

  std::string at(const std::string& key) const {
    std::string w = where_ + " key '" + key + "'";
    if (auto* n = t_.get(key)) {
      auto line = n->source().begin.line;
      if (line > 0) w += " (line " + std::to_string(line) + ")";
    }
    return w;
  }
  bool has(const std::string& key) const { return t_.contains(key); }
  const toml::node* node(const std::string& key) const { return t_.get(key); }

  std::string str(const std::string& key, const std::string& def, bool required = false) const {
    auto* n = t_.get(key);
    if (!n) {
      LASER_CHECK(!required, where_, "missing key '" + key + "'", "add " + key + " = \"...\"");
      return def;
    }
    auto v = n->value<std::string>();
    LASER_CHECK(v.has_value() && n->is_string(), at(key), "must be a string", "quote it: " + key + " = \"...\"");
    return *v;
  }
  double num(const std::string& key, double def) const {
    auto* n = t_.get(key);
    if (!n) return def;
    LASER_CHECK(n->is_number(), at(key), "must be a number", key + " = 0.5");
    return *n->value<double>();
  }
  int64_t integer(const std::string& key, int64_t def) const {
    auto* n = t_.get(key);
    if (!n) return def;
    LASER_CHECK(n->is_integer(), at(key), "must be an integer", key + " = 16");
    return *n->value<int64_t>();
  }
  bool boolean(const std::string& key, bool def) const {
    auto* n = t_.get(key);
    if (!n) return def;
    LASER_CHECK(n->is_boolean(), at(key), "must be true or false", key + " = true");
    return *n->value<bool>();
  }
  // Throws on the first key not in `allowed`, naming the nearest allowed one.
  void only(const std::vector<std::string>& allowed, const std::string& kind) const {
    for (auto&& [k, v] : t_) {
      std::string key(k.str());
      bool ok = false;
      for (const auto& a : allowed) ok |= a == key;
      if (ok) continue;
      std::string near = nearest(key, allowed);
      throw Error("unknown key '" + key + "' for a reward model of kind \"" + kind + "\"", at(key),
                  near.empty() ? "valid keys: " + join(allowed, ", ") : "did you mean '" + near + "'?");
    }
  }

 private:
  const toml::table& t_;
  std::string where_;
};

const std::vector<std::string> kModelKeys = {"name", "kind", "model", "tokenizer", "device", "dtype", "batch_size",
                                             "prompt_format", "chat_template", "add_special", "append_eos"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

ModelSource model_source(const Keys& k) {
  ModelSource s;
  s.model_dir = k.str("model", "", true);
  s.tokenizer_dir = k.str("tokenizer", "");
  s.device = parse_device(k.str("device", "cpu"), k.at("device"));
  s.dtype = parse_dtype(k.str("dtype", "f32"), k.at("dtype"));
  s.batch_size = static_cast<int>(k.integer("batch_size", 16));
  LASER_CHECK(s.batch_size > 0, k.at("batch_size"), "must be positive", "use 16");
  s.prompt_format = k.str("prompt_format", "{prompt}");
  s.add_special = k.boolean("add_special", true);
  s.append_eos = k.boolean("append_eos", false);
  if (auto* n = k.node("chat_template")) {
    // true = "auto" (detected from the RM's tokenizer_config.json now, so a missing template fails at load), false = none, or a name.
    std::string spec;
    if (n->is_boolean()) spec = *n->value<bool>() ? "auto" : "";
    else if (n->is_string()) spec = *n->value<std::string>();
    else throw Error("must be true, false or a template name", k.at("chat_template"), "chat_template = \"auto\"");
    auto pe = text::PromptEncoder::from_spec(spec, s.tokenizer_path(), k.at("chat_template"));
    if (pe.chat()) s.chat_template = pe.chat_template()->name();
  }
  return s;
}

// `token`, or the environment variable named by `token_env` (which then must be set).
std::string bearer_token(const Keys& k) {
  std::string env = k.str("token_env", "");
  if (env.empty()) return k.str("token", "");
  const char* v = std::getenv(env.c_str());
  LASER_CHECK(v != nullptr, k.at("token_env"), "environment variable " + env + " is not set", "export " + env + "=<token>");
  return v;
}

uint64_t seed_of(const Keys& k) {
  int64_t s = k.integer("seed", 0);
  LASER_CHECK(s >= 0, k.at("seed"), "must be >= 0", "seed = 0");
  return static_cast<uint64_t>(s);
}

}  // namespace

std::vector<std::string> reward_kinds() { return {"lm-likelihood", "implicit-dpo", "classifier", "verifier", "story-aspect", "http", "noisy", "ensemble"}; }

std::unique_ptr<RewardModel> make_reward_model(const toml::table& t, const std::string& where) {
  Keys k(t, where);
  std::string kind = k.str("kind", "", true);
  std::string name = k.str("name", kind);
  const std::string w = where;
  if (kind == "lm-likelihood") {
    k.only(with(kModelKeys, {"reduction", "empty_score"}), kind);
    LmLikelihoodRM::Options o;
    o.src = model_source(k);
    o.reduction = parse_reduction(k.str("reduction", "mean"), k.at("reduction"));
    o.empty_score = k.num("empty_score", -1000.0);
    return std::make_unique<LmLikelihoodRM>(name, o);
  }
  if (kind == "implicit-dpo") {
    k.only(with(kModelKeys, {"ref_model", "beta", "length_normalize"}), kind);
    ImplicitDpoRM::Options o;
    o.src = model_source(k);
    o.ref_model_dir = k.str("ref_model", "", true);
    o.beta = k.num("beta", 0.1);
    o.length_normalize = k.boolean("length_normalize", false);
    return std::make_unique<ImplicitDpoRM>(name, o);
  }
  if (kind == "classifier") {
    k.only(with(kModelKeys, {"label", "padding"}), kind);
    ClassifierRM::Options o;
    o.src = model_source(k);
    o.label = static_cast<int>(k.integer("label", 0));
    std::string pad = k.str("padding", "right");
    LASER_CHECK(pad == "right" || pad == "left", k.at("padding"), "unknown padding '" + pad + "'", "use \"right\" or \"left\"");
    o.left_padding = pad == "left";
    return std::make_unique<ClassifierRM>(name, o);
  }
  if (kind == "verifier") {
    k.only({"name", "kind", "type", "num_choices"}, kind);
    VerifierRM::Options o;
    o.type = parse_verifier_type(k.str("type", "", true), k.at("type"));
    o.num_choices = static_cast<int>(k.integer("num_choices", 4));
    LASER_CHECK(o.num_choices >= 2 && o.num_choices <= 10, k.at("num_choices"), "must be in 2..10", "MMLU has 4");
    return std::make_unique<VerifierRM>(name, o);
  }
  if (kind == "story-aspect") {
    k.only({"name", "kind", "aspect", "min_words", "max_words", "ngram"}, kind);
    StoryAspectRM::Options o;
    o.aspect = k.str("aspect", "", true);
    o.params.min_words = static_cast<int>(k.integer("min_words", o.params.min_words));
    o.params.max_words = static_cast<int>(k.integer("max_words", o.params.max_words));
    o.params.ngram = static_cast<int>(k.integer("ngram", o.params.ngram));
    return std::make_unique<StoryAspectRM>(name, o, w);
  }
  if (kind == "http") {
    k.only({"name", "kind", "url", "timeout_s", "retries", "backoff_s", "batch_size", "token", "token_env"}, kind);
    HttpRM::Options o;
    o.url = k.str("url", "", true);
    o.timeout_s = k.num("timeout_s", 30.0);
    o.retries = static_cast<int>(k.integer("retries", 3));
    o.backoff_s = k.num("backoff_s", 0.5);
    o.batch_size = static_cast<int>(k.integer("batch_size", 64));
    o.token = bearer_token(k);
    return std::make_unique<HttpRM>(name, o);
  }
  if (kind == "noisy") {
    k.only({"name", "kind", "inner", "sigma", "flip_p", "seed"}, kind);
    auto* inner = t.get_as<toml::table>("inner");
    LASER_CHECK(inner != nullptr, k.at("inner"), "the noise wrapper needs an [inner] table (the RM it wraps)",
                "add [<this table>.inner] with kind = ...");
    NoisyRM::Options o;
    o.sigma = k.num("sigma", 0.0);
    o.flip_p = k.num("flip_p", 0.0);
    o.seed = seed_of(k);
    return std::make_unique<NoisyRM>(name, make_reward_model(*inner, w + ".inner"), o);
  }
  if (kind == "ensemble") {
    k.only({"name", "kind", "members", "weights"}, kind);
    auto* arr = t.get_as<toml::array>("members");
    LASER_CHECK(arr != nullptr && !arr->empty(), k.at("members"), "an ensemble needs a non-empty array of member tables",
                "add [[<this table>.members]] tables");
    std::vector<std::unique_ptr<RewardModel>> members;
    for (size_t i = 0; i < arr->size(); ++i) {
      auto* mt = arr->get(i)->as_table();
      LASER_CHECK(mt != nullptr, k.at("members"), "member " + std::to_string(i) + " is not a table", "use [[...members]] tables");
      members.push_back(make_reward_model(*mt, w + ".members[" + std::to_string(i) + "]"));
    }
    std::vector<double> weights;
    if (auto* wa = t.get_as<toml::array>("weights")) {
      for (size_t i = 0; i < wa->size(); ++i) {
        auto v = wa->get(i)->value<double>();
        LASER_CHECK(v.has_value() && *v >= 0, k.at("weights"), "weight " + std::to_string(i) + " is not a non-negative number", "weights = [1.0, 1.0]");
        weights.push_back(*v);
      }
      double s = 0;
      for (double x : weights) s += x;
      LASER_CHECK(s > 0, k.at("weights"), "weights sum to 0", "give at least one positive weight");
    }
    return std::make_unique<EnsembleRM>(name, std::move(members), weights);
  }
  std::string near = nearest(kind, reward_kinds());
  throw Error("unknown reward model kind '" + kind + "'", k.at("kind"),
              near.empty() ? "use one of: " + join(reward_kinds(), ", ") : "did you mean '" + near + "'?");
}

namespace {

toml::table parse_toml_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error(std::string(e.description()), path + ":" + std::to_string(e.source().begin.line), "fix the TOML syntax");
  }
}

}  // namespace

std::unique_ptr<RewardModel> pick_reward_model(const toml::array& rms, const std::string& name, const std::string& source,
                                               const std::string& name_key) {
  std::vector<std::string> names;
  int i = 0;
  for (auto& node : rms) {
    auto* tab = node.as_table();
    std::string where = source + " [[rm]] #" + std::to_string(++i);
    LASER_CHECK(tab != nullptr, where, "is not a table", "write [[rm]] tables");
    auto rm = make_reward_model(*tab, where);
    if (rm->name() == name || (name.empty() && rms.size() == 1)) return rm;
    names.push_back(rm->name());
  }
  const std::string where = source + " " + name_key;
  if (name.empty())
    throw Error(std::to_string(names.size()) + " [[rm]] tables and none named; which one?", where, "set " + name_key + " to one of " + join(names, ", "));
  std::string near = nearest(name, names);
  throw Error("no [[rm]] named '" + name + "'", where, near.empty() ? "use one of " + join(names, ", ") : "did you mean '" + near + "'?");
}

std::unique_ptr<RewardModel> load_reward_model(const std::string& path, const std::string& name) {
  auto t = parse_toml_file(path);
  std::unique_ptr<RewardModel> rm;
  if (t.contains("kind")) {
    rm = make_reward_model(t, path);
  } else if (auto* one = t.get_as<toml::table>("rm")) {
    rm = make_reward_model(*one, path + " [rm]");
  } else if (auto* many = t.get_as<toml::array>("rm")) {
    return pick_reward_model(*many, name, path, "--judge-name");
  } else {
    throw Error("no reward model here: no top-level `kind`, [rm] table or [[rm]] tables", path, "add [rm] with kind = \"...\"");
  }
  LASER_CHECK(name.empty() || rm->name() == name, path, "the reward model here is named '" + rm->name() + "', not '" + name + "'",
              "drop the name or use '" + rm->name() + "'");
  return rm;
}

ServeOptions parse_serve_options(const toml::table* serve, const std::string& where) {
  ServeOptions o;
  if (!serve) return o;
  Keys k(*serve, where);
  k.only({"host", "port", "path", "token", "token_env", "max_body_bytes", "max_items", "max_chars", "read_timeout_s", "workers"}, "serve");
  o.host = k.str("host", o.host);
  o.port = static_cast<int>(k.integer("port", o.port));
  LASER_CHECK(o.port >= 0 && o.port < 65536, k.at("port"), "must be in 0..65535", "0 picks a free port");
  o.path = k.str("path", o.path);
  LASER_CHECK(starts_with(o.path, "/"), k.at("path"), "must start with /", "path = \"/get_reward\"");
  o.token = bearer_token(k);
  int64_t mb = k.integer("max_body_bytes", static_cast<int64_t>(o.max_body_bytes));
  LASER_CHECK(mb > 0, k.at("max_body_bytes"), "must be positive", "8388608 (8 MiB)");
  o.max_body_bytes = static_cast<size_t>(mb);
  int64_t mi = k.integer("max_items", static_cast<int64_t>(o.max_items));
  LASER_CHECK(mi > 0, k.at("max_items"), "must be positive", "4096");
  o.max_items = static_cast<size_t>(mi);
  int64_t mc = k.integer("max_chars", static_cast<int64_t>(o.max_chars));
  LASER_CHECK(mc > 0, k.at("max_chars"), "must be positive", "262144 (characters of query text per request)");
  o.max_chars = static_cast<size_t>(mc);
  o.read_timeout_s = k.num("read_timeout_s", o.read_timeout_s);
  LASER_CHECK(o.read_timeout_s > 0, k.at("read_timeout_s"), "must be positive", "30 (seconds)");
  int64_t w = k.integer("workers", o.workers);
  LASER_CHECK(w >= 1 && w <= 256, k.at("workers"), "must be in 1..256", "4");
  o.workers = static_cast<int>(w);
  return o;
}

}  // namespace laser::reward
