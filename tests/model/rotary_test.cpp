// Tests of RoPE (model/rotary): the half-split rotation equals x*cos + rotate_half(x)*sin bit for
// bit (HF's formula, written out here with cat and neg), on contiguous and transposed inputs and
// with autograd; the table's rows equal cos/sin of position times frequency computed per position.
#include <gtest/gtest.h>

#include "laser/model/rotary.h"
#include "model/tiny_model.h"

using namespace laser;
using laser::testing::tiny_config;

namespace {

// HF's apply_rotary_pos_emb: x*cos + rotate_half(x)*sin with cos/sin repeated over both halves.
torch::Tensor hf_rotary(const torch::Tensor& x, const torch::Tensor& cos_h, const torch::Tensor& sin_h) {
  int64_t h = x.size(-1) / 2;
  auto rot = torch::cat({-x.narrow(-1, h, h), x.narrow(-1, 0, h)}, -1);
  return x * torch::cat({cos_h, cos_h}, -1) + rot * torch::cat({sin_h, sin_h}, -1);
}

}  // namespace

TEST(Rotary, HalfSplitEqualsRotateHalfBitForBit) {
  torch::NoGradGuard ng;
  torch::manual_seed(3);
  const int64_t B = 3, H = 4, T = 5, D = 16;
  auto cos = torch::randn({B, 1, T, D / 2}), sin = torch::randn({B, 1, T, D / 2});
  // As attention produces it: a (B,T,H*D) projection viewed (B,T,H,D) and transposed.
  auto proj = torch::randn({B, T, H * D});
  auto x = proj.view({B, T, H, D}).transpose(1, 2);
  auto got = model::apply_rotary(x, cos, sin);
  auto want = hf_rotary(x, cos, sin);
  EXPECT_TRUE(torch::equal(got, want));
  EXPECT_EQ(got.strides(), want.strides());  // the layout x*cos has, so later reshapes copy the same way
  auto xc = x.contiguous();
  EXPECT_TRUE(torch::equal(model::apply_rotary(xc, cos, sin), hf_rotary(xc, cos, sin)));
  // One token (a decoding step) and bf16.
  auto x1 = torch::randn({B, H, 1, D}), c1 = torch::randn({B, 1, 1, D / 2}), s1 = torch::randn({B, 1, 1, D / 2});
  EXPECT_TRUE(torch::equal(model::apply_rotary(x1, c1, s1), hf_rotary(x1, c1, s1)));
  auto xb = x1.to(torch::kBFloat16), cb = c1.to(torch::kBFloat16), sb = s1.to(torch::kBFloat16);
  EXPECT_TRUE(torch::equal(model::apply_rotary(xb, cb, sb), hf_rotary(xb, cb, sb)));
  // bf16 activations with f32 factors (autocast over f32 weights): promoted to f32 like x*cos.
  auto mixed = model::apply_rotary(xb, c1, s1);
  EXPECT_EQ(mixed.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(mixed, hf_rotary(xb, c1, s1)));
}

TEST(Rotary, AutogradPathGivesTheSameValuesAndGradients) {
  torch::manual_seed(4);
  auto cos = torch::randn({2, 1, 3, 4}), sin = torch::randn({2, 1, 3, 4});
  auto x = torch::randn({2, 2, 3, 8}, torch::requires_grad());
  auto y = model::apply_rotary(x, cos, sin);
  auto y_ref = hf_rotary(x, cos, sin);
  EXPECT_TRUE(torch::equal(y, y_ref));
  auto w = torch::randn({2, 2, 3, 8});
  auto g = torch::autograd::grad({(y * w).sum()}, {x})[0];
  auto g_ref = torch::autograd::grad({(y_ref * w).sum()}, {x})[0];
  EXPECT_LT((g - g_ref).abs().max().item<double>(), 1e-6);
}

TEST(Rotary, TableRowsEqualPerPositionCosSinAndGrow) {
  auto c = tiny_config();
  model::RotaryTable rope(c);
  const auto& inv = rope.inv_freq();  // (D/2) f32
  ASSERT_EQ(inv.size(0), c.get_head_dim() / 2);
  auto pos = torch::tensor({0, 7, 3, 0, 1, 2}, torch::kLong).view({2, 3});
  auto [cs, sn] = rope.at(pos, 8, torch::kCPU, torch::kFloat32);
  ASSERT_EQ(cs.sizes(), (std::vector<int64_t>{2, 1, 3, inv.size(0)}));
  // The per-step computation the table replaces: f32 position times f32 frequency, f32 cos/sin.
  auto freqs = pos.to(torch::kFloat32).unsqueeze(-1) * inv.view({1, 1, -1});  // (2,3,D/2)
  EXPECT_TRUE(torch::equal(cs.squeeze(1), freqs.cos()));
  EXPECT_TRUE(torch::equal(sn.squeeze(1), freqs.sin()));
  // A later position grows the table; earlier rows keep their values.
  auto far = torch::tensor({1000, 7}, torch::kLong).view({2, 1});
  auto [cf, sf] = rope.at(far, 1001, torch::kCPU, torch::kFloat32);
  auto ff = far.to(torch::kFloat32).unsqueeze(-1) * inv.view({1, 1, -1});
  EXPECT_TRUE(torch::equal(cf.squeeze(1), ff.cos()));
  EXPECT_TRUE(torch::equal(sf.squeeze(1), ff.sin()));
  // Another dtype: the f32 values cast.
  auto [cb, sb] = rope.at(pos, 8, torch::kCPU, torch::kBFloat16);
  EXPECT_TRUE(torch::equal(cb.squeeze(1), freqs.cos().to(torch::kBFloat16)));
}
