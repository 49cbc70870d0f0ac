// Tests of the Llama-family model: KV cache vs full recomputation, left padding, GQA grouping,
// Qwen2 biases, llama3 RoPE scaling, classifier head, pooling and LoRA. Expected values are
// computed independently here (scalar formulas, equivalent dense models), never copied outputs.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/core/error.h"
#include "laser/model/causal_lm.h"
#include "model/tiny_model.h"

using namespace laser;
using laser::testing::make_model;
using laser::testing::left_pad_rows;
using laser::testing::max_abs_diff;
using laser::testing::tiny_config;

namespace {

std::pair<torch::Tensor, torch::Tensor> right_pad(const std::vector<std::vector<int64_t>>& rows) {
  int64_t T = 0;
  for (auto& r : rows) T = std::max<int64_t>(T, r.size());
  auto ids = torch::zeros({(int64_t)rows.size(), T}, torch::kLong), mask = torch::zeros_like(ids);
  for (size_t b = 0; b < rows.size(); ++b)
    for (size_t t = 0; t < rows[b].size(); ++t) {
      ids[b][t] = rows[b][t];
      mask[b][t] = 1;
    }
  return {ids, mask};
}

}  // namespace

TEST(CausalLM, GreedyWithKVCacheEqualsFullRecomputationEveryStep) {
  for (std::string arch : {"llama", "qwen2"}) {
    auto m = make_model(tiny_config(arch), 3);
    torch::NoGradGuard ng;
    std::vector<int64_t> seq = {5, 17, 42, 7, 99};
    model::KVCache cache;
    auto logits = m->forward(laser::testing::ids_tensor(seq), {}, &cache).select(1, -1);  // (1,V)
    for (int step = 0; step < 12; ++step) {
      auto full = m->forward(laser::testing::ids_tensor(seq)).select(1, -1);
      ASSERT_LT(max_abs_diff(logits, full), 1e-4) << arch << " step " << step;
      int64_t next = full.argmax(-1).item<int64_t>();
      seq.push_back(next);
      logits = m->forward(laser::testing::ids_tensor({next}), {}, &cache).select(1, -1);
      ASSERT_EQ(cache.length(), (int64_t)seq.size());
    }
  }
}

TEST(CausalLM, CacheGrowsPastItsReservation) {
  auto m = make_model(tiny_config(), 4);
  torch::NoGradGuard ng;
  std::vector<int64_t> seq = {1, 2, 3};
  model::KVCache cache;
  cache.reserve(4);  // forces reallocation while decoding
  auto logits = m->forward(laser::testing::ids_tensor(seq), {}, &cache).select(1, -1);
  for (int step = 0; step < 6; ++step) {
    int64_t next = (step * 37 + 11) % 300;
    seq.push_back(next);
    logits = m->forward(laser::testing::ids_tensor({next}), {}, &cache).select(1, -1);
  }
  EXPECT_GE(cache.capacity(), cache.length());
  auto full = m->forward(laser::testing::ids_tensor(seq)).select(1, -1);
  EXPECT_LT(max_abs_diff(logits, full), 1e-4);
}

TEST(CausalLM, LeftPaddedBatchGivesEachRowItsOwnLogits) {
  auto m = make_model(tiny_config(), 5);
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> rows = {{3, 4, 5}, {10, 11, 12, 13, 14, 15, 16}, {200, 1, 2, 9, 8}};
  auto [ids, mask] = left_pad_rows(rows);
  auto batch = m->forward(ids, mask);  // (B,T,V)
  int64_t T = ids.size(1);
  for (size_t b = 0; b < rows.size(); ++b) {
    auto alone = m->forward(laser::testing::ids_tensor(rows[b]))[0];  // (L,V)
    int64_t L = rows[b].size();
    EXPECT_LT(max_abs_diff(batch[b].narrow(0, T - L, L), alone), 1e-4) << "row " << b;
  }
  // Decoding continues correctly from a left-padded, cached prefix.
  model::KVCache cache;
  auto last = m->forward(ids, mask, &cache).select(1, -1);
  auto next = last.argmax(-1);  // (B)
  auto mask2 = torch::cat({mask, torch::ones({(int64_t)rows.size(), 1}, torch::kLong)}, 1);
  auto step = m->forward(next.view({-1, 1}), mask2, &cache).select(1, 0);
  for (size_t b = 0; b < rows.size(); ++b) {
    auto r = rows[b];
    r.push_back(next[b].item<int64_t>());
    auto alone = m->forward(laser::testing::ids_tensor(r)).select(1, -1)[0];
    EXPECT_LT(max_abs_diff(step[b], alone), 1e-4) << "row " << b;
  }
}

