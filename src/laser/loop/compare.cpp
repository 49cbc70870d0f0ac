// `laser compare`: the same config run once per strategy, and the paper-style table (see compare.h).
#include "laser/loop/compare.h"

#include <cstdio>
#include <set>
#include <sstream>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/run.h"

namespace laser::loop {

using json = nlohmann::json;

static std::string slug(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
  return o;
}

json run_compare(const Config& base, const std::vector<std::string>& overrides, const CompareOptions& o) {
  LASER_CHECK(!o.strategies.empty(), "--strategies", "no strategies given", "for example --strategies sft,laser,random");
  std::string name = base.get_string("run.name");
  std::string cdir = io::join_path(base.get_string("run.out_dir"), o.out_name.empty() ? name + "-compare" : o.out_name);
  io::make_dirs(cdir);
  json rows = json::array();
  for (auto& s : o.strategies) {
    Config c = base;
    for (auto& ov : overrides) c.set(ov);
    c.set("run.name=" + name + "-" + slug(s));
    if (s == "sft") c.set("run.iterations=0");
    else c.set("strategy.name=" + s);
    std::string rdir = run_dir_of(c);
    json summary;
    std::string sp = io::join_path(rdir, "summary.json");
    if (o.resume && io::file_exists(sp)) {
      log::info("compare: {} already finished, reusing {}", s, sp);
      summary = io::read_json(sp);
    } else {
      bool can_resume = o.resume && io::file_exists(io::join_path(rdir, "checkpoints/latest"));
      if (!o.resume && io::dir_exists(rdir)) io::remove_all(rdir);
      log::info("compare: running strategy {} in {}", s, rdir);
      RunOptions ro;
      ro.resume = can_resume;
      summary = run_training(c, ro);
    }
    json row = {{"strategy", s}, {"run_dir", rdir}, {"accuracy", summary["test"]["accuracy"]},
                {"per_category", summary["test"]["per_category"]}, {"n", summary["test"]["n"]},
                {"metric", summary.value("metric", "accuracy")},
                {"rm_calls", summary.value("rm_calls", 0)}, {"rm_items", summary.value("rm_items", 0)}, {"rm_seconds", summary.value("rm_seconds", 0.0)},
                {"wall_seconds", summary.value("wall_seconds", 0.0)}, {"report", io::join_path(rdir, "report.html")}};
    if (summary.contains("rm_cost")) row["rm_cost"] = summary["rm_cost"];
    rows.push_back(row);
  }
  json out = {{"format_version", 1}, {"name", name}, {"rows", rows}};
  io::write_file_atomic(io::join_path(cdir, "compare.json"), out.dump(2) + "\n");
  io::write_file_atomic(io::join_path(cdir, "compare.md"), compare_markdown(out));
  out["dir"] = cdir;
  return out;
}

std::string compare_markdown(const json& c) {
  std::set<std::string> cats;
  for (auto& r : c["rows"])
    for (auto it = r["per_category"].begin(); it != r["per_category"].end(); ++it) cats.insert(it.key());
  std::ostringstream os;
  os << "| strategy |";
  for (auto& k : cats) os << " " << k << " |";
  bool win = !c["rows"].empty() && c["rows"][0].value("metric", "accuracy") == "win_rate";
  os << (win ? " overall (win rate vs start, %)" : " overall") << " | RM items | RM calls | RM seconds | wall s |\n|---|";
  for (size_t i = 0; i < cats.size() + 5; ++i) os << "---:|";
  os << "\n";
  char buf[64];
  for (auto& r : c["rows"]) {
    os << "| " << r["strategy"].get<std::string>() << " |";
    for (auto& k : cats) {
      if (r["per_category"].contains(k)) {
        std::snprintf(buf, sizeof buf, " %.1f |", 100 * r["per_category"][k].get<double>());
        os << buf;
      } else os << " - |";
    }
    std::snprintf(buf, sizeof buf, " %.1f | %lld | %lld | %.1f | %.1f |\n", 100 * r["accuracy"].get<double>(),
                  static_cast<long long>(r.value("rm_items", int64_t{0})), static_cast<long long>(r["rm_calls"].get<int64_t>()),
                  r["rm_seconds"].get<double>(), r["wall_seconds"].get<double>());
    os << buf;
  }
  return os.str();
}

}  // namespace laser::loop
