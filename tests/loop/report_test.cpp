// report.html and the summary table from hand-written run files; the round-tick rule of svg_plot.
#include <gtest/gtest.h>

#include <filesystem>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/loop/report.h"
#include "laser/loop/svg_plot.h"

using laser::io::json;

TEST(Report, WritesWellFormedHtmlWithEveryPlot) {
  std::string dir = std::string(LASER_TEST_TMP) + "/report-test";
  laser::io::remove_all(dir);
  laser::io::make_dirs(dir);
  {
    laser::io::JsonlWriter m(dir + "/metrics.jsonl"), d(dir + "/decisions.jsonl"), e(dir + "/eval.jsonl");
    for (int s = 1; s <= 4; ++s) {
      m.write({{"step", s}, {"iteration", 1}, {"loss", 1.0 / s}, {"dpo", 0.6}, {"nll", 0.4}, {"bandit_reward", 0.5}, {"bandit_raw_reward", -0.7}});
      d.write({{"step", s}, {"iteration", 1}, {"prompt_id", "p"}, {"category", s % 2 ? "add" : "mul"}, {"arm", s % 2}, {"arm_name", s % 2 ? "A" : "B<&>"},
               {"probability", 1.0}, {"reward", 0.5}});
    }
    e.write({{"iteration", 0}, {"split", "dev"}, {"accuracy", 0.4}, {"per_category", {{"add", 0.5}}}, {"n", 8}});
    e.write({{"iteration", 1}, {"split", "dev"}, {"accuracy", 0.6}, {"per_category", {{"add", 0.7}}}, {"n", 8}});
    e.write({{"iteration", -1}, {"split", "test"}, {"accuracy", 0.5}, {"per_category", {{"add", 0.5}}}, {"n", 8}});
  }
  json summary = {{"run", "t"}, {"strategy", "laser"}, {"arms", {"A", "B<&>"}}, {"rm_cost", {{"A", {{"calls", 2}, {"seconds", 0.5}}}}},
                  {"test", {{"accuracy", 0.5}, {"per_category", {{"add", 0.5}}}, {"n", 8}}}};
  laser::io::write_file_atomic(dir + "/summary.json", summary.dump());
  auto path = laser::loop::write_report(dir);
  auto html = laser::io::read_file(path);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (auto title : {"Arm share over time", "Arm share per category (whole run)", "Arm share per category (last iteration)", "Bandit reward",
                     "Training loss", "Dev accuracy per iteration", "RM calls per arm", "RM seconds per arm", "Time per step by phase"})
    EXPECT_NE(html.find(title), std::string::npos) << title;
  // Balanced svg tags and escaped names.
  size_t open = 0, close = 0;
  for (size_t p = 0; (p = html.find("<svg", p)) != std::string::npos; ++p) ++open;
  for (size_t p = 0; (p = html.find("</svg>", p)) != std::string::npos; ++p) ++close;
  EXPECT_EQ(open, 9u);
  EXPECT_EQ(open, close);
  EXPECT_EQ(html.find("B<&>"), std::string::npos);
  EXPECT_NE(html.find("B&lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // opens offline: no scripts,
  EXPECT_EQ(html.find("src="), std::string::npos);     // no external resources
  // The test row is the final evaluation, not "iteration -1"; plots scale to the page width.
  EXPECT_EQ(html.find("-1<"), std::string::npos);
  EXPECT_EQ(html.find("iteration -1"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>final</td><td>test</td>"), std::string::npos);
  EXPECT_NE(html.find("viewBox='0 0 640 300' width='100%'"), std::string::npos);
  // Step axes (steps 1..4) are labelled with whole numbers only; the loss axis (0.25..1) with 0.2 steps.
  EXPECT_NE(html.find(">4</text>"), std::string::npos);
  EXPECT_EQ(html.find(">1.50</text>"), std::string::npos);
  EXPECT_EQ(html.find(">2.25</text>"), std::string::npos);
  EXPECT_NE(html.find(">0.2</text>"), std::string::npos);
  EXPECT_NE(html.find(">1.0</text>"), std::string::npos);
}

// Ticks worked out by hand: the smallest 1-2-5 step giving at most max_ticks ticks that cover the range.
TEST(SvgPlot, NiceTicksAtRoundValues) {
  using laser::loop::nice_ticks;
  auto expect = [](const std::vector<double>& got, const std::vector<double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
  };
  // 0..0.88: step 0.1 needs 10 ticks, 0.2 needs 6 -> 0, 0.2, ..., 1.0 (not 0.22, 0.44, ...).
  expect(nice_ticks(0, 0.88), {0, 0.2, 0.4, 0.6, 0.8, 1.0});
  // -0.7..0.5: 0.1 -> 13 ticks, 0.2 -> 8, 0.5 -> 4: -1, -0.5, 0, 0.5.
  expect(nice_ticks(-0.7, 0.5), {-1, -0.5, 0, 0.5});
  // 0.31..0.37: raw step 0.012 -> magnitude 0.01: 0.31..0.37 in 0.01 is 7 ticks, 0.02 -> 0.30..0.38.
  expect(nice_ticks(0.31, 0.37), {0.30, 0.32, 0.34, 0.36, 0.38});
  // 0..1300 -> step 500 (200 would need 8 ticks).
  expect(nice_ticks(0, 1300), {0, 500, 1000, 1500});
  // Integer axes: steps 1..7 -> step 2; iterations 0..3 -> step 1 (never 0.5); one point -> +-1.
  expect(nice_ticks(1, 7, 6, true), {0, 2, 4, 6, 8});
  expect(nice_ticks(0, 3, 6, true), {0, 1, 2, 3});
  expect(nice_ticks(2, 2, 6, true), {1, 2, 3});
  expect(nice_ticks(0.5, 0.5), {0, 0.2, 0.4, 0.6, 0.8, 1.0});  // widened to 0..1
  // Labels carry the decimals the step needs.
  EXPECT_EQ(laser::loop::tick_label(0.4000000001, 0.2), "0.4");
  EXPECT_EQ(laser::loop::tick_label(1.0, 0.2), "1.0");
  EXPECT_EQ(laser::loop::tick_label(0.35, 0.05), "0.35");
  EXPECT_EQ(laser::loop::tick_label(1500, 500), "1500");
  EXPECT_EQ(laser::loop::tick_label(-1e-17, 0.5), "0.0");
}

TEST(Report, SummaryTableHasScoresAndArms) {
  std::string dir = std::string(LASER_TEST_TMP) + "/report-table";
  laser::io::remove_all(dir);
  laser::io::make_dirs(dir);
  {
    laser::io::JsonlWriter d(dir + "/decisions.jsonl"), e(dir + "/eval.jsonl");
    for (int s = 1; s <= 4; ++s) d.write({{"step", s}, {"arm_name", s == 1 ? "A" : "B"}, {"category", "add"}});
    e.write({{"iteration", 0}, {"split", "dev"}, {"accuracy", 0.25}, {"per_category", {{"add", 0.25}, {"mul", 0.5}}}, {"n", 8}});
    e.write({{"iteration", 2}, {"split", "dev"}, {"accuracy", 0.5}, {"per_category", {{"add", 0.75}, {"mul", 0.25}}}, {"n", 8}});
  }
  json summary = {{"arms", {"A", "B", "C"}}, {"rm_cost", {{"A", {{"calls", 2}, {"items", 30}, {"seconds", 1.25}}}}},
                  {"test", {{"accuracy", 0.625}, {"per_category", {{"add", 1.0}, {"mul", 0.25}}}, {"n", 16}}}};
  laser::io::write_file_atomic(dir + "/summary.json", summary.dump());
  auto t = laser::loop::summary_table(dir);
  EXPECT_NE(t.find("dev, iteration 0"), std::string::npos) << t;
  EXPECT_NE(t.find("dev, iteration 2"), std::string::npos) << t;
  EXPECT_NE(t.find("62.5%"), std::string::npos) << t;   // test overall
  EXPECT_NE(t.find("100.0%"), std::string::npos) << t;  // test add
  // Arm rows: A chosen once of 4 (25%), B three times (75%), C never; A's cost.
  auto row = [&](const std::string& arm) {
    size_t p = t.find("\n" + arm + " ");
    return p == std::string::npos ? std::string() : t.substr(p + 1, t.find('\n', p + 1) - p - 1);
  };
  EXPECT_NE(row("A").find("25.0%"), std::string::npos) << t;
  EXPECT_NE(row("A").find("30"), std::string::npos) << t;
  EXPECT_NE(row("A").find("1.2"), std::string::npos) << t;
  EXPECT_NE(row("B").find("75.0%"), std::string::npos) << t;
  EXPECT_NE(row("C").find("0.0%"), std::string::npos) << t;
}
