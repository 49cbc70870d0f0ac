// Tests of the in-place KV cache and the decoding step built on it: a step that takes positions
// and padding from the cache gives exactly the logits of a step given the whole mask, and the
// logits of a full forward over the sequence (left-padded batches, GQA, MHA, q/k/v bias);
// select_rows drops rows in place and expands once, keeping the right rows and their padding;
// k/v replaced by a caller (as train/sequence_logprobs does) are adopted.
#include <gtest/gtest.h>

#include "laser/model/causal_lm.h"
#include "model/tiny_model.h"

using namespace laser;
using laser::testing::make_model;
using laser::testing::left_pad_rows;
using laser::testing::max_abs_diff;
using laser::testing::tiny_config;

namespace {

model::ModelConfig config_named(const std::string& what) {
  if (what == "qwen2") return tiny_config("qwen2");  // GQA with q/k/v bias
  auto c = tiny_config();                           // llama, 4 heads / 2 kv heads
  if (what == "mha") c.num_key_value_heads = c.num_attention_heads;
  if (what == "gqa4") {  // 8 heads / 2 kv heads: 4 query heads per group
    c.num_attention_heads = 8;
    c.hidden_size = 64;
  }
  return c;
}

}  // namespace

TEST(DecodeStep, CachedStateEqualsTheMaskPathAndAFullForward) {
  for (std::string what : {"llama", "qwen2", "mha", "gqa4"}) {
    auto m = make_model(config_named(what), 21);
    torch::NoGradGuard ng;
    std::vector<std::vector<int64_t>> rows = {{3, 4, 5}, {10, 11, 12, 13, 14, 15, 16}, {200}, {7, 7, 8, 9, 1}};
    auto [ids, mask] = left_pad_rows(rows);
    const int64_t B = ids.size(0);
    model::KVCache fast, slow;  // fast: no mask at decoding steps; slow: the whole mask every step
    auto lf = m->forward(ids, mask, &fast).select(1, -1);
    auto ls = m->forward(ids, mask, &slow).select(1, -1);
    auto seq_ids = ids, seq_mask = mask;
    for (int step = 0; step < 9; ++step) {
      ASSERT_TRUE(torch::equal(lf, ls)) << what << " step " << step;
      // The last position of a full forward over the whole (padded) sequence.
      auto full = m->forward(seq_ids, seq_mask).select(1, -1);
      EXPECT_LT(max_abs_diff(lf, full), 1e-5) << what << " step " << step;
      auto next = lf.argmax(-1).view({B, 1});
      seq_ids = torch::cat({seq_ids, next}, 1);
      seq_mask = torch::cat({seq_mask, torch::ones({B, 1}, torch::kLong)}, 1);
      lf = m->forward(next, {}, &fast).select(1, 0);
      ls = m->forward(next, seq_mask, &slow).select(1, 0);
      ASSERT_EQ(fast.length(), seq_ids.size(1));
    }
    // Each row alone (its real tokens, no padding) agrees too.
    for (int64_t b = 0; b < B; ++b) {
      auto row = seq_ids[b].masked_select(seq_mask[b].to(torch::kBool)).view({1, -1});
      EXPECT_LT(max_abs_diff(lf[b], m->forward(row).select(1, -1)[0]), 1e-4) << what << " row " << b;
    }
  }
}

TEST(DecodeStep, StepsWithoutAMaskAfterAnUnpaddedPrefillAndPastTheReservation) {
  auto m = make_model(tiny_config(), 22);
  torch::NoGradGuard ng;
  std::vector<int64_t> seq = {1, 2, 3};
  model::KVCache cache;
  cache.reserve(4);  // the buffers (and the padding state) grow while decoding
  auto logits = m->forward(laser::testing::ids_tensor(seq), {}, &cache).select(1, -1);
  for (int step = 0; step < 7; ++step) {
    auto full = m->forward(laser::testing::ids_tensor(seq)).select(1, -1);
    ASSERT_LT(max_abs_diff(logits, full), 1e-5) << step;
    int64_t next = (step * 37 + 11) % 300;
    seq.push_back(next);
    logits = m->forward(laser::testing::ids_tensor({next}), {}, &cache).select(1, -1);
  }
  EXPECT_GE(cache.capacity(), cache.length());
  EXPECT_LT(max_abs_diff(logits, m->forward(laser::testing::ids_tensor(seq)).select(1, -1)), 1e-5);
  // The cache knows every position is real: counts equal the length.
  EXPECT_EQ(cache.real_count()[0].item<int64_t>(), cache.length());
}

