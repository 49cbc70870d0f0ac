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
  }
  json summary = {{"run", "t"}, {"strategy", "laser"}, {"arms", {"A", "B<&>"}}, {"rm_cost", {{"A", {{"calls", 2}, {"seconds", 0.5}}}}},
                  {"test", {{"accuracy", 0.5}, {"per_category", {{"add", 0.5}}}, {"n", 8}}}};
  laser::io::write_file_atomic(dir + "/summary.json", summary.dump());
  auto path = laser::loop::write_report(dir);
  auto html = laser::io::read_file(path);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (auto title : {"Arm share over time", "Arm share per category (whole run)", "Arm share per category (last iteration)", "Bandit reward",
                     "Training loss", "Dev accuracy per iteration", "RM calls per arm", "RM seconds per arm"})
    EXPECT_NE(html.find(title), std::string::npos) << title;
  // Balanced svg tags and escaped names.
  size_t open = 0, close = 0;
  for (size_t p = 0; (p = html.find("<svg", p)) != std::string::npos; ++p) ++open;
  for (size_t p = 0; (p = html.find("</svg>", p)) != std::string::npos; ++p) ++close;
  EXPECT_EQ(open, 8u);
  EXPECT_EQ(open, close);
  EXPECT_EQ(html.find("B<&>"), std::string::npos);
  EXPECT_NE(html.find("B&lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // opens offline: no scripts,
  EXPECT_EQ(html.find("src="), std::string::npos);     // no external resources
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