TEST(CausalLM, OneRowProductsMatchTheMatrixPathAndKeepGradients) {
  // A decoding step at batch 1 goes through matrix-vector products (Linear and the tied head);
  // they must give what the matrix-matrix path gives, and training (grad mode) must keep autograd.
  model::Linear lin(16, 8, true);
  {
    torch::NoGradGuard ng;
    lin->weight.normal_(0, 0.3);
    lin->bias.normal_(0, 0.3);
  }
  auto x = torch::randn({1, 1, 16});
  {
    torch::NoGradGuard ng;
    auto y = lin->forward(x);
    auto ref = torch::nn::functional::linear(x.view({1, 16}), lin->weight, lin->bias).view({1, 1, 8});
    ASSERT_EQ(y.sizes(), ref.sizes());
    EXPECT_LT(max_abs_diff(y, ref), 1e-5);
  }
  lin->forward(x).sum().backward();
  ASSERT_TRUE(lin->weight.grad().defined());
  EXPECT_LT(max_abs_diff(lin->weight.grad(), x.view({1, 16}).expand({8, 16})), 1e-6);  // d sum(Wx)/dW = x per row
  auto cfg = tiny_config();
  cfg.tie_word_embeddings = true;
  auto m = make_model(cfg, 8);
  torch::NoGradGuard ng;
  auto h = torch::randn({1, 1, m->config().hidden_size});
  auto ref = torch::matmul(h, m->model->embed_tokens->weight.t());  // (1,1,V)
  auto got = m->lm_logits(h);
  ASSERT_EQ(got.sizes(), ref.sizes());
  EXPECT_LT(max_abs_diff(got, ref), 1e-5);
}

TEST(CausalLM, SelectRowsExpandsAPrefilledCache) {
  auto m = make_model(tiny_config(), 6);
  torch::NoGradGuard ng;
  auto [ids, mask] = left_pad_rows({{7, 8, 9}, {1, 2, 3, 4, 5}});
  model::KVCache cache;
  m->forward(ids, mask, &cache);
  auto idx = torch::tensor({1, 1, 0, 1}, torch::kLong);
  cache.select_rows(idx);
  auto m2 = mask.index_select(0, idx);
  m2 = torch::cat({m2, torch::ones({4, 1}, torch::kLong)}, 1);
  auto next = torch::tensor({20, 21, 22, 23}, torch::kLong).view({4, 1});
  auto got = m->forward(next, m2, &cache).select(1, 0);  // (4,V)
  std::vector<std::vector<int64_t>> expect_rows = {{1, 2, 3, 4, 5, 20}, {1, 2, 3, 4, 5, 21}, {7, 8, 9, 22}, {1, 2, 3, 4, 5, 23}};
  for (int b = 0; b < 4; ++b) {
    auto alone = m->forward(laser::testing::ids_tensor(expect_rows[b])).select(1, -1)[0];
    EXPECT_LT(max_abs_diff(got[b], alone), 1e-4) << b;
  }
}

