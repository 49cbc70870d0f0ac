// compare.html: the offline page of a `laser compare` (or `laser world`) table, like report.html
// (no scripts, no network): test accuracy per strategy with its 95% interval over seeds, accuracy
// against RM cost (the paper's efficiency view), and LASeR's arm share per category in its last
// iteration (from the runs' decisions.jsonl). Not the table itself (compare.h).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace laser::loop {

// Writes <dir>/compare.html from compare.json's content; returns its path.
std::string write_compare_html(const nlohmann::json& compare, const std::string& dir);

// SVG: one horizontal bar per (label, mean) with a whisker from lo to hi (values in [0, 1] shown as %).
std::string svg_interval_chart(const std::string& title, const std::vector<std::string>& labels, const std::vector<double>& mean,
                               const std::vector<double>& lo, const std::vector<double>& hi);

}  // namespace laser::loop
