// compare.html (see compare_html.h).
#include "laser/loop/compare_html.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/svg_plot.h"

namespace laser::loop {

using json = nlohmann::json;

namespace {
std::string pct(double v) {
  std::ostringstream os;
  os.precision(1);
  os << std::fixed << 100 * v;
  return os.str();
}

// Accuracy (y) against RM items per run (x), one labelled point per strategy.
std::string svg_cost_chart(const json& rows) {
  double xmax = 1;
  for (auto& r : rows) xmax = std::max(xmax, r.value("rm_items", 0.0));
  auto xt = nice_ticks(0, xmax, 6, true);
  auto yt = nice_ticks(0, 1, 6);
  const double W = 640, H = 320, L = 60, R = 20, T = 30, B = 45;
  auto X = [&](double v) { return L + (W - L - R) * v / xt.back(); };
  auto Y = [&](double v) { return H - B - (H - T - B) * v / yt.back(); };
  std::ostringstream s;
  s << "<svg viewBox='0 0 " << W << " " << H << "' width='100%' xmlns='http://www.w3.org/2000/svg' font-size='11'>"
    << "<text x='" << W / 2 << "' y='16' text-anchor='middle' font-weight='bold'>Accuracy vs RM cost</text>";
  for (double t : xt)
    s << "<line x1='" << X(t) << "' x2='" << X(t) << "' y1='" << T << "' y2='" << H - B << "' stroke='#eee'/><text x='" << X(t) << "' y='" << H - B + 14
      << "' text-anchor='middle'>" << tick_label(t, xt.size() > 1 ? xt[1] - xt[0] : 1) << "</text>";
  for (double t : yt)
    s << "<line x1='" << L << "' x2='" << W - R << "' y1='" << Y(t) << "' y2='" << Y(t) << "' stroke='#eee'/><text x='" << L - 4 << "' y='" << Y(t) + 4
      << "' text-anchor='end'>" << pct(t) << "%</text>";
  s << "<text x='" << W / 2 << "' y='" << H - 8 << "' text-anchor='middle'>RM items scored per run</text>";
  for (auto& r : rows) {
    double x = X(r.value("rm_items", 0.0)), y = Y(r.value("accuracy", 0.0));
    s << "<circle cx='" << x << "' cy='" << y << "' r='4' fill='" << (r["strategy"] == "laser" ? "#d62728" : "#1f77b4") << "'/><text x='" << x + 6
      << "' y='" << y - 4 << "'>" << html_escape(r["strategy"].get<std::string>()) << "</text>";
  }
  s << "</svg>\n";
  return s.str();
}

// LASeR's decisions in the last iteration of each of its runs, as shares per category.
std::string laser_arm_share(const json& rows) {
  std::map<std::string, std::map<std::string, int>> per_cat;
  std::vector<std::string> arms;
  for (auto& r : rows) {
    if (r["strategy"] != "laser") continue;
    std::vector<std::string> dirs = r.contains("runs") ? r["runs"].get<std::vector<std::string>>() : std::vector<std::string>{r["run_dir"].get<std::string>()};
    for (auto& d : dirs) {
      std::string p = io::join_path(d, "decisions.jsonl");
      if (!io::file_exists(p)) continue;
      auto dec = io::read_jsonl(p);
      int64_t last = 0;
      for (auto& x : dec) last = std::max<int64_t>(last, x.value("iteration", int64_t{0}));
      for (auto& x : dec) {
        if (x.value("iteration", int64_t{0}) != last) continue;
        std::string a = x.value("arm_name", "");
        per_cat[x.value("category", "")][a]++;
        if (std::find(arms.begin(), arms.end(), a) == arms.end()) arms.push_back(a);
      }
    }
  }
  if (per_cat.empty()) return "";
  std::sort(arms.begin(), arms.end());
  return svg_share_chart("LASeR's arm share per category (last iteration, all seeds)", per_cat, arms);
}
}  // namespace

std::string svg_interval_chart(const std::string& title, const std::vector<std::string>& labels, const std::vector<double>& mean,
                               const std::vector<double>& lo, const std::vector<double>& hi) {
  const double W = 640, L = 140, R = 60, T = 30, row = 22;
  const double H = T + row * static_cast<double>(labels.size()) + 30;
  double top = 0.0;
  for (size_t i = 0; i < labels.size(); ++i) top = std::max({top, mean[i], std::isfinite(hi[i]) ? hi[i] : mean[i]});
  auto ticks = nice_ticks(0, std::max(top, 0.01), 6);
  auto X = [&](double v) { return L + (W - L - R) * std::clamp(v, 0.0, ticks.back()) / ticks.back(); };
  std::ostringstream s;
  s << "<svg viewBox='0 0 " << W << " " << H << "' width='100%' xmlns='http://www.w3.org/2000/svg' font-size='11'>"
    << "<text x='" << W / 2 << "' y='16' text-anchor='middle' font-weight='bold'>" << html_escape(title) << "</text>";
  for (double t : ticks)
    s << "<line x1='" << X(t) << "' x2='" << X(t) << "' y1='" << T << "' y2='" << H - 24 << "' stroke='#eee'/><text x='" << X(t) << "' y='" << H - 10
      << "' text-anchor='middle'>" << pct(t) << "%</text>";
  for (size_t i = 0; i < labels.size(); ++i) {
    double y = T + row * static_cast<double>(i);
    s << "<text x='" << L - 6 << "' y='" << y + 14 << "' text-anchor='end'>" << html_escape(labels[i]) << "</text>"
      << "<rect x='" << L << "' y='" << y + 4 << "' width='" << X(mean[i]) - L << "' height='" << row - 8 << "' fill='"
      << (labels[i] == "laser" ? "#d62728" : "#1f77b4") << "' opacity='0.7'/>";
    if (std::isfinite(lo[i]) && std::isfinite(hi[i]))
      s << "<line x1='" << X(lo[i]) << "' x2='" << X(hi[i]) << "' y1='" << y + row / 2 << "' y2='" << y + row / 2 << "' stroke='black'/>"
        << "<line x1='" << X(lo[i]) << "' x2='" << X(lo[i]) << "' y1='" << y + 6 << "' y2='" << y + row - 6 << "' stroke='black'/>"
        << "<line x1='" << X(hi[i]) << "' x2='" << X(hi[i]) << "' y1='" << y + 6 << "' y2='" << y + row - 6 << "' stroke='black'/>";
    s << "<text x='" << X(std::isfinite(hi[i]) ? hi[i] : mean[i]) + 4 << "' y='" << y + 14 << "'>" << pct(mean[i]) << "</text>";
  }
  s << "</svg>\n";
  return s.str();
}

std::string write_compare_html(const json& c, const std::string& dir) {
  const json& rows = c["rows"];
  std::vector<std::string> labels;
  std::vector<double> mean, lo, hi;
  for (auto& r : rows) {
    labels.push_back(r["strategy"].get<std::string>());
    double m = r.value("accuracy", 0.0), hw = r.value("accuracy_ci", NAN);
    mean.push_back(m);
    lo.push_back(m - hw);
    hi.push_back(m + hw);
  }
  int seeds = c.value("seeds", 1);
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>laser compare " << html_escape(c.value("name", "")) << "</title>\n"
    << "<style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>"
    << "</head><body>\n<h1>laser compare: " << html_escape(c.value("name", "")) << "</h1>\n<p>" << rows.size() << " strategies, " << seeds
    << (seeds == 1 ? " seed (no interval: run with --seeds N)" : " seeds; bars are means, whiskers 95% t-intervals over seeds") << ".</p>\n";
  h << svg_interval_chart("Test accuracy", labels, mean, lo, hi);
  h << svg_cost_chart(rows);
  h << laser_arm_share(rows);
  h << "<h2>Table</h2><pre>" << html_escape(c.value("markdown", "")) << "</pre>\n</body></html>\n";
  std::string path = io::join_path(dir, "compare.html");
  io::write_file_atomic(path, h.str());
  return path;
}

}  // namespace laser::loop