TEST(KVCache, DroppingRowsCompactsInPlaceAndKeepsTheirPadding) {
  auto m = make_model(tiny_config(), 23);
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> rows = {{3, 4, 5}, {10, 11, 12, 13, 14, 15}, {200, 5}, {7, 8, 9, 1}, {42}};
  auto [ids, mask] = left_pad_rows(rows);
  model::KVCache cache;
  cache.reserve(ids.size(1) + 4);
  m->forward(ids, mask, &cache);
  auto k0 = cache.k[0].narrow(2, 0, cache.length()).clone(), v1 = cache.v[1].narrow(2, 0, cache.length()).clone();
  auto pad0 = cache.padding(cache.length()).clone();
  void* kp = cache.k[0].data_ptr();
  std::vector<int64_t> keep = {1, 3, 4};
  cache.select_rows(keep);
  ASSERT_EQ(cache.batch(), 3);
  EXPECT_EQ(cache.k[0].data_ptr(), kp);  // the same buffer, no allocation
  auto idx = torch::tensor(keep, torch::kLong);
  EXPECT_TRUE(torch::equal(cache.keys(0), k0.index_select(0, idx)));
  EXPECT_TRUE(torch::equal(cache.values(1), v1.index_select(0, idx)));
  EXPECT_TRUE(torch::equal(cache.padding(cache.length()), pad0.index_select(0, idx)));
  EXPECT_TRUE(torch::equal(cache.real_count(), mask.sum(1).index_select(0, idx)));
  // Decoding on continues each kept row as if it were alone.
  auto next = torch::tensor({20, 21, 22}, torch::kLong).view({3, 1});
  auto got = m->forward(next, {}, &cache).select(1, 0);
  for (int64_t i = 0; i < 3; ++i) {
    auto r = rows[keep[i]];
    r.push_back(20 + i);
    auto alone = m->forward(laser::testing::ids_tensor(r)).select(1, -1)[0];
    EXPECT_LT(max_abs_diff(got[i], alone), 1e-4) << i;
  }
  // Dropping the first row: every row moves down by one, in place.
  cache.select_rows(std::vector<int64_t>{1, 2});
  EXPECT_EQ(cache.k[0].data_ptr(), kp);
  auto got2 = m->forward(torch::tensor({30, 31}, torch::kLong).view({2, 1}), {}, &cache).select(1, 0);
  for (int64_t i = 0; i < 2; ++i) {
    auto r = rows[keep[i + 1]];
    r.push_back(21 + i);
    r.push_back(30 + i);
    EXPECT_LT(max_abs_diff(got2[i], m->forward(laser::testing::ids_tensor(r)).select(1, -1)[0]), 1e-4) << i;
  }
}

TEST(KVCache, ExpandingAllocatesOnceAtTheFinalSizeWithTheRightRows) {
  auto m = make_model(tiny_config("qwen2"), 24);
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> rows = {{7, 8, 9}, {1, 2, 3, 4, 5}};
  auto [ids, mask] = left_pad_rows(rows);
  model::KVCache cache;
  cache.reserve(8);
  m->forward(ids, mask, &cache);
  auto k1 = cache.keys(1).clone();
  std::vector<int64_t> idx = {0, 0, 0, 1, 1, 1};  // n = 3 samples per prompt (repeat_interleave)
  cache.select_rows(idx);
  ASSERT_EQ(cache.batch(), 6);
  EXPECT_EQ(cache.capacity(), 8);  // the reservation is kept
  EXPECT_TRUE(torch::equal(cache.keys(1), k1.index_select(0, torch::tensor(idx, torch::kLong))));
  auto next = torch::arange(40, 46, torch::kLong).view({6, 1});
  auto got = m->forward(next, {}, &cache).select(1, 0);
  for (int64_t i = 0; i < 6; ++i) {
    auto r = rows[idx[i]];
    r.push_back(40 + i);
    EXPECT_LT(max_abs_diff(got[i], m->forward(laser::testing::ids_tensor(r)).select(1, -1)[0]), 1e-4) << i;
  }
  // A reorder (not increasing) works too.
  cache.select_rows(torch::tensor({5, 0}, torch::kLong));
  auto got2 = m->forward(torch::tensor({50, 51}, torch::kLong).view({2, 1}), {}, &cache).select(1, 0);
  std::vector<std::vector<int64_t>> expect = {{1, 2, 3, 4, 5, 45, 50}, {7, 8, 9, 40, 51}};
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_LT(max_abs_diff(got2[i], m->forward(laser::testing::ids_tensor(expect[i])).select(1, -1)[0]), 1e-4) << i;
}

