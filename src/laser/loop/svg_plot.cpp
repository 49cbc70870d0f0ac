// SVG line and bar charts with round-valued ticks (see svg_plot.h).
#include "laser/loop/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace laser::loop {

namespace {
const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
const char* color(size_t i) { return kColors[i % 10]; }

std::string svg_num(double v) {
  char b[32];
  if (std::fabs(v) >= 1000 || (std::fabs(v) < 0.01 && v != 0)) std::snprintf(b, sizeof b, "%.3g", v);
  else std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

struct Frame {
  double x0, x1, y0, y1;
  int W, H, L = 60, R = 140, T = 30, B = 40;
  std::vector<double> xt, yt;  // ticks; x0..x1 and y0..y1 span them
  double px(double x) const { return L + (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5) * (W - L - R); }
  double py(double y) const { return H - B - (y1 > y0 ? (y - y0) / (y1 - y0) : 0.5) * (H - T - B); }
};

double step_of(const std::vector<double>& t) { return t.size() > 1 ? t[1] - t[0] : 1.0; }

void svg_open(std::ostringstream& os, int width, int height) {
  os << "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " << width << " " << height
     << "' width='100%' preserveAspectRatio='xMidYMid meet' font-family='sans-serif'>\n";
}

void axes(std::ostringstream& os, const Frame& f, const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  os << "<text x='" << f.W / 2 << "' y='18' text-anchor='middle' font-weight='bold'>" << html_escape(title) << "</text>\n";
  os << "<line x1='" << f.L << "' y1='" << f.H - f.B << "' x2='" << f.W - f.R << "' y2='" << f.H - f.B << "' stroke='#333'/>\n";
  os << "<line x1='" << f.L << "' y1='" << f.T << "' x2='" << f.L << "' y2='" << f.H - f.B << "' stroke='#333'/>\n";
  for (double y : f.yt) {
    os << "<text x='" << f.L - 4 << "' y='" << f.py(y) + 4 << "' text-anchor='end' font-size='10'>" << tick_label(y, step_of(f.yt)) << "</text>\n";
    os << "<line x1='" << f.L << "' y1='" << f.py(y) << "' x2='" << f.W - f.R << "' y2='" << f.py(y) << "' stroke='#eee'/>\n";
  }
  for (double x : f.xt)
    os << "<text x='" << f.px(x) << "' y='" << f.H - f.B + 14 << "' text-anchor='middle' font-size='10'>" << tick_label(x, step_of(f.xt)) << "</text>\n";
  os << "<text x='" << (f.L + f.W - f.R) / 2 << "' y='" << f.H - 6 << "' text-anchor='middle' font-size='11'>" << html_escape(xlabel) << "</text>\n";
  os << "<text x='12' y='" << f.H / 2 << "' text-anchor='middle' font-size='11' transform='rotate(-90 12 " << f.H / 2 << ")'>"
     << html_escape(ylabel) << "</text>\n";
}

void legend(std::ostringstream& os, const Frame& f, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    double y = f.T + 14.0 * i;
    os << "<rect x='" << f.W - f.R + 8 << "' y='" << y << "' width='10' height='10' fill='" << color(i) << "'/>";
    os << "<text x='" << f.W - f.R + 22 << "' y='" << y + 9 << "' font-size='10'>" << html_escape(names[i]) << "</text>\n";
  }
}
}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int max_ticks, bool integer) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    double w = integer ? 1.0 : 0.5;
    lo -= w;
    hi += w;
  }
  max_ticks = std::max(2, max_ticks);
  const double eps = 1e-9;
  double raw = (hi - lo) / (max_ticks - 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 0;
  int64_t k0 = 0, k1 = 0;
  for (double m : {1.0, 2.0, 5.0, 10.0, 20.0}) {
    step = m * mag;
    if (integer) step = std::max(1.0, std::round(step));
    k0 = static_cast<int64_t>(std::floor(lo / step + eps));
    k1 = static_cast<int64_t>(std::ceil(hi / step - eps));
    if (k1 - k0 + 1 <= max_ticks) break;
  }
  std::vector<double> t;
  for (int64_t k = k0; k <= k1; ++k) {
    double v = static_cast<double>(k) * step;
    t.push_back(std::fabs(v) < step * eps ? 0.0 : v);
  }
  return t;
}

