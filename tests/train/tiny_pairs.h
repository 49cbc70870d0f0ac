// A small fixed preference batch for trainer tests: two prompts (4 and 7 tokens), each with one
// chosen response and three rejected ones of 2-4 tokens, rank-1-vs-rest style (pairs share their
// prompt and chosen response). `salt` shifts every token id; ids stay below `vocab`.
#pragma once
#include <cstdint>
#include <vector>

#include "laser/train/pairs.h"

namespace laser::testing {

inline std::vector<train::PreferencePair> tiny_pairs(int64_t vocab, uint64_t salt = 0) {
  std::vector<train::PreferencePair> ps;
  auto tok = [&](int a) { return static_cast<int32_t>((a * 7 + static_cast<int64_t>(salt) * 3) % vocab); };
  for (size_t p = 0; p < 2; ++p) {
    std::vector<int32_t> prompt;
    for (int i = 0; i < 4 + static_cast<int>(p) * 3; ++i) prompt.push_back(tok(i + 11 * static_cast<int>(p)));
    std::vector<int32_t> chosen{tok(1 + static_cast<int>(p)), tok(2), tok(3), tok(5)};
    for (int r = 0; r < 3; ++r) {
      std::vector<int32_t> rejected;
      for (int i = 0; i < 2 + r; ++i) rejected.push_back(tok(20 + i * (r + 1) + static_cast<int>(p)));
      ps.push_back({prompt, chosen, rejected, p});
    }
  }
  return ps;
}

}  // namespace laser::testing