TEST(KVCache, AdoptsKeysAndValuesACallerReplaced) {
  // train/sequence_logprobs prefills the prompts, index_selects k/v to one row per response and
  // continues with the whole mask: the cache must take the caller's tensors as they are.
  auto m = make_model(tiny_config(), 25);
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> prompts = {{3, 4, 5}, {1, 2, 3, 4}};
  auto [pid, pmask] = left_pad_rows(prompts);
  model::KVCache cache;
  m->forward(pid, pmask, &cache);
  auto rows = torch::tensor({1, 0, 1}, torch::kLong);
  for (size_t l = 0; l < cache.k.size(); ++l) {
    cache.k[l] = cache.k[l].index_select(0, rows);
    cache.v[l] = cache.v[l].index_select(0, rows);
  }
  auto rid = torch::tensor({60, 61, 62, 63, 64, 0}, torch::kLong).view({3, 2});
  auto rmask = torch::tensor({1, 1, 1, 1, 1, 0}, torch::kLong).view({3, 2});
  auto full_mask = torch::cat({pmask.index_select(0, rows), rmask}, 1);
  auto got = m->forward(rid, full_mask, &cache).select(1, 0);  // (3,V): after the first response token
  std::vector<std::vector<int64_t>> expect = {{1, 2, 3, 4, 60}, {3, 4, 5, 62}, {1, 2, 3, 4, 64}};
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_LT(max_abs_diff(got[i], m->forward(laser::testing::ids_tensor(expect[i])).select(1, -1)[0]), 1e-4) << i;
  // A decoding step without a mask continues from the recorded mask (row 2's pad stays a pad).
  auto step = m->forward(torch::tensor({70, 71, 72}, torch::kLong).view({3, 1}), {}, &cache).select(1, 0);
  std::vector<std::vector<int64_t>> expect2 = {{1, 2, 3, 4, 60, 61, 70}, {3, 4, 5, 62, 63, 71}, {1, 2, 3, 4, 64, 72}};
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_LT(max_abs_diff(step[i], m->forward(laser::testing::ids_tensor(expect2[i])).select(1, -1)[0]), 1e-4) << i;
}

TEST(KVCache, GradientsFlowThroughACachedPrefixAsThroughAFullForward) {
  // Training scores responses after a cached prompt (train/sequence_logprobs): every layer's
  // append must leave the keys other layers saved for backward untouched.
  auto m = make_model(tiny_config(), 26);
  auto ids = torch::tensor({5, 6, 7, 8, 9, 10}, torch::kLong).view({1, 6});
  auto full = m->forward(ids);  // (1,6,V)
  auto w = torch::randn({1, 3, m->config().vocab_size});
  (full.narrow(1, 3, 3) * w).sum().backward();
  std::vector<torch::Tensor> want;
  for (auto& p : m->parameters()) want.push_back(p.grad().clone());
  m->zero_grad();
  model::KVCache cache;
  m->forward(ids.narrow(1, 0, 3), {}, &cache);
  auto rest = m->forward(ids.narrow(1, 3, 3), {}, &cache);  // (1,3,V)
  (rest * w).sum().backward();
  size_t i = 0;
  for (auto& p : m->parameters()) {
    ASSERT_TRUE(p.grad().defined());
    double scale = want[i].abs().max().item<double>();  // float rounding relative to the gradient's size
    EXPECT_LT(max_abs_diff(p.grad(), want[i]), 1e-5 * (1 + scale)) << "parameter " << i << ", largest |grad| " << scale;
    ++i;
  }
}
