// Tests of io/: safetensors write/read round trip and validation of damaged files, JSONL reading
// with file:line errors and flushing writers, atomic file and directory writes.
// Torch-free: tensors are plain byte strings here.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"

using namespace laser;

namespace {

std::string tmp(const std::string& name) {
  std::string d = io::join_path(LASER_TEST_TMP, "io");
  io::make_dirs(d);
  return io::join_path(d, name);
}

std::string f32_bytes(const std::vector<float>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

// Loads `path` expecting a one-line laser::Error containing every needle.
void expect_error(const std::string& path, const std::vector<std::string>& needles) {
  try {
    io::SafetensorsFile f(path);
    FAIL() << "no error for " << path;
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos);
    for (auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' not in: " << m;
  }
}

// A raw safetensors file from a header string and data bytes.
void write_raw(const std::string& path, const std::string& header, const std::string& data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  io::write_file_atomic(path, out + header + data);
}

}  // namespace

TEST(Safetensors, RoundTripKeepsNamesDtypesShapesBytesAndMetadata) {
  std::string p = tmp("rt.safetensors");
  std::vector<io::TensorToWrite> ts = {
      {"b.weight", "F32", {2, 3}, f32_bytes({1, 2, 3, 4, 5, 6})},
      {"a.bias", "BF16", {3}, std::string("\x01\x02\x03\x04\x05\x06", 6)},
      {"empty", "F32", {0, 4}, ""},
      {"ids", "I64", {1}, std::string("\x07\0\0\0\0\0\0\0", 8)},
  };
  io::write_safetensors(p, ts, {{"format", "pt"}});
  std::string raw = io::read_file(p);
  uint64_t hl = 0;
  std::memcpy(&hl, raw.data(), 8);
  EXPECT_EQ((8 + hl) % 8, 0u);  // data starts 8-byte aligned
  io::SafetensorsFile f(p);
  EXPECT_EQ(f.names(), (std::vector<std::string>{"a.bias", "b.weight", "empty", "ids"}));
  EXPECT_EQ(f.metadata().at("format"), "pt");
  for (auto& t : ts) {
    auto& v = f.get(t.name);
    EXPECT_EQ(v.dtype, t.dtype);
    EXPECT_EQ(v.shape, t.shape);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.data), v.nbytes), t.bytes) << t.name;
  }
  EXPECT_EQ(f.get("b.weight").numel(), 6);
  EXPECT_TRUE(f.has("ids"));
  EXPECT_FALSE(f.has("nope"));
  try {
    f.get("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
  }
  // Writing refuses data that does not match the shape.
  EXPECT_THROW(io::write_safetensors(tmp("bad.safetensors"), {{"x", "F32", {3}, f32_bytes({1, 2})}}), Error);
}

TEST(Safetensors, DamagedFilesGiveOneLineErrorsNamingFileAndTensor) {
  std::string p = tmp("damaged.safetensors");
  std::string data = f32_bytes({1, 2, 3, 4});
  // Header length beyond the file.
  write_raw(p, R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data);
  std::string raw = io::read_file(p);
  raw[0] = static_cast<char>(0xff);
  raw[1] = static_cast<char>(0xff);
  io::write_file_atomic(p, raw);
  expect_error(p, {p, "header length", "beyond the file size"});
  // Shorter than the 8-byte length prefix.
  io::write_file_atomic(p, "abc");
  expect_error(p, {p, "too short"});
  // Truncated data: offsets beyond the data.
  write_raw(p, R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data.substr(0, 10));
  expect_error(p, {p, "tensor 'w'", "outside the data", "10 bytes"});
  // Shape and byte count disagree.
  write_raw(p, R"({"w":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", data);
  expect_error(p, {p, "tensor 'w'", "holds 16 bytes", "needs 20"});
  // Unknown dtype.
  write_raw(p, R"({"w":{"dtype":"Q4","shape":[4],"data_offsets":[0,16]}})", data);
  expect_error(p, {p, "tensor 'w'", "unknown dtype 'Q4'"});
  // Not JSON, not an object, missing fields, overlapping ranges.
  write_raw(p, "{not json", data);
  expect_error(p, {p, "not valid JSON"});
  write_raw(p, "[1,2]", data);
  expect_error(p, {p, "not a JSON object"});
  write_raw(p, R"({"w":{"dtype":"F32","shape":[4]}})", data);
  expect_error(p, {p, "tensor 'w'", "data_offsets"});
  write_raw(p, R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}})", data);
  expect_error(p, {p, "overlap"});
  write_raw(p, R"({"w":{"dtype":"F32","shape":["x"],"data_offsets":[0,16]}})", data);
  expect_error(p, {p, "malformed"});
  expect_error(tmp("does_not_exist.safetensors"), {"does_not_exist.safetensors", "cannot open"});
}

