// Minimal SVG charts for report.html: line charts, grouped and stacked bar charts, self-contained text
// (no scripts, no network), scaled to the page width (viewBox + width 100%), axis ticks at round
// values (1-2-5 steps). Not a general plotting library.
#pragma once
#include <map>
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

// Axis ticks at multiples of a round step (1, 2 or 5 times a power of ten; at least 1 when
// `integer`), at most max_ticks of them, the first <= lo and the last >= hi: (0, 0.88) -> 0, 0.2,
// ..., 1.0. A degenerate range (lo == hi) is widened by 0.5 (by 1 when `integer`) on each side.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks = 6, bool integer = false);
// A tick label with as many decimals as the step needs (step 0.2 -> "0.4", step 5 -> "10").
std::string tick_label(double v, double step);

// integer_x: the x axis counts something (steps, iterations), so its ticks are whole numbers.
std::string svg_line_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                           const std::vector<Series>& series, bool integer_x = false, int width = 640, int height = 300);
// integer_y: the values are counts (calls), so the y ticks are whole numbers.
std::string svg_bar_chart(const std::string& title, const std::vector<std::string>& categories,
                          const std::vector<BarGroup>& groups, const std::string& ylabel, bool integer_y = false, int width = 640,
                          int height = 300);
// Share of each arm per category from counts[category][arm] (a bar group per arm, in `arms` order;
// an empty category is shown as "(none)").
std::string svg_share_chart(const std::string& title, const std::map<std::string, std::map<std::string, int>>& counts,
                            const std::vector<std::string>& arms);
// Stacked bars at numeric x positions (steps): layer i's value at xs[j] sits on layers 0..i-1
// (negative or non-finite values count as 0); one colour per layer, a legend, x ticks on whole numbers.
std::string svg_stacked_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                              const std::vector<double>& xs, const std::vector<BarGroup>& layers, int width = 640, int height = 300);
std::string html_escape(const std::string& s);

}  // namespace laser::loop
