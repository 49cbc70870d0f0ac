// Left padding of token rows (see left_pad.h).
#include "laser/model/left_pad.h"

#include <algorithm>

namespace laser::model {

LeftPadded left_pad(const std::vector<const std::vector<int32_t>*>& rows) {
  LeftPadded p;
  const int64_t B = static_cast<int64_t>(rows.size());
  for (auto* r : rows) p.length = std::max<int64_t>(p.length, static_cast<int64_t>(r->size()));
  p.ids = torch::zeros({B, p.length}, torch::kLong);
  p.mask = torch::zeros({B, p.length}, torch::kLong);
  auto ia = p.ids.accessor<int64_t, 2>();
  auto ma = p.mask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& r = *rows[b];
    const int64_t off = p.length - static_cast<int64_t>(r.size());
    for (size_t t = 0; t < r.size(); ++t) {
      ia[b][off + static_cast<int64_t>(t)] = r[t];
      ma[b][off + static_cast<int64_t>(t)] = 1;
    }
  }
  return p;
}

LeftPadded left_pad(const std::vector<std::vector<int32_t>>& rows) {
  std::vector<const std::vector<int32_t>*> ptrs;
  ptrs.reserve(rows.size());
  for (auto& r : rows) ptrs.push_back(&r);
  return left_pad(ptrs);
}

}  // namespace laser::model
