// report.html (plots and tables from a run directory's files) and the plain-text summary table.
// Reads only what the run wrote; a missing file reads as empty.
#include "laser/loop/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/phase_times.h"
#include "laser/loop/svg_plot.h"

namespace laser::loop {

using io::json;

namespace {
std::vector<json> read_if(const std::string& p) { return io::file_exists(p) ? io::read_jsonl(p) : std::vector<json>{}; }
double json_num(const json& j, const char* k, double d = NAN) {
  auto it = j.find(k);
  return it != j.end() && it->is_number() ? it->get<double>() : d;
}
std::string fmt(double v, int prec = 3) {
  std::ostringstream os;
  os.precision(prec);
  os << std::fixed << v;
  return os.str();
}
// What a run directory holds (missing files read as empty), and its arms: the summary's, then any
// other name the decisions used (ensembles), in name order.
struct RunRecord {
  std::vector<json> metrics, decisions, evals;
  json summary = json::object();
  std::vector<std::string> arms;
};

RunRecord read_run(const std::string& run_dir) {
  RunRecord r;
  r.metrics = read_if(io::join_path(run_dir, "metrics.jsonl"));
  r.decisions = read_if(io::join_path(run_dir, "decisions.jsonl"));
  r.evals = read_if(io::join_path(run_dir, "eval.jsonl"));
  if (io::file_exists(io::join_path(run_dir, "summary.json"))) r.summary = io::read_json(io::join_path(run_dir, "summary.json"));
  if (r.summary.contains("arms"))
    for (auto& a : r.summary["arms"]) r.arms.push_back(a.get<std::string>());
  std::set<std::string> seen_arms;
  for (auto& d : r.decisions) seen_arms.insert(d.value("arm_name", ""));
  for (auto& a : seen_arms)
    if (std::find(r.arms.begin(), r.arms.end(), a) == r.arms.end()) r.arms.push_back(a);
  return r;
}

// The page's head and title line.
void write_head(std::ostringstream& h, const RunRecord& run, const std::string& run_dir) {
  const json& summary = run.summary;
  h << "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>laser run " << html_escape(summary.value("run", run_dir))
    << "</title>\n<style>body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
       "th{background:#f4f4f4}.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}"
       ".plots svg{height:auto}</style></head><body>\n";
  h << "<h1>laser run: " << html_escape(summary.value("run", run_dir)) << "</h1>\n";
  h << "<p>strategy <b>" << html_escape(summary.value("strategy", "?")) << "</b>, " << run.metrics.size() << " steps, "
    << run.decisions.size() << " bandit decisions, wall time " << fmt(json_num(summary, "wall_seconds", 0), 1) << " s.</p>\n";
}

// The summary tables: test result per category, RM cost per arm.
void write_summary_tables(std::ostringstream& h, const json& summary, const std::string& metric) {
  // Summary table.
  if (summary.contains("test")) {
    const json& t = summary["test"];
    h << "<h2>Test " << metric << "</h2><table><tr><th>overall</th>";
    std::vector<std::string> cats;
    if (t.contains("per_category"))
      for (auto it = t["per_category"].begin(); it != t["per_category"].end(); ++it) cats.push_back(it.key());
    for (auto& c : cats) h << "<th>" << html_escape(c) << "</th>";
    h << "<th>n</th></tr><tr><td>" << fmt(100 * json_num(t, "accuracy", 0), 2) << "%</td>";
    for (auto& c : cats) h << "<td>" << fmt(100 * t["per_category"][c].get<double>(), 2) << "%</td>";
    h << "<td>" << t.value("n", 0) << "</td></tr></table>\n";
  }
  if (summary.contains("rm_cost")) {
    h << "<h2>Reward-model cost</h2><table><tr><th>RM</th><th>calls</th><th>items</th><th>tokens</th><th>seconds</th></tr>";
    for (auto it = summary["rm_cost"].begin(); it != summary["rm_cost"].end(); ++it)
      h << "<tr><td>" << html_escape(it.key()) << "</td><td>" << it->value("calls", 0) << "</td><td>" << it->value("items", 0) << "</td><td>"
        << it->value("tokens", 0) << "</td><td>" << fmt(json_num(*it, "seconds", 0), 2) << "</td></tr>";
    h << "</table>\n";
  }
}

// Arm share per step, and per category (whole run and last iteration).
void write_arm_plots(std::ostringstream& h, const RunRecord& run) {
  const auto& decisions = run.decisions;
  const auto& arms = run.arms;
  // 1. Arm share over time (per step).
  {
    std::map<long, std::map<std::string, int>> per_step;
    for (auto& d : decisions) per_step[d.value("step", 0L)][d.value("arm_name", "")]++;
    std::vector<Series> ss;
    for (auto& a : arms) {
      Series s{a, {}};
      for (auto& [step, m] : per_step) {
        int tot = 0;
        for (auto& kv : m) tot += kv.second;
        s.points.push_back({static_cast<double>(step), tot ? static_cast<double>(m[a]) / tot : 0.0});
      }
      ss.push_back(s);
    }
    h << svg_line_chart("Arm share over time", "step", "share of decisions", ss, true);
  }
  // 2. Arm share per category (all decisions and the last iteration).
  {
    long last_iter = 0;
    for (auto& d : decisions) last_iter = std::max(last_iter, d.value("iteration", 0L));
    for (int pass = 0; pass < 2; ++pass) {
      std::map<std::string, std::map<std::string, int>> per_cat;
      for (auto& d : decisions)
        if (pass == 0 || d.value("iteration", 0L) == last_iter) per_cat[d.value("category", "")][d.value("arm_name", "")]++;
      h << svg_share_chart(pass == 0 ? "Arm share per category (whole run)" : "Arm share per category (last iteration)", per_cat, arms);
    }
  }
}

// Bandit reward and training loss per step, dev evaluation per iteration, RM cost per arm.
void write_training_plots(std::ostringstream& h, const RunRecord& run, const std::string& metric, bool win) {
  const auto& metrics = run.metrics;
  const auto& evals = run.evals;
  const json& summary = run.summary;
  // 3. Bandit reward, 4. loss.
  {
    Series rn{"normalized reward", {}}, rr{"raw reward", {}};
    Series loss{"loss", {}}, dpo{"dpo", {}}, nll{"nll", {}};
    for (auto& m : metrics) {
      double s = json_num(m, "step");
      rn.points.push_back({s, json_num(m, "bandit_reward")});
      rr.points.push_back({s, json_num(m, "bandit_raw_reward")});
      loss.points.push_back({s, json_num(m, "loss")});
      dpo.points.push_back({s, json_num(m, "dpo")});
      nll.points.push_back({s, json_num(m, "nll")});
    }
    h << svg_line_chart("Bandit reward", "step", "reward", {rn, rr}, true);
    h << svg_line_chart("Training loss", "step", "loss", {loss, dpo, nll}, true);
  }
  // 5. Accuracy (or win rate) per iteration (dev).
  {
    std::map<std::string, Series> per;
    Series overall{"overall", {}};
    for (auto& e : evals) {
      if (e.value("split", "") != "dev") continue;
      double it = json_num(e, "iteration");
      overall.points.push_back({it, json_num(e, "accuracy")});
      if (e.contains("per_category"))
        for (auto c = e["per_category"].begin(); c != e["per_category"].end(); ++c) {
          per[c.key()].name = c.key();
          per[c.key()].points.push_back({it, c->get<double>()});
        }
    }
    std::vector<Series> ss{overall};
    for (auto& kv : per) ss.push_back(kv.second);
    h << svg_line_chart("Dev " + metric + " per iteration", "iteration (0 = before training)", win ? "win rate" : "accuracy", ss, true);
  }
  // 6. RM cost per arm.
  if (summary.contains("rm_cost")) {
    std::vector<std::string> names;
    BarGroup calls{"calls", {}}, secs{"seconds", {}};
    for (auto it = summary["rm_cost"].begin(); it != summary["rm_cost"].end(); ++it) {
      names.push_back(it.key());
      calls.values.push_back(json_num(*it, "calls", 0));
      secs.values.push_back(json_num(*it, "seconds", 0));
    }
    h << svg_bar_chart("RM calls per arm", names, {calls}, "calls", true);
    h << svg_bar_chart("RM seconds per arm", names, {secs}, "seconds");
  }
}

// Where the run's time went: a table of seconds and shares per phase, and the phases of each step
// stacked (eval runs between steps, so it is only in the table).
void write_time(std::ostringstream& h, const RunRecord& run) {
  json ps = phase_seconds(run.metrics, run.evals);
  double total = json_num(ps, "total", 0);
  h << "<h2>Time per phase</h2><table><tr><th>phase</th><th>seconds</th><th>share</th></tr>";
  for (auto& p : phase_names())
    h << "<tr><td>" << p << "</td><td>" << fmt(json_num(ps, p.c_str(), 0), 2) << "</td><td>"
      << (total > 0 ? fmt(100 * json_num(ps, p.c_str(), 0) / total, 1) + "%" : std::string("-")) << "</td></tr>";
  h << "<tr><td>total</td><td>" << fmt(total, 2) << "</td><td></td></tr></table>\n";
}

void write_time_plot(std::ostringstream& h, const RunRecord& run) {
  const auto& names = phase_names();
  std::vector<double> xs;
  std::vector<BarGroup> layers;
  for (size_t i = 0; i + 1 < names.size(); ++i) layers.push_back({names[i], {}});  // not eval
  for (auto& m : run.metrics) {
    xs.push_back(json_num(m, "step"));
    auto v = step_phase_seconds(m);
    for (size_t i = 0; i < layers.size(); ++i) layers[i].values.push_back(v[i]);
  }
  h << svg_stacked_chart("Time per step by phase", "step", "seconds", xs, layers);
}

// One row per evaluation.
void write_eval_table(std::ostringstream& h, const std::vector<json>& evals, bool win) {
  // Eval table. The test split is scored once, after training (its line says iteration -1).
  if (!evals.empty()) {
    h << "<h2>Evaluations</h2><table><tr><th>iteration</th><th>split</th><th>" << (win ? "win rate" : "accuracy") << "</th><th>n</th></tr>";
    for (auto& e : evals)
      h << "<tr><td>" << (e.value("iteration", 0) < 0 ? std::string("final") : std::to_string(e.value("iteration", 0))) << "</td><td>" << html_escape(e.value("split", "")) << "</td><td>"
        << fmt(100 * json_num(e, "accuracy", 0), 2) << "%</td><td>" << e.value("n", 0) << "</td></tr>";
    h << "</table>\n";
  }
}
}  // namespace

std::string write_report(const std::string& run_dir) {
  const RunRecord run = read_run(run_dir);
  // What the evaluations measure: accuracy (answer checker) or win rate against the starting policy.
  const bool win = run.summary.value("metric", "accuracy") == "win_rate";
  const std::string metric = win ? "win rate vs starting policy" : "accuracy";
  std::ostringstream h;
  write_head(h, run, run_dir);
  if (win) h << "<p>Evaluation: win rate of the policy's responses against the starting policy's, judged by a reward model (ties count half).</p>\n";
  write_summary_tables(h, run.summary, metric);
  h << "<h2>Plots</h2><div class='plots'>\n";
  write_arm_plots(h, run);
  write_training_plots(h, run, metric, win);
  write_time_plot(h, run);
  h << "</div>\n";
  write_eval_table(h, run.evals, win);
  write_time(h, run);
  h << "<p>Files: config.toml, metrics.jsonl, decisions.jsonl, eval.jsonl, summary.json, checkpoints/.</p>\n</body></html>\n";
  std::string path = io::join_path(run_dir, "report.html");
  io::write_file_atomic(path, h.str());
  return path;
}

std::string summary_table(const std::string& run_dir) {
  const RunRecord run = read_run(run_dir);
  const json& summary = run.summary;
  const bool win = summary.value("metric", "accuracy") == "win_rate";
  std::ostringstream os;
  auto pct = [](double v) { return std::isfinite(v) ? fmt(100 * v, 1) + "%" : std::string("-"); };
  auto pad = [](const std::string& s, size_t w, bool right = true) {
    if (s.size() >= w) return s;
    return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
  };
  // Scores: rows dev (first and last) and test; columns overall and each category.
  std::vector<std::pair<std::string, json>> rows;
  const json* first_dev = nullptr;
  const json* last_dev = nullptr;
  for (auto& e : run.evals)
    if (e.value("split", "") == "dev") {
      if (!first_dev) first_dev = &e;
      last_dev = &e;
    }
  if (first_dev) rows.push_back({"dev, iteration " + std::to_string(first_dev->value("iteration", 0)), *first_dev});
  if (last_dev && last_dev != first_dev) rows.push_back({"dev, iteration " + std::to_string(last_dev->value("iteration", 0)), *last_dev});
  if (summary.contains("test")) rows.push_back({"test", summary["test"]});
  std::set<std::string> cats;
  for (auto& [name, r] : rows)
    if (r.contains("per_category"))
      for (auto it = r["per_category"].begin(); it != r["per_category"].end(); ++it) cats.insert(it.key());
  os << pad(win ? "win rate vs start" : "accuracy", 18, false) << pad("overall", 9);
  for (auto& c : cats) os << pad(c, std::max<size_t>(8, c.size() + 1));
  os << pad("n", 6) << "\n";
  for (auto& [name, r] : rows) {
    os << pad(name, 18, false) << pad(pct(json_num(r, "accuracy")), 9);
    for (auto& c : cats) {
      double v = r.contains("per_category") && r["per_category"].contains(c) ? r["per_category"][c].get<double>() : NAN;
      os << pad(pct(v), std::max<size_t>(8, c.size() + 1));
    }
    os << pad(std::to_string(r.value("n", 0)), 6) << "\n";
  }
  // Arms: decisions over the whole run, share, cost.
  std::map<std::string, int64_t> count;
  for (auto& d : run.decisions) count[d.value("arm_name", "")]++;
  if (!run.arms.empty()) {
    size_t w = 8;
    for (auto& a : run.arms) w = std::max(w, a.size() + 2);
    os << "\n" << pad("arm", w, false) << pad("decisions", 10) << pad("share", 8) << pad("RM items", 10) << pad("RM calls", 10)
       << pad("RM seconds", 12) << "\n";
    for (auto& a : run.arms) {
      json c = summary.contains("rm_cost") && summary["rm_cost"].contains(a) ? summary["rm_cost"][a] : json::object();
      double share = run.decisions.empty() ? NAN : static_cast<double>(count[a]) / run.decisions.size();
      os << pad(a, w, false) << pad(std::to_string(count[a]), 10) << pad(pct(share), 8)
         << pad(c.contains("items") ? std::to_string(c["items"].get<int64_t>()) : "-", 10)
         << pad(c.contains("calls") ? std::to_string(c["calls"].get<int64_t>()) : "-", 10)
         << pad(c.contains("seconds") ? fmt(c["seconds"].get<double>(), 1) : "-", 12) << "\n";
    }
  }
  // Time per phase, in seconds and as a share of the total.
  json ps = phase_seconds(run.metrics, run.evals);
  double total = json_num(ps, "total", 0);
  if (total > 0) {
    os << "\ntime";
    for (auto& p : phase_names()) os << "  " << p << " " << fmt(json_num(ps, p.c_str(), 0), 1) << " s (" << fmt(100 * json_num(ps, p.c_str(), 0) / total, 0) << "%)";
    os << "\n";
  }
  return os.str();
}

json run_phase_seconds(const std::string& run_dir) {
  const RunRecord run = read_run(run_dir);
  return phase_seconds(run.metrics, run.evals);
}

}  // namespace laser::loop