TEST(Jsonl, ReadsObjectsAndNamesFileLineOnErrors) {
  std::string p = tmp("a.jsonl");
  io::write_file_atomic(p, "{\"a\": 1}\n\n{\"a\": 2, \"s\": \"x\"}\n");
  auto v = io::read_jsonl(p);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1]["a"], 2);
  std::vector<std::string> wheres;
  io::for_each_jsonl(p, [&](const io::json&, const std::string& w) { wheres.push_back(w); });
  EXPECT_EQ(wheres, (std::vector<std::string>{p + ":1", p + ":3"}));
  EXPECT_EQ(io::json_str(v[1], "s", "here"), "x");
  try {
    io::json_str(v[0], "s", p + ":1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(p + ":1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'s'"), std::string::npos);
  }
  EXPECT_THROW(io::json_str(v[0], "a", "here"), Error);  // not a string
  io::write_file_atomic(p, "{\"a\": 1}\n{broken\n");
  try {
    io::read_jsonl(p);
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(p + ":2"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(Jsonl, WriterFlushesEachLineAndAppends) {
  std::string p = tmp("w.jsonl");
  io::remove_all(p);
  {
    io::JsonlWriter w(p, false);
    w.write({{"step", 1}});
    // Visible before the writer closes: each line is flushed.
    EXPECT_EQ(io::read_jsonl(p).size(), 1u);
    w.write({{"step", 2}, {"bad_utf8", std::string("\xff")}});
  }
  {
    io::JsonlWriter w(p, true);
    w.write({{"step", 3}});
  }
  auto v = io::read_jsonl(p);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2]["step"], 3);
  EXPECT_THROW(io::JsonlWriter(tmp("no_such_dir/x.jsonl"), false), Error);
}

TEST(AtomicWrite, ReplacesFilesAndDirectoriesWholeOrNotAtAll) {
  std::string p = tmp("atomic.txt");
  io::write_file_atomic(p, "first");
  io::write_file_atomic(p, "second");
  EXPECT_EQ(io::read_file(p), "second");
  // No temporary files are left beside it.
  for (auto& e : std::filesystem::directory_iterator(std::filesystem::path(p).parent_path()))
    EXPECT_EQ(e.path().filename().string().find("atomic.txt.tmp"), std::string::npos) << e.path();
  EXPECT_THROW(io::read_file(tmp("missing.txt")), Error);

  std::string d = tmp("atomic_dir");
  io::remove_all(d);
  io::write_dir_atomic(d, [](const std::string& t) { io::write_file_atomic(io::join_path(t, "a"), "1"); });
  EXPECT_EQ(io::read_file(io::join_path(d, "a")), "1");
  // A failing fill leaves the old directory untouched.
  EXPECT_THROW(io::write_dir_atomic(d,
                                    [](const std::string& t) {
                                      io::write_file_atomic(io::join_path(t, "a"), "2");
                                      throw Error("boom", "test", "");
                                    }),
               Error);
  EXPECT_EQ(io::read_file(io::join_path(d, "a")), "1");
  io::write_dir_atomic(d, [](const std::string& t) { io::write_file_atomic(io::join_path(t, "b"), "3"); });
  EXPECT_FALSE(io::file_exists(io::join_path(d, "a")));  // replaced as a whole
  EXPECT_EQ(io::read_file(io::join_path(d, "b")), "3");
}

TEST(AtomicWrite, LeftoversOfKilledWritersAreCleanedUp) {
  std::string d = tmp("leftovers");
  io::remove_all(d);
  // A child that is gone gives a pid nobody holds now.
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  int st = 0;
  waitpid(dead, &st, 0);
  std::string pid = std::to_string(dead);
  io::make_dirs(d + ".old-" + pid);  // killed between its two renames: the only copy
  io::make_dirs(d + ".tmp-" + pid);  // killed while filling
  io::make_dirs(d + ".tmp-1");       // pid 1 is alive: another writer's, left alone
  io::write_dir_atomic(d, [](const std::string& t) { io::write_file_atomic(io::join_path(t, "a"), "1"); });
  EXPECT_EQ(io::read_file(io::join_path(d, "a")), "1");
  EXPECT_FALSE(io::dir_exists(d + ".tmp-" + pid));
  EXPECT_FALSE(io::dir_exists(d + ".old-" + pid));  // stale once the new version is in place
  EXPECT_TRUE(io::dir_exists(d + ".tmp-1"));
  io::remove_all(d + ".tmp-1");
}
