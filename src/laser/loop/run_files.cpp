// The run directory (see run_files.h).
#include "laser/loop/run_files.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "laser/core/strings.h"
#include "laser/io/file_util.h"

namespace laser::loop {

RunFiles::RunFiles(std::string d) : dir(std::move(d)) {
  checkpoints = io::join_path(dir, "checkpoints");
  latest = io::join_path(checkpoints, "latest");
  config = io::join_path(dir, "config.toml");
  metrics = io::join_path(dir, "metrics.jsonl");
  decisions = io::join_path(dir, "decisions.jsonl");
  eval = io::join_path(dir, "eval.jsonl");
  summary = io::join_path(dir, "summary.json");
  baseline = io::join_path(dir, "baseline_responses.json");
}

bool RunFiles::has_checkpoint() const { return io::file_exists(latest) && !trim(io::read_file(latest)).empty(); }

std::string RunFiles::latest_checkpoint() const { return io::join_path(checkpoints, trim(io::read_file(latest))); }

bool RunFiles::holds_run() const { return io::file_exists(metrics) && count_lines(metrics) > 0; }

void RunFiles::clear_logs() const {
  for (auto* p : {&metrics, &decisions, &eval}) io::write_file_atomic(*p, "");
}

void RunFiles::truncate_logs(int64_t m, int64_t d, int64_t e) const {
  truncate_lines(metrics, m);
  truncate_lines(decisions, d);
  truncate_lines(eval, e);
}

int RunFiles::prune_checkpoints(int64_t keep) const {
  namespace fs = std::filesystem;
  if (keep <= 0 || !has_checkpoint()) return 0;
  const std::string newest = trim(io::read_file(latest));
  static const std::regex name_re("(iter|step)-[0-9]+");
  std::vector<std::pair<int64_t, std::string>> older;  // (step, name), every checkpoint but `latest`'s
  for (const auto& e : fs::directory_iterator(checkpoints)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || name == newest || !std::regex_match(name, name_re)) continue;
    try {
      auto st = nlohmann::json::parse(io::read_file((e.path() / "trainer_state.json").string()));
      older.emplace_back(st.at("extra").at("step").get<int64_t>(), name);
    } catch (const std::exception&) {  // incomplete or foreign: not ours to delete
    }
  }
  std::sort(older.begin(), older.end());
  int removed = 0;
  for (size_t i = 0; i + static_cast<size_t>(keep - 1) < older.size(); ++i, ++removed)
    io::remove_all(io::join_path(checkpoints, older[i].second));
  return removed;
}

void RunFiles::open() {
  metrics_out = std::make_unique<io::JsonlWriter>(metrics);
  decisions_out = std::make_unique<io::JsonlWriter>(decisions);
  eval_out = std::make_unique<io::JsonlWriter>(eval);
}

int64_t count_lines(const std::string& path) {
  if (!io::file_exists(path)) return 0;
  std::string d = io::read_file(path);
  return static_cast<int64_t>(std::count(d.begin(), d.end(), '\n'));
}

void truncate_lines(const std::string& path, int64_t lines) {
  if (!io::file_exists(path)) return;
  std::string data = io::read_file(path), out;
  int64_t n = 0;
  size_t start = 0;
  while (n < lines && start < data.size()) {
    size_t e = data.find('\n', start);
    if (e == std::string::npos) break;  // a torn last line is dropped
    out.append(data, start, e - start + 1);
    start = e + 1;
    ++n;
  }
  io::write_file_atomic(path, out);
}

}  // namespace laser::loop
