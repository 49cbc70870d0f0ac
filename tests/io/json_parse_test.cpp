// Tests of hostile inputs to io/'s parsers: parse_json's depth limit and error positions, and the
// same defects reaching it through JSONL rows, whole JSON files and safetensors headers (nesting
// 100,000 levels deep, numbers such as 1e999, shapes whose byte count overflows). Each must be a
// one-line laser::Error naming the input, never a crash or an nlohmann exception.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/json_parse.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"

using namespace laser;

namespace {

std::string case_tmp(const std::string& name) {
  // One folder per test: ctest runs tests as parallel processes.
  std::string d = io::join_path(io::join_path(LASER_TEST_TMP, "io"), ::testing::UnitTest::GetInstance()->current_test_info()->name());
  io::make_dirs(d);
  return io::join_path(d, name);
}

std::string nested(size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

// Runs fn expecting a one-line laser::Error whose message holds every needle.
void expect_call_error(const std::function<void()>& fn, const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    for (auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' not in: " << m;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a laser::Error: " << e.what();
  }
}

void write_safetensors_raw(const std::string& path, const std::string& header, const std::string& data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  io::write_file_atomic(path, out + header + data);
}

}  // namespace

TEST(ParseJson, AcceptsNestingUpToTheLimitAndRefusesDeeper) {
  auto ok = io::parse_json(nested(io::kMaxJsonDepth), "t");
  const io::json* p = &ok;
  for (size_t i = 0; i < io::kMaxJsonDepth; ++i) p = &(*p)[0];
  EXPECT_EQ(*p, 1);
  expect_call_error([] { io::parse_json(nested(io::kMaxJsonDepth + 1), "t.json"); },
               {"t.json:1:" + std::to_string(io::kMaxJsonDepth + 1), "deeper than 128"});
  // Objects count as levels too; brackets inside strings do not.
  std::string objs;
  for (size_t i = 0; i < 200; ++i) objs += "{\"a\":";
  objs += "1" + std::string(200, '}');
  expect_call_error([&] { io::parse_json(objs, "o.json"); }, {"o.json", "deeper than"});
  EXPECT_EQ(io::parse_json("[\"" + std::string(1000, '[') + "\"]", "s")[0].get<std::string>().size(), 1000u);
}

TEST(ParseJson, HundredThousandLevelsAreRefusedNotACrash) {
  // What a hostile request or file holds: 195 KiB of brackets. Before the limit, this overflowed
  // the stack (segfault) in the recursive copy or dump of the parsed value.
  std::string deep = "{\"query\": [\"x\"], \"labels\": [" + nested(100000) + "]}";
  expect_call_error([&] { io::parse_json(deep, "request body", /*where_is_file=*/false); },
               {"request body", "deeper than 128 levels", "at column"});
  expect_call_error([&] { io::parse_json(std::string(100000, '['), "f.json"); }, {"f.json:1:129", "deeper than"});  // unclosed, too
}

TEST(ParseJson, SyntaxErrorsAndNumberOverflowNameThePosition) {
  expect_call_error([] { io::parse_json("{\n  \"a\": 1,\n  \"b\": x\n}", "c.json"); }, {"c.json:3:", "invalid JSON", "invalid literal"});
  expect_call_error([] { io::parse_json("{\"a\": 1e999}", "row", false); }, {"row", "at column", "number overflow", "1e999"});
  expect_call_error([] { io::parse_json("{\"a\": 1}\n{\"b\": 2}", "two", false); }, {"two", "at line 2"});
  expect_call_error([] { io::parse_json("", "empty.json"); }, {"empty.json", "invalid JSON"});
  expect_call_error([] { io::parse_json("[1, 2", "cut.json"); }, {"cut.json", "invalid JSON"});
  // Integers beyond 64 bits become doubles, as in nlohmann; only non-finite values are refused.
  EXPECT_TRUE(io::parse_json("123456789012345678901234567890", "big").is_number_float());
  // A very long bad token does not make a very long message.
  try {
    io::parse_json("\"" + std::string(100000, 'a') + "\x01\"", "long");
    FAIL();
  } catch (const Error& e) {
    EXPECT_LT(std::strlen(e.what()), 600u);
  }
}

TEST(Jsonl, DeepNestingAndHugeNumbersNameFileAndLine) {
  std::string p = case_tmp("hostile.jsonl");
  io::write_file_atomic(p, "{\"a\": 1}\n{\"a\": " + nested(100000) + "}\n");
  expect_call_error([&] { io::read_jsonl(p); }, {p + ":2", "deeper than"});
  io::write_file_atomic(p, "{\"a\": 1}\n{\"a\": 1e999}\n");
  expect_call_error([&] { io::read_jsonl(p); }, {p + ":2", "number overflow"});
  io::write_file_atomic(p, "{\"a\": -1e999}\n");
  expect_call_error([&] { io::read_jsonl(p); }, {p + ":1", "number overflow"});
}

TEST(ReadJson, DeepNestingAndSyntaxErrorsNameFileLineColumn) {
  std::string p = case_tmp("deep.json");
  io::write_file_atomic(p, "{\n\"x\": " + nested(100000) + "}\n");
  expect_call_error([&] { io::read_json(p); }, {p + ":2:", "deeper than"});
  io::write_file_atomic(p, "{\n  \"x\": 1,\n}\n");
  expect_call_error([&] { io::read_json(p); }, {p + ":3:", "invalid JSON"});
}

TEST(Safetensors, DeeplyNestedMetadataIsRefused) {
  std::string p = case_tmp("deep_meta.safetensors");
  write_safetensors_raw(p, "{\"__metadata__\": {\"x\": " + nested(100000) + "}}", "");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "not valid JSON", "deeper than"});
  write_safetensors_raw(p, "{\"__metadata__\": {\"x\": 1e999}}", "");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "not valid JSON", "number overflow"});
}

TEST(Safetensors, ShapesWhoseByteCountOverflowsAreRefused) {
  std::string p = case_tmp("overflow.safetensors");
  // 2^32 * 2^32 elements wraps to 0 in 64 bits: it must not pass as an empty tensor.
  write_safetensors_raw(p, R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", "");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "more than 2^63 bytes"});
  // 2^62 F32 elements: the element count fits, the byte count does not.
  write_safetensors_raw(p, R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", "");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "more than 2^63 bytes"});
  write_safetensors_raw(p, R"({"w":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,0]}})", "");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "dimension"});
  write_safetensors_raw(p, R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", "");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "dimension -1"});
  write_safetensors_raw(p, R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,0]}})", "");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "not an integer"});
  // Offsets: negative, fractional or beyond the data.
  write_safetensors_raw(p, R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[-4,0]}})", "abcd");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "non-negative integers"});
  write_safetensors_raw(p, R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4.0]}})", "abcd");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "non-negative integers"});
  write_safetensors_raw(p, R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[18446744073709551612,18446744073709551615]}})", "abcd");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "outside the data"});
  write_safetensors_raw(p, R"({"w":{"dtype":7,"shape":[4],"data_offsets":[0,4]}})", "abcd");
  expect_call_error([&] { io::SafetensorsFile f(p); }, {p, "tensor 'w'", "dtype must be a string"});
  // numel() itself refuses a wrapping shape instead of overflowing.
  io::TensorView v;
  v.shape = {int64_t{1} << 32, int64_t{1} << 32};
  EXPECT_THROW(v.numel(), Error);
  // Writing refuses such a shape too.
  EXPECT_THROW(io::write_safetensors(case_tmp("w.safetensors"), {{"x", "U8", {int64_t{1} << 32, int64_t{1} << 32}, ""}}), Error);
}
