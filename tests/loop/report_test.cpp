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