std::string tick_label(double v, double step) {
  int decimals = 0;
  if (step > 0 && step < 1) decimals = std::min(9, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  if (std::fabs(v) < std::fabs(step) * 1e-6) v = 0.0;  // no "-0.0"
  char b[48];
  if (std::fabs(v) >= 1e7) std::snprintf(b, sizeof b, "%.3g", v);
  else std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string svg_line_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                           const std::vector<Series>& series, bool integer_x, int width, int height) {
  Frame f{0, 1, 0, 1, width, height};
  bool any = false;
  for (auto& s : series)
    for (auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      if (!any) { f.x0 = f.x1 = x; f.y0 = f.y1 = y; any = true; }
      f.x0 = std::min(f.x0, x); f.x1 = std::max(f.x1, x);
      f.y0 = std::min(f.y0, y); f.y1 = std::max(f.y1, y);
    }
  f.xt = nice_ticks(f.x0, f.x1, 6, integer_x);
  f.yt = nice_ticks(f.y0, f.y1, 6, false);
  f.x0 = f.xt.front(); f.x1 = f.xt.back();
  f.y0 = f.yt.front(); f.y1 = f.yt.back();
  std::ostringstream os;
  svg_open(os, width, height);
  axes(os, f, title, xlabel, ylabel);
  std::vector<std::string> names;
  for (size_t i = 0; i < series.size(); ++i) {
    names.push_back(series[i].name);
    std::ostringstream pts;
    for (auto& [x, y] : series[i].points)
      if (std::isfinite(x) && std::isfinite(y)) pts << f.px(x) << "," << f.py(y) << " ";
    os << "<polyline fill='none' stroke='" << color(i) << "' stroke-width='1.5' points='" << pts.str() << "'/>\n";
    if (series[i].points.size() <= 30)
      for (auto& [x, y] : series[i].points)
        if (std::isfinite(x) && std::isfinite(y)) os << "<circle cx='" << f.px(x) << "' cy='" << f.py(y) << "' r='2.5' fill='" << color(i) << "'/>";
  }
  legend(os, f, names);
  if (!any) os << "<text x='" << width / 2 << "' y='" << height / 2 << "' text-anchor='middle'>no data</text>\n";
  os << "</svg>\n";
  return os.str();
}

std::string svg_bar_chart(const std::string& title, const std::vector<std::string>& categories, const std::vector<BarGroup>& groups,
                          const std::string& ylabel, bool integer_y, int width, int height) {
  Frame f{0, 1, 0, 0, width, height};
  for (auto& g : groups)
    for (double v : g.values)
      if (std::isfinite(v)) f.y1 = std::max(f.y1, v);
  if (f.y1 <= 0) f.y1 = 1;
  f.yt = nice_ticks(0, f.y1, 6, integer_y);
  f.y1 = f.yt.back();
  std::ostringstream os;
  svg_open(os, width, height);
  axes(os, f, title, "", ylabel);
  double cw = static_cast<double>(width - f.L - f.R) / std::max<size_t>(1, categories.size());
  double bw = cw * 0.8 / std::max<size_t>(1, groups.size());
  for (size_t c = 0; c < categories.size(); ++c) {
    double cx = f.L + cw * c + cw * 0.1;
    for (size_t g = 0; g < groups.size(); ++g) {
      double v = c < groups[g].values.size() ? groups[g].values[c] : 0;
      if (!std::isfinite(v)) v = 0;
      double y = f.py(v);
      os << "<rect x='" << cx + bw * g << "' y='" << y << "' width='" << bw * 0.95 << "' height='" << (f.H - f.B) - y
         << "' fill='" << color(g) << "'><title>" << html_escape(groups[g].name + " / " + categories[c] + ": " + svg_num(v)) << "</title></rect>\n";
    }
    os << "<text x='" << cx + cw * 0.4 << "' y='" << f.H - f.B + 14 << "' text-anchor='middle' font-size='10'>" << html_escape(categories[c]) << "</text>\n";
  }
  std::vector<std::string> names;
  for (auto& g : groups) names.push_back(g.name);
  legend(os, f, names);
  os << "</svg>\n";
  return os.str();
}

std::string svg_share_chart(const std::string& title, const std::map<std::string, std::map<std::string, int>>& counts,
                            const std::vector<std::string>& arms) {
  std::vector<std::string> cats;
  for (auto& kv : counts) cats.push_back(kv.first.empty() ? "(none)" : kv.first);
  std::vector<BarGroup> gs;
  for (auto& a : arms) {
    BarGroup g{a, {}};
    for (auto& [c, m] : counts) {
      int tot = 0;
      for (auto& kv : m) tot += kv.second;
      auto it = m.find(a);
      g.values.push_back(tot && it != m.end() ? static_cast<double>(it->second) / tot : 0.0);
    }
    gs.push_back(g);
  }
  return svg_bar_chart(title, cats, gs, "share");
}

std::string svg_stacked_chart(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                              const std::vector<double>& xs, const std::vector<BarGroup>& layers, int width, int height) {
  auto val = [&](size_t l, size_t j) {
    double v = j < layers[l].values.size() ? layers[l].values[j] : 0.0;
    return std::isfinite(v) && v > 0 ? v : 0.0;
  };
  Frame f{0, 1, 0, 0, width, height};
  bool any = false;
  for (size_t j = 0; j < xs.size(); ++j) {
    if (!std::isfinite(xs[j])) continue;
    double top = 0;
    for (size_t l = 0; l < layers.size(); ++l) top += val(l, j);
    if (!any) { f.x0 = f.x1 = xs[j]; any = true; }
    f.x0 = std::min(f.x0, xs[j]);
    f.x1 = std::max(f.x1, xs[j]);
    f.y1 = std::max(f.y1, top);
  }
  if (f.y1 <= 0) f.y1 = 1;
  // Half a bar of room on each side of the first and last x.
  double gap = xs.size() > 1 ? (f.x1 - f.x0) / static_cast<double>(xs.size() - 1) : 1.0;
  if (gap <= 0) gap = 1.0;
  f.xt = nice_ticks(f.x0 - gap / 2, f.x1 + gap / 2, 6, true);
  f.x0 = f.xt.front();
  f.x1 = f.xt.back();
  f.yt = nice_ticks(0, f.y1, 6, false);
  f.y1 = f.yt.back();
  std::ostringstream os;
  svg_open(os, width, height);
  axes(os, f, title, xlabel, ylabel);
  double bw = std::max(0.5, 0.8 * (f.px(f.x0 + gap) - f.px(f.x0)));
  for (size_t j = 0; j < xs.size(); ++j) {
    if (!std::isfinite(xs[j])) continue;
    double base = 0;
    for (size_t l = 0; l < layers.size(); ++l) {
      double v = val(l, j);
      if (v <= 0) continue;
      double y_top = f.py(base + v), y_bot = f.py(base);
      os << "<rect x='" << f.px(xs[j]) - bw / 2 << "' y='" << y_top << "' width='" << bw << "' height='" << y_bot - y_top << "' fill='"
         << color(l) << "'><title>" << html_escape(layers[l].name + " at " + tick_label(xs[j], 1.0) + ": " + svg_num(v)) << "</title></rect>\n";
      base += v;
    }
  }
  std::vector<std::string> names;
  for (auto& l : layers) names.push_back(l.name);
  legend(os, f, names);
  if (!any) os << "<text x='" << width / 2 << "' y='" << height / 2 << "' text-anchor='middle'>no data</text>\n";
  os << "</svg>\n";
  return os.str();
}

}  // namespace laser::loop