TEST(CausalLM, GroupedQueryAttentionEqualsMHAWithRepeatedKV) {
  // A GQA model (4 heads, 2 kv heads) must equal an MHA model whose k/v projections repeat each
  // kv head for its group of query heads (HF repeat_kv: head h uses kv head h / (H/H_kv)).
  auto cg = tiny_config();
  auto gqa = make_model(cg, 7);
  auto cm = cg;
  cm.num_key_value_heads = cm.num_attention_heads;
  model::CausalLM mha(cm);
  torch::NoGradGuard ng;
  auto src = gqa->named_parameters(true);
  int64_t D = cg.get_head_dim(), rep = cg.num_attention_heads / cg.num_key_value_heads;
  for (auto& p : mha->named_parameters(true)) {
    auto s = src[p.key()];
    const std::string& n = p.key();
    bool kv = n.find("k_proj.weight") != std::string::npos || n.find("v_proj.weight") != std::string::npos;
    if (kv) {
      // (Hkv*D, d) -> (Hkv, D, d) -> repeat each head rep times -> (H*D, d)
      auto w = s.view({cg.num_key_value_heads, D, -1}).repeat_interleave(rep, 0).reshape({-1, s.size(1)});
      p.value().copy_(w);
    } else {
      p.value().copy_(s);
    }
  }
  mha->eval();
  auto [ids, mask] = left_pad_rows({{3, 4, 5, 6}, {9, 8, 7, 6, 5, 4}});
  EXPECT_LT(max_abs_diff(gqa->forward(ids, mask), mha->forward(ids, mask)), 1e-5);
}

TEST(CausalLM, Qwen2HasQKVBiasButNoOutputBias) {
  auto m = make_model(tiny_config("qwen2"), 8);
  auto params = m->named_parameters(true);
  for (const char* n : {"q_proj", "k_proj", "v_proj"})
    EXPECT_TRUE(params.contains(std::string("model.layers.0.self_attn.") + n + ".bias")) << n;
  EXPECT_FALSE(params.contains("model.layers.0.self_attn.o_proj.bias"));
  EXPECT_EQ(params["model.layers.1.self_attn.k_proj.bias"].size(0), 2 * 8);
  // The biases are used: zeroing the v bias changes the logits.
  torch::NoGradGuard ng;
  auto ids = laser::testing::ids_tensor({1, 2, 3, 4});
  auto before = m->forward(ids);
  params["model.layers.0.self_attn.v_proj.bias"].zero_();
  EXPECT_GT(max_abs_diff(before, m->forward(ids)), 1e-4);
  auto llama = make_model(tiny_config("llama"), 8);
  EXPECT_FALSE(llama->named_parameters(true).contains("model.layers.0.self_attn.q_proj.bias"));
}

TEST(CausalLM, Llama3RopeScalingMatchesIndependentFormula) {
  auto c = tiny_config();
  c.hidden_size = 512;  // head_dim 128 as in Llama 3.1 8B
  c.intermediate_size = 64;
  c.num_hidden_layers = 1;
  c.rope_theta = 500000.0;
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = 8.0;
  c.rope_scaling.low_freq_factor = 1.0;
  c.rope_scaling.high_freq_factor = 4.0;
  c.rope_scaling.original_max_position_embeddings = 8192;
  model::CausalLM m(c);
  auto inv = m->rope_inv_freq();
  ASSERT_EQ(inv.size(0), 64);
  int n_low = 0, n_mid = 0, n_high = 0;
  for (int i = 0; i < 64; ++i) {
    double f = std::pow(500000.0, -(2.0 * i) / 128.0);
    double wavelen = 2 * M_PI / f;
    double expect;
    if (wavelen < 8192.0 / 4.0) { expect = f; ++n_high; }
    else if (wavelen > 8192.0 / 1.0) { expect = f / 8.0; ++n_low; }
    else {
      double s = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
      expect = (1 - s) * f / 8.0 + s * f;
      ++n_mid;
    }
    EXPECT_NEAR(inv[i].item<double>() / expect, 1.0, 1e-6) << "i=" << i;
  }
  EXPECT_GT(n_low, 0);  // all three regimes are exercised
  EXPECT_GT(n_mid, 0);
  EXPECT_GT(n_high, 0);
  // Linear scaling divides every frequency.
  c.rope_scaling = {};
  c.rope_scaling.type = "linear";
  c.rope_scaling.factor = 4.0;
  model::CausalLM lin(c);
  EXPECT_NEAR(lin->rope_inv_freq()[10].item<double>() / (std::pow(500000.0, -20.0 / 128.0) / 4.0), 1.0, 1e-6);
}

