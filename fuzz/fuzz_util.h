// Helpers shared by the libFuzzer targets in fuzz/: the input as a file (the loaders read paths),
// splitting one input into several files, and the rule every target checks: a parser may throw
// laser::Error (a one-line, expected refusal); any other exception, signal or sanitizer report
// is a finding. Not part of liblaser; built only with -DLASER_FUZZ=ON (scripts/fuzz.sh).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "laser/core/error.h"
#include "laser/text/tokenizer.h"

namespace laser::fuzz {

// A per-process scratch directory (in /dev/shm when there is one: no disk writes per input).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string d = base + "/laser-fuzz-" + std::to_string(getpid());
    std::string cmd = "mkdir -p '" + d + "'";
    if (std::system(cmd.c_str()) != 0) std::abort();
    return d;
  }();
  return dir;
}

// Writes bytes to scratch_dir()/name and returns the path.
inline std::string write_input(const std::string& name, std::string_view bytes) {
  std::string p = scratch_dir() + "/" + name;
  FILE* f = std::fopen(p.c_str(), "wb");
  if (!f) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
  std::fclose(f);
  return p;
}

// Removes scratch_dir()/name, so that a file from an earlier input (a loader may look for
// tokenizer_config.json next to the file it reads) does not change this input's outcome.
inline void remove_input(const std::string& name) { ::unlink((scratch_dir() + "/" + name).c_str()); }

// Splits `data` at each occurrence of `sep` into at most `parts` pieces (the last keeps the rest).
inline std::vector<std::string_view> split_input(std::string_view data, std::string_view sep, size_t parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < parts) {
    size_t p = data.find(sep);
    if (p == std::string_view::npos) break;
    out.push_back(data.substr(0, p));
    data.remove_prefix(p + sep.size());
  }
  out.push_back(data);
  return out;
}

// Runs fn; a laser::Error is an accepted outcome (its message must be one line), anything else
// propagates to libFuzzer, which reports it as a crash.
template <class F>
void expect_only_laser_errors(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    std::string_view m = e.what();
    if (m.find('\n') != std::string_view::npos) {
      std::fprintf(stderr, "multi-line laser::Error: %s\n", e.what());
      std::abort();
    }
  }
}

// Uses a tokenizer the way laser does after loading it: encodes fixed strings and `text` (with
// and without specials), decodes the ids, decodes ids taken from `text`'s bytes (some out of
// range), and names a few ids.
inline void exercise_tokenizer(const text::Tokenizer& tok, std::string_view text) {
  std::string t(text.substr(0, 256));
  for (const std::string& s : {std::string("Hello world! 123 \xc3\xa9t\xc3\xa9 <s> <|eot_id|>\n\n  x"), t}) {
    for (bool special : {true, false}) {
      auto ids = tok.encode(s, special);
      (void)tok.decode(ids, false);
      (void)tok.decode(ids, true);
    }
  }
  std::vector<int32_t> ids;
  for (size_t i = 0; i + 1 < t.size() && ids.size() < 16; i += 2)
    ids.push_back(static_cast<int32_t>((static_cast<uint8_t>(t[i]) << 8 | static_cast<uint8_t>(t[i + 1])) % (tok.vocab_size() + 8)) - 4);
  expect_only_laser_errors([&] { (void)tok.decode(ids, false); });
  for (int32_t id : {0, 1, tok.vocab_size() - 1})
    if (id >= 0 && id < tok.vocab_size()) (void)tok.id_to_token(id);
  (void)tok.bos_id();
  (void)tok.eos_id();
  (void)tok.stop_ids();
}

}  // namespace laser::fuzz
