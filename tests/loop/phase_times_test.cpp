// Time per phase: sums of metrics.jsonl / eval.jsonl time fields (with "other" the step's
// unattributed rest), the stacked per-step plot and table in report.html, and the summary line.
#include <gtest/gtest.h>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/phase_times.h"
#include "laser/loop/report.h"
#include "laser/loop/svg_plot.h"

using laser::io::json;

namespace {
json step_line(int s, double ctx, double gen, double score, double train, double bandit, double step) {
  return {{"step", s}, {"iteration", 1}, {"time_context", ctx}, {"time_gen", gen}, {"time_score", score},
          {"time_train", train}, {"time_bandit", bandit}, {"time_step", step}};
}
}  // namespace

TEST(PhaseTimes, SumsPhasesOtherAndEval) {
  std::vector<json> m = {step_line(1, 0.5, 4, 1, 2, 0.25, 8), step_line(2, 0.5, 6, 1, 2, 0.25, 10)};
  std::vector<json> e = {{{"split", "dev"}, {"time_eval", 3.0}}, {{"split", "test"}, {"time_eval", 1.5}}, {{"split", "dev"}}};
  auto ps = laser::loop::phase_seconds(m, e);
  EXPECT_DOUBLE_EQ(ps["context"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(ps["generate"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(ps["score"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(ps["train"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(ps["bandit"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(ps["other"].get<double>(), 0.25 + 0.25);  // 8 - 7.75, 10 - 9.75
  EXPECT_DOUBLE_EQ(ps["eval"].get<double>(), 4.5);
  EXPECT_DOUBLE_EQ(ps["total"].get<double>(), 18.0 + 4.5);
  // Old lines without the new keys (or a step shorter than its phases) never give negative time.
  auto v = laser::loop::step_phase_seconds({{"time_gen", 2.0}, {"time_step", 1.0}});
  EXPECT_DOUBLE_EQ(v[1], 2.0);
  EXPECT_DOUBLE_EQ(v[5], 0.0);
  auto empty = laser::loop::phase_seconds({}, {});
  EXPECT_DOUBLE_EQ(empty["total"].get<double>(), 0.0);
}

TEST(PhaseTimes, ReportPlotsAndTablesThemAndSummaryPrintsThem) {
  std::string dir = std::string(LASER_TEST_TMP) + "/phase-times-test";
  laser::io::remove_all(dir);
  laser::io::make_dirs(dir);
  {
    laser::io::JsonlWriter m(dir + "/metrics.jsonl"), e(dir + "/eval.jsonl");
    m.write(step_line(1, 0.5, 4, 1, 2, 0.25, 8));
    m.write(step_line(2, 0.5, 6, 1, 2, 0.25, 10));
    e.write({{"iteration", 1}, {"split", "dev"}, {"accuracy", 0.5}, {"n", 4}, {"time_eval", 2.0}});
  }
  auto html = laser::io::read_file(laser::loop::write_report(dir));
  EXPECT_NE(html.find("Time per step by phase"), std::string::npos);
  EXPECT_NE(html.find("<h2>Time per phase</h2>"), std::string::npos);
  // generate: 10 of 20 s.
  EXPECT_NE(html.find("<tr><td>generate</td><td>10.00</td><td>50.0%</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<title>generate at 2: 6.00</title>"), std::string::npos);  // one stacked rect per step and phase
  auto table = laser::loop::summary_table(dir);
  EXPECT_NE(table.find("generate 10.0 s (50%)"), std::string::npos) << table;
  EXPECT_NE(table.find("eval 2.0 s (10%)"), std::string::npos) << table;
  EXPECT_DOUBLE_EQ(laser::loop::run_phase_seconds(dir)["total"].get<double>(), 20.0);
}

TEST(PhaseTimes, StackedChartStacksLayers) {
  using laser::loop::BarGroup;
  auto svg = laser::loop::svg_stacked_chart("t", "step", "s", {1, 2}, {BarGroup{"a", {1, 2}}, BarGroup{"b", {3, -1}}});
  size_t rects = 0;
  for (size_t p = 0; (p = svg.find("<rect x=", p)) != std::string::npos; ++p) ++rects;
  EXPECT_EQ(rects, 3u + 2u);  // a at 1 and 2, b at 1 (its negative value is skipped), plus 2 legend boxes
  EXPECT_NE(svg.find("<title>b at 1: 3.00</title>"), std::string::npos);
  EXPECT_NE(laser::loop::svg_stacked_chart("t", "x", "y", {}, {}).find("no data"), std::string::npos);
}
