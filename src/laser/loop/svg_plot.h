// Minimal SVG charts for report.html: line charts and grouped bar charts, self-contained text
// (no scripts, no network). Not a general plotting library.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace laser::loop {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y)
};

struct BarGroup {
  std::string name;            // series name (one colour)
  std::vector<double> values;  // one per category
};

std::string svg_line_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                           const std::vector<Series>& series, int width = 640, int height = 300);
std::string svg_bar_chart(const std::string& title, const std::vector<std::string>& categories,
                          const std::vector<BarGroup>& groups, const std::string& ylabel, int width = 640, int height = 300);
std::string html_escape(const std::string& s);

}  // namespace laser::loop
