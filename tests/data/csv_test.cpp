// Tests of the CSV parser: quoting, embedded newlines and quotes, and file:line errors.
// Written here, not golden vectors (the real MMLU files are checked in loaders_test.cpp).
#include <gtest/gtest.h>

#include "data/test_util.h"
#include "laser/core/error.h"
#include "laser/data/csv.h"

using namespace laser;
using namespace laser::data;

TEST(Csv, QuotedFieldsWithCommasNewlinesAndQuotes) {
  std::string text =
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "\"multi\nline\",,last\n"
      "\n"
      "4,5,6";
  auto rows = parse_csv(text, "t.csv", 3);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].fields[1], "x, y");
  EXPECT_EQ(rows[1].fields[2], "say \"hi\"");
  EXPECT_EQ(rows[2].fields[0], "multi\nline");
  EXPECT_EQ(rows[2].fields[1], "");
  EXPECT_EQ(rows[2].line, 3u);
  EXPECT_EQ(rows[3].line, 6u);  // line 5 is blank
  EXPECT_EQ(rows[3].fields[2], "6");
}

TEST(Csv, TrailingEmptyFieldIsKept) {
  auto rows = parse_csv("a,b,\n", "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].fields.size(), 3u);
  EXPECT_EQ(rows[0].fields[2], "");
}

TEST(Csv, WrongColumnCountNamesFileAndLine) {
  try {
    parse_csv("a,b,c\n1,2,3\n\"x\ny\",2\n", "bad.csv", 3);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "bad.csv:3");
    EXPECT_NE(std::string(e.what()).find("expected 3 columns, found 2"), std::string::npos);
    EXPECT_FALSE(e.hint().empty());
  }
}

TEST(Csv, UnterminatedQuoteNamesTheRecordLine) {
  try {
    parse_csv("a,b\n1,\"open\n2,3\n", "bad.csv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "bad.csv:2");
  }
}

TEST(Csv, StrayQuoteIsAnError) {
  EXPECT_THROW(parse_csv("a,b\"c\n", "bad.csv"), Error);
  EXPECT_THROW(parse_csv("\"a\"b,c\n", "bad.csv"), Error);
}

TEST(Csv, ReadCsvMissingFileThrows) {
  EXPECT_THROW(read_csv(test_util::scratch("does-not-exist.csv")), Error);
}

TEST(Csv, OversizedFieldNamesFileAndLineInsteadOfReachingTheModel) {
  // A quoted field that never closes before 1 MiB (here 2 MiB of text), and an unquoted one.
  for (bool quoted : {true, false}) {
    std::string big(2u << 20, 'x');
    std::string text = "q,a\nshort,1\n" + std::string(quoted ? "\"" : "") + big + (quoted ? "\"" : "") + ",2\n";
    try {
      parse_csv(text, "big.csv", 2);
      FAIL() << "no error";
    } catch (const Error& e) {
      std::string m = e.what();
      EXPECT_NE(m.find("big.csv:3"), std::string::npos) << m.substr(0, 300);
      EXPECT_NE(m.find("1 MiB"), std::string::npos) << m.substr(0, 300);
      EXPECT_LT(m.size(), 400u);
    }
  }
  // Exactly the limit is accepted.
  auto rows = parse_csv("a\n" + std::string(kMaxCsvFieldBytes, 'y') + "\n", "ok.csv", 1);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].fields[0].size(), kMaxCsvFieldBytes);
}