TEST(CausalLM, RotaryEmbeddingIsRelative) {
  // With RoPE, attention depends on relative positions only: the logits of a sequence do not
  // change when it is preceded by left padding (positions restart at 0 on the first real token),
  // and a model without padding but shifted positions would differ. Checked through padding.
  auto m = make_model(tiny_config(), 9);
  torch::NoGradGuard ng;
  auto ids = laser::testing::ids_tensor({4, 5, 6});
  auto padded = laser::testing::ids_tensor({0, 0, 4, 5, 6});
  auto mask = laser::testing::ids_tensor({0, 0, 1, 1, 1});
  auto a = m->forward(ids)[0];
  auto b = m->forward(padded, mask)[0].narrow(0, 2, 3);
  EXPECT_LT(max_abs_diff(a, b), 1e-4);
  // Treating the pads as real tokens changes the result (the mask is honoured).
  auto c = m->forward(padded)[0].narrow(0, 2, 3);
  EXPECT_GT(max_abs_diff(a, c), 1e-3);
}

TEST(CausalLM, ClassifierReadsLastNonPadTokenUnderLeftAndRightPadding) {
  auto c = tiny_config();
  c.architecture = "LlamaForSequenceClassification";
  c.num_labels = 3;
  auto m = make_model(c, 10);
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> rows = {{3, 4, 5}, {10, 11, 12, 13, 14}, {7}};
  auto [li, lm] = left_pad_rows(rows);
  auto [ri, rm] = right_pad(rows);
  auto left = m->classify(li, lm), right = m->classify(ri, rm);
  ASSERT_EQ(left.sizes(), (std::vector<int64_t>{3, 3}));
  for (size_t b = 0; b < rows.size(); ++b) {
    auto ids = laser::testing::ids_tensor(rows[b]);
    auto alone = m->classify(ids)[0];
    // Independent: score head applied to the final hidden state of the last token.
    auto h = m->hidden_states(ids).select(1, -1)[0];
    auto expect = torch::matmul(m->score->weight, h);
    EXPECT_LT(max_abs_diff(alone, expect), 1e-5);
    EXPECT_LT(max_abs_diff(left[b], alone), 1e-4) << "left row " << b;
    EXPECT_LT(max_abs_diff(right[b], alone), 1e-4) << "right row " << b;
  }
  EXPECT_THROW(m->forward(li, lm), Error);
}

TEST(CausalLM, EmbedPoolingVariants) {
  auto m = make_model(tiny_config(), 11);
  torch::NoGradGuard ng;
  std::vector<std::vector<int64_t>> rows = {{3, 4, 5}, {10, 11, 12, 13, 14}};
  auto [ids, mask] = left_pad_rows(rows);
  auto W = m->model->embed_tokens->weight;
  auto mi = m->embed(ids, mask, model::parse_pooling("mean-input"));
  auto la = m->embed(ids, mask, model::parse_pooling("last-input"));
  auto mh = m->embed(ids, mask, model::parse_pooling("mean-hidden"));
  auto lh = m->embed(ids, mask, model::parse_pooling("last-hidden"));
  ASSERT_EQ(mi.sizes(), (std::vector<int64_t>{2, 32}));
  for (size_t b = 0; b < rows.size(); ++b) {
    auto r = torch::tensor(rows[b], torch::kLong);
    EXPECT_LT(max_abs_diff(mi[b], W.index_select(0, r).mean(0)), 1e-6);
    EXPECT_LT(max_abs_diff(la[b], W[rows[b].back()]), 1e-6);
    auto h = m->hidden_states(laser::testing::ids_tensor(rows[b]))[0];  // (L,d)
    EXPECT_LT(max_abs_diff(mh[b], h.mean(0)), 1e-4);
    EXPECT_LT(max_abs_diff(lh[b], h[-1]), 1e-4);
  }
  EXPECT_EQ(model::pooling_name(model::parse_pooling("last-hidden")), "last-hidden");
  EXPECT_THROW(model::parse_pooling("max-input"), Error);
}

