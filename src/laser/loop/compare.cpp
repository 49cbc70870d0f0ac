// `laser compare`: the same config run once per strategy, and the paper-style table (see compare.h).
#include "laser/loop/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/core/stats.h"
#include "laser/loop/compare_html.h"
#include "laser/loop/run.h"
#include "laser/loop/run_files.h"

namespace laser::loop {

using json = nlohmann::json;

static std::string slug(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
  return o;
}

namespace {
// The config of one strategy on one seed: the base, the overrides, the strategy's own overrides
// ("laser@key=value@..."), its run name and seed.
Config strategy_config(const Config& base, const std::vector<std::string>& overrides, const CompareOptions& o, const std::string& s,
                       int64_t seed) {
  Config c = base;
  for (auto& ov : overrides) c.set(ov);
  std::string name = base.get_string("run.name") + "-" + slug(s);
  if (o.seeds > 1) {
    name += "-s" + std::to_string(seed);
    c.set("run.seed=" + std::to_string(seed));
  }
  c.set("run.name=" + name);
  auto parts = split(s, '@');
  const std::string strategy = trim(parts.front());
  for (size_t i = 1; i < parts.size(); ++i) c.set(trim(parts[i]), "strategy '" + s + "'");
  if (strategy == "sft") c.set("run.iterations=0");
  else c.set("strategy.name=" + strategy);
  return c;
}

// One strategy on one seed: its summary (reused or resumed with o.resume).
json run_one(const Config& base, const std::vector<std::string>& overrides, const CompareOptions& o, const std::string& s, int64_t seed,
             std::string& rdir) {
  Config c = strategy_config(base, overrides, o, s, seed);
  rdir = run_dir_of(c);
  const RunFiles run(rdir);
  if (o.resume && io::file_exists(run.summary)) {
    log::info("compare: {} already finished, reusing {}", s, run.summary);
    return io::read_json(run.summary);
  }
  bool can_resume = o.resume && run.has_checkpoint();
  if (!o.resume && io::dir_exists(rdir)) io::remove_all(rdir);
  log::info("compare: running strategy {} (seed {}) in {}", s, seed, rdir);
  RunOptions ro;
  ro.resume = can_resume;
  return run_training(c, ro);
}

}  // namespace

// An arm matches a category when it is named "<anything>-<category>" (spec-add, spec2-add,
// aspect-name: the built-in worlds' convention).
static bool arm_matches(const std::string& arm, const std::string& category) {
  return !category.empty() && arm.size() > category.size() + 1 && ends_with(arm, "-" + category);
}

json routing_of(const std::string& rdir) {
  const std::string p = io::join_path(rdir, "decisions.jsonl");
  if (!io::file_exists(p)) return json::object();
  auto dec = io::read_jsonl(p);
  int64_t last = 0;
  for (auto& x : dec) last = std::max<int64_t>(last, x.value("iteration", int64_t{0}));
  std::set<std::string> categories, arms;
  for (auto& x : dec) {
    categories.insert(x.value("category", ""));
    arms.insert(x.value("arm_name", ""));
  }
  bool has_spec = false;
  for (auto& a : arms)
    for (auto& c : categories) has_spec = has_spec || arm_matches(a, c);
  int64_t n = 0, match = 0, noisy = 0;
  for (auto& x : dec) {
    if (x.value("arm", -1) < 0) return json::object();  // an ensemble
    if (x.value("iteration", int64_t{0}) != last) continue;
    std::string a = x.value("arm_name", "");
    ++n;
    match += arm_matches(a, x.value("category", "")) ? 1 : 0;
    noisy += a == "noisy" ? 1 : 0;
  }
  if (n == 0) return json::object();
  json r = {{"decisions", n}};
  r["match_share"] = has_spec ? json(static_cast<double>(match) / static_cast<double>(n)) : json();
  r["noisy_share"] = arms.count("noisy") ? json(static_cast<double>(noisy) / static_cast<double>(n)) : json();
  return r;
}

namespace {

json row_of(const std::string& s, const std::string& rdir, const json& summary) {
  json row = {{"strategy", s}, {"run_dir", rdir}, {"accuracy", summary["test"]["accuracy"]},
              {"per_category", summary["test"]["per_category"]}, {"n", summary["test"]["n"]},
              {"metric", summary.value("metric", "accuracy")},
              {"rm_calls", summary.value("rm_calls", 0)}, {"rm_items", summary.value("rm_items", 0)}, {"rm_seconds", summary.value("rm_seconds", 0.0)},
              {"wall_seconds", summary.value("wall_seconds", 0.0)}, {"report", io::join_path(rdir, "report.html")}};
  if (summary.contains("rm_cost")) row["rm_cost"] = summary["rm_cost"];
  if (auto r = routing_of(rdir); !r.empty()) row["routing"] = r;
  return row;
}

// A strategy's row over several seeds: means (accuracy, per category, costs), the 95% interval of
// the accuracy and of each category, and every seed's value.
json merge_seeds(const std::vector<json>& per_seed) {
  json row = per_seed.front();
  std::vector<double> acc;
  std::map<std::string, std::vector<double>> cat;
  json runs = json::array();
  for (auto& r : per_seed) {
    acc.push_back(r["accuracy"].get<double>());
    for (auto it = r["per_category"].begin(); it != r["per_category"].end(); ++it) cat[it.key()].push_back(it->get<double>());
    runs.push_back(r["run_dir"]);
  }
  auto ci = stats::t_interval(acc);
  row["accuracy"] = ci.mean;
  row["accuracy_ci"] = ci.half_width;
  row["accuracies"] = acc;
  row["runs"] = runs;
  for (auto& [k, v] : cat) {
    auto c = stats::t_interval(v);
    row["per_category"][k] = c.mean;
    row["per_category_ci"][k] = c.half_width;
  }
  for (auto key : {"match_share", "noisy_share"}) {
    std::vector<double> v;
    for (auto& r : per_seed)
      if (r.contains("routing") && r["routing"][key].is_number()) v.push_back(r["routing"][key].get<double>());
    if (v.size() != per_seed.size()) continue;
    auto c = stats::t_interval(v);
    row["routing"][key] = c.mean;
    row["routing"][std::string(key) + "_ci"] = c.half_width;
  }
  for (auto key : {"rm_calls", "rm_items", "rm_seconds", "wall_seconds"}) {
    double sum = 0;
    for (auto& r : per_seed) sum += r[key].get<double>();
    row[key] = sum / static_cast<double>(per_seed.size());
  }
  return row;
}

// LASeR minus each other strategy, paired by seed, with the 95% interval of the mean difference.
json paired_differences(const json& rows) {
  json out = json::array();
  const json* laser = nullptr;
  for (auto& r : rows)
    if (r["strategy"] == "laser") laser = &r;
  if (!laser) return out;
  auto a = (*laser)["accuracies"].get<std::vector<double>>();
  for (auto& r : rows) {
    if (&r == laser) continue;
    auto d = stats::paired_difference(a, r["accuracies"].get<std::vector<double>>());
    out.push_back({{"baseline", r["strategy"]}, {"mean", d.mean}, {"lo", d.lo()}, {"hi", d.hi()}, {"n", d.n}});
  }
  return out;
}
}  // namespace

json run_compare(const Config& base, const std::vector<std::string>& overrides, const CompareOptions& o) {
  LASER_CHECK(!o.strategies.empty(), "--strategies", "no strategies given", "for example --strategies sft,laser,random");
  LASER_CHECK(o.seeds >= 1, "--seeds", "must be at least 1", "use --seeds 5 for intervals");
  std::string name = base.get_string("run.name");
  std::string cdir = io::join_path(base.get_string("run.out_dir"), o.out_name.empty() ? name + "-compare" : o.out_name);
  io::make_dirs(cdir);
  const int64_t seed0 = base.get_int("run.seed");
  for (auto& s : o.strategies) strategy_config(base, overrides, o, s, seed0);  // a bad override fails before any run
  std::vector<std::vector<json>> per(o.strategies.size());
  for (int i = 0; i < o.seeds; ++i)
    for (size_t k = 0; k < o.strategies.size(); ++k) {
      std::string rdir;
      json summary = run_one(base, overrides, o, o.strategies[k], seed0 + i, rdir);
      per[k].push_back(row_of(o.strategies[k], rdir, summary));
    }
  json rows = json::array();
  for (auto& p : per) rows.push_back(o.seeds > 1 ? merge_seeds(p) : p.front());
  json out = {{"format_version", 1}, {"name", name}, {"rows", rows}, {"seeds", o.seeds}};
  if (o.seeds > 1) out["paired"] = paired_differences(rows);
  out["markdown"] = compare_markdown(out);
  io::write_file_atomic(io::join_path(cdir, "compare.json"), out.dump(2) + "\n");
  io::write_file_atomic(io::join_path(cdir, "compare.md"), out["markdown"].get<std::string>());
  out["html"] = write_compare_html(out, cdir);
  out["dir"] = cdir;
  return out;
}

namespace {
// "12.3" or, over seeds, "12.3 ± 4.5" (percent).
std::string pct_cell(const json& r, const std::string& key, const std::string& ci_key, const std::string& cat = "") {
  const json& v = cat.empty() ? r[key] : r[key][cat];
  char buf[64];
  bool has_ci = cat.empty() ? r.contains(ci_key) : r.contains(ci_key) && r[ci_key].contains(cat);
  if (!has_ci) {
    std::snprintf(buf, sizeof buf, "%.1f", 100 * v.get<double>());
    return buf;
  }
  const json& hw = cat.empty() ? r[ci_key] : r[ci_key][cat];
  if (hw.is_number() && std::isfinite(hw.get<double>())) std::snprintf(buf, sizeof buf, "%.1f ± %.1f", 100 * v.get<double>(), 100 * hw.get<double>());
  else std::snprintf(buf, sizeof buf, "%.1f ± n/a", 100 * v.get<double>());
  return buf;
}
}  // namespace

std::string compare_markdown(const json& c) {
  std::set<std::string> cats;
  for (auto& r : c["rows"])
    for (auto it = r["per_category"].begin(); it != r["per_category"].end(); ++it) cats.insert(it.key());
  std::ostringstream os;
  int seeds = c.value("seeds", 1);
  if (seeds > 1) os << "Mean over " << seeds << " seeds ± 95% t-interval.\n\n";
  os << "| strategy |";
  for (auto& k : cats) os << " " << k << " |";
  bool win = !c["rows"].empty() && c["rows"][0].value("metric", "accuracy") == "win_rate";
  os << (win ? " overall (win rate vs start, %)" : " overall") << " | RM items | RM calls | RM seconds | wall s |\n|---|";
  for (size_t i = 0; i < cats.size() + 5; ++i) os << "---:|";
  os << "\n";
  char buf[96];
  for (auto& r : c["rows"]) {
    os << "| " << r["strategy"].get<std::string>() << " |";
    for (auto& k : cats) os << " " << (r["per_category"].contains(k) ? pct_cell(r, "per_category", "per_category_ci", k) : "-") << " |";
    std::snprintf(buf, sizeof buf, " %lld | %lld | %.1f | %.1f |\n", static_cast<long long>(std::llround(r.value("rm_items", 0.0))),
                  static_cast<long long>(std::llround(r.value("rm_calls", 0.0))), r["rm_seconds"].get<double>(), r["wall_seconds"].get<double>());
    os << " " << pct_cell(r, "accuracy", "accuracy_ci") << " |" << buf;
  }
  bool routed = false;
  for (auto& r : c["rows"]) routed = routed || (r.contains("routing") && (r["routing"]["match_share"].is_number() || r["routing"]["noisy_share"].is_number()));
  if (routed) {
    os << "\nRouting in the last iteration (share of decisions, %): the specialist of the prompt's category, and the noisy RM:\n\n"
          "| strategy | matching specialist | noisy RM |\n|---|---:|---:|\n";
    auto cell = [&](const json& g, const std::string& k) -> std::string {
      if (!g[k].is_number()) return "-";
      std::string ck = k + "_ci";
      if (g.contains(ck) && g[ck].is_number() && std::isfinite(g[ck].get<double>()))
        std::snprintf(buf, sizeof buf, "%.1f ± %.1f", 100 * g[k].get<double>(), 100 * g[ck].get<double>());
      else
        std::snprintf(buf, sizeof buf, "%.1f", 100 * g[k].get<double>());
      return buf;
    };
    for (auto& r : c["rows"]) {
      // A fixed RM does not route: its "matching" share is only its skill's share of the prompts.
      if (!r.contains("routing") || r["strategy"].get<std::string>().rfind("fixed:", 0) == 0) continue;
      os << "| " << r["strategy"].get<std::string>() << " | " << cell(r["routing"], "match_share") << " | " << cell(r["routing"], "noisy_share") << " |\n";
    }
  }
  if (c.contains("paired") && !c["paired"].empty()) {
    os << "\nLASeR minus each baseline, paired by seed (points, 95% t-interval):\n\n| baseline | difference | interval |\n|---|---:|---:|\n";
    for (auto& d : c["paired"]) {
      std::snprintf(buf, sizeof buf, " %+.1f | [%+.1f, %+.1f] |\n", 100 * d["mean"].get<double>(), 100 * d["lo"].get<double>(), 100 * d["hi"].get<double>());
      os << "| " << d["baseline"].get<std::string>() << " |" << buf;
    }
  }
  return os.str();
}

}  // namespace laser::loop