TEST(CausalLM, LoraStartsAsIdentityAndMergesExactly) {
  auto m = make_model(tiny_config(), 12);
  torch::NoGradGuard ng;
  auto [ids, mask] = left_pad_rows({{3, 4, 5}, {10, 11, 12, 13, 14}});
  auto base = m->forward(ids, mask);
  model::LoraSpec spec;
  spec.r = 4;
  spec.alpha = 8;
  auto names = m->add_lora(spec, {"q_proj", "v_proj"});
  EXPECT_EQ(names.size(), 4u);  // 2 layers x {q, v}
  EXPECT_TRUE(m->has_lora());
  EXPECT_LT(max_abs_diff(m->forward(ids, mask), base), 1e-6);  // B = 0
  // Train-like change of B: adapters now matter.
  auto gen = at::detail::createCPUGenerator(77);
  for (auto& [n, l] : m->linears())
    if (l->has_lora()) l->lora_B.copy_(at::normal(0.0, 0.3, l->lora_B.sizes(), gen, torch::TensorOptions()));
  auto adapted = m->forward(ids, mask);
  EXPECT_GT(max_abs_diff(adapted, base), 1e-3);
  m->set_lora_enabled(false);
  EXPECT_LT(max_abs_diff(m->forward(ids, mask), base), 1e-6);
  m->set_lora_enabled(true);
  // hf_state never contains adapters.
  for (auto& [n, t] : m->hf_state()) EXPECT_EQ(n.find("lora_"), std::string::npos) << n;
  m->merge_lora();
  EXPECT_FALSE(m->has_lora());
  EXPECT_LT(max_abs_diff(m->forward(ids, mask), adapted), 1e-5);
  EXPECT_THROW(m->add_lora(spec, {"no_such_proj"}), Error);
}

TEST(CausalLM, RejectsOutOfVocabularyIds) {
  auto m = make_model(tiny_config(), 13);
  torch::NoGradGuard ng;
  EXPECT_THROW(m->forward(laser::testing::ids_tensor({1, 300})), Error);
  EXPECT_THROW(m->forward(torch::zeros({3}, torch::kLong)), Error);
}

TEST(ModelConfig, PresetsAndParameterCount) {
  for (auto& name : model::preset_names()) {
    auto c = model::preset_config(name, 32000);
    model::CausalLM m(c);
    int64_t n = 0;
    for (auto& p : m->parameters()) n += p.numel();
    EXPECT_EQ(n, c.num_parameters()) << name;
  }
  auto c20 = model::preset_config("20m", 32000);
  EXPECT_GT(c20.num_parameters(), 15'000'000);
  EXPECT_LT(c20.num_parameters(), 30'000'000);
  EXPECT_THROW(model::preset_config("huge", 100), Error);
}

TEST(ModelConfig, ParsesHFConfigAndRoundTrips) {
  nlohmann::json j = {{"architectures", {"Qwen2ForCausalLM"}}, {"model_type", "qwen2"}, {"vocab_size", 1000},
                      {"hidden_size", 64}, {"intermediate_size", 128}, {"num_hidden_layers", 2},
                      {"num_attention_heads", 8}, {"num_key_value_heads", 2}, {"rope_theta", 1e6},
                      {"rms_norm_eps", 1e-6}, {"tie_word_embeddings", true}, {"eos_token_id", {5, 6}},
                      {"sliding_window", 4096}};
  auto c = model::ModelConfig::from_json(j, "config.json");
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_EQ(c.get_head_dim(), 8);
  EXPECT_EQ(*c.eos_token_id, 5);
  auto back = c.to_json();
  EXPECT_EQ(back["sliding_window"], 4096);  // unknown keys survive
  auto c2 = model::ModelConfig::from_json(back, "back");
  EXPECT_EQ(c2.num_key_value_heads, 2);
  EXPECT_DOUBLE_EQ(c2.rope_theta, 1e6);
  auto bad = j;
  bad["num_key_value_heads"] = 3;
  try {
    model::ModelConfig::from_json(bad, "cfg.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.json"), std::string::npos);
  }
  bad = j;
  bad["model_type"] = "gpt2";
  EXPECT_THROW(model::ModelConfig::from_json(bad, "cfg.json"), Error);
}
