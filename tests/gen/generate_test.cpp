// Tests of batched generation: greedy output equals a cache-free argmax loop, per-token log-probs
// equal teacher-forced ones, n samples per prompt in prompt-major order, seeded reproducibility
// independent of batch size, stop ids, stop strings and max_new_tokens.
#include <gtest/gtest.h>

#include <set>

#include "laser/core/error.h"
#include "laser/gen/generate.h"
#include "laser/gen/logprobs.h"
#include "laser/text/byte_tokenizer.h"
#include "model/tiny_model.h"

using namespace laser;
using laser::testing::make_model;
using laser::testing::tiny_config;

namespace {

// Greedy continuation without any cache: full forward of the whole sequence each step.
std::vector<int32_t> greedy_full(model::CausalLM& m, std::vector<int32_t> prompt, int steps, std::vector<float>* lps) {
  torch::NoGradGuard ng;
  std::vector<int32_t> out;
  for (int s = 0; s < steps; ++s) {
    std::vector<int64_t> ids(prompt.begin(), prompt.end());
    auto logits = m->forward(torch::tensor(ids, torch::kLong).view({1, -1})).select(1, -1)[0];
    int64_t next = logits.argmax().item<int64_t>();
    if (lps) lps->push_back(torch::log_softmax(logits, 0)[next].item<float>());
    out.push_back(static_cast<int32_t>(next));
    prompt.push_back(static_cast<int32_t>(next));
  }
  return out;
}

std::vector<std::vector<int32_t>> some_prompts() { return {{256, 72, 105}, {256, 1, 2, 3, 4, 5, 6, 7}, {256}, {256, 99, 98, 97, 96}}; }

}  // namespace

TEST(Generate, GreedyEqualsFullRecomputation) {
  auto m = make_model(tiny_config(), 31);
  gen::SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 10;
  p.batch_size = 3;  // chunks mix prompt lengths and force a second chunk
  auto prompts = some_prompts();
  auto out = gen::generate(m, nullptr, prompts, p);
  ASSERT_EQ(out.size(), prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    std::vector<float> lps;
    auto expect = greedy_full(m, prompts[i], 10, &lps);
    EXPECT_EQ(out[i].prompt_index, i);
    EXPECT_EQ(out[i].ids, expect) << "prompt " << i;
    EXPECT_EQ(out[i].finish_reason, "length");
    ASSERT_EQ(out[i].logprobs.size(), lps.size());
    for (size_t t = 0; t < lps.size(); ++t) EXPECT_NEAR(out[i].logprobs[t], lps[t], 1e-4);
  }
}

TEST(Generate, SampledLogprobsEqualTeacherForcedLogprobs) {
  auto m = make_model(tiny_config("qwen2"), 32);
  gen::SamplingParams p;
  p.temperature = 1.0;
  p.top_p = 0.9;
  p.n = 3;
  p.max_new_tokens = 8;
  p.seed = 5;
  auto prompts = some_prompts();
  auto out = gen::generate(m, nullptr, prompts, p);
  ASSERT_EQ(out.size(), prompts.size() * 3);
  std::vector<std::vector<int32_t>> ps, rs;
  for (size_t k = 0; k < out.size(); ++k) {
    EXPECT_EQ(out[k].prompt_index, k / 3);
    EXPECT_EQ(out[k].sample_index, static_cast<int>(k % 3));
    ps.push_back(prompts[out[k].prompt_index]);
    rs.push_back(out[k].ids);
  }
  auto tf = gen::response_logprobs(m, ps, rs, 5);
  for (size_t k = 0; k < out.size(); ++k) {
    ASSERT_EQ(tf[k].size(), out[k].logprobs.size());
    for (size_t t = 0; t < tf[k].size(); ++t) EXPECT_NEAR(out[k].logprobs[t], tf[k][t], 1e-4) << k << "," << t;
  }
  // n samples of one prompt are not all identical (sampling, not a copied row).
  EXPECT_TRUE(out[0].ids != out[1].ids || out[1].ids != out[2].ids);
}

TEST(Generate, SeededAndIndependentOfBatchSize) {
  auto m = make_model(tiny_config(), 33);
  gen::SamplingParams p;
  p.temperature = 1.0;
  p.top_k = 50;
  p.n = 2;
  p.max_new_tokens = 12;
  p.seed = 9;
  auto prompts = some_prompts();
  auto a = gen::generate(m, nullptr, prompts, p);
  auto b = gen::generate(m, nullptr, prompts, p);
  p.batch_size = 1;
  auto c = gen::generate(m, nullptr, prompts, p);
  p.seed = 10;
  auto d = gen::generate(m, nullptr, prompts, p);
  bool any_diff = false;
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].ids, b[k].ids);
    EXPECT_EQ(a[k].logprobs, b[k].logprobs);
    EXPECT_EQ(a[k].ids, c[k].ids) << "sample " << k << " changed with the batch size";
    any_diff |= a[k].ids != d[k].ids;
  }
  EXPECT_TRUE(any_diff);
}

TEST(Generate, RowsLeavingTheBatchAtDifferentStepsKeepTheirOwnContinuations) {
  // Sampled rows hit stop ids at different steps, so the cache drops rows (compacted in place)
  // many times; every sample must still equal the one drawn with each prompt decoded alone, and
  // its log-probs the teacher-forced ones.
  auto m = make_model(tiny_config(), 37);
  gen::SamplingParams p;
  p.temperature = 1.0;
  p.n = 4;
  p.max_new_tokens = 14;
  p.seed = 3;
  for (int32_t id = 0; id < 300; id += 11) p.stop_ids.push_back(id);  // ~1 in 11 tokens ends a sample
  auto prompts = some_prompts();
  auto batched = gen::generate(m, nullptr, prompts, p);
  p.batch_size = 1;
  auto single = gen::generate(m, nullptr, prompts, p);
  ASSERT_EQ(batched.size(), single.size());
  std::set<size_t> lengths;
  std::vector<std::vector<int32_t>> ps, rs;
  for (size_t k = 0; k < batched.size(); ++k) {
    EXPECT_EQ(batched[k].ids, single[k].ids) << "sample " << k;
    ASSERT_EQ(batched[k].logprobs.size(), single[k].logprobs.size());
    for (size_t t = 0; t < batched[k].logprobs.size(); ++t) EXPECT_NEAR(batched[k].logprobs[t], single[k].logprobs[t], 1e-5);
    lengths.insert(batched[k].ids.size());
    ps.push_back(prompts[batched[k].prompt_index]);
    rs.push_back(batched[k].ids);
  }
  EXPECT_GE(lengths.size(), 4u);  // rows did leave at different steps
  auto tf = gen::response_logprobs(m, ps, rs, 5);
  for (size_t k = 0; k < batched.size(); ++k)
    for (size_t t = 0; t < tf[k].size(); ++t) EXPECT_NEAR(batched[k].logprobs[t], tf[k][t], 1e-4) << k << "," << t;
}

TEST(Generate, StopIdsEndASampleWithoutKeepingTheId) {
  auto m = make_model(tiny_config(), 34);
  gen::SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 12;
  std::vector<std::vector<int32_t>> prompts = {{256, 40, 41, 42}};
  auto full = gen::generate(m, nullptr, prompts, p)[0].ids;
  ASSERT_EQ(full.size(), 12u);
  // Pick the first position whose token did not occur before it.
  size_t j = 1;
  while (j < full.size() && std::find(full.begin(), full.begin() + j, full[j]) != full.begin() + j) ++j;
  ASSERT_LT(j, full.size());
  p.stop_ids = {full[j]};
  auto g = gen::generate(m, nullptr, prompts, p)[0];
  EXPECT_EQ(g.ids, std::vector<int32_t>(full.begin(), full.begin() + j));
  EXPECT_EQ(g.logprobs.size(), j);
  EXPECT_EQ(g.finish_reason, "stop");
  EXPECT_EQ(g.stop_id, full[j]);  // which id ended it, so a trainer can close the turn with it
  p.stop_ids.clear();
  EXPECT_EQ(gen::generate(m, nullptr, prompts, p)[0].stop_id, -1);  // ended by the length limit
}

TEST(Generate, TokenizerStopIdsAndStopStrings) {
  auto c = tiny_config();
  c.vocab_size = text::ByteTokenizer::kVocab;
  auto m = make_model(c, 35);
  text::ByteTokenizer tok;
  gen::SamplingParams p;
  p.temperature = 0;
  p.max_new_tokens = 16;
  std::vector<std::vector<int32_t>> prompts = {tok.encode("abc"), tok.encode("hello")};
  auto base = gen::generate(m, tok, prompts, p);
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto& g = base[i];
    // The tokenizer's EOS ends generation (it is never part of a response).
    EXPECT_EQ(std::count(g.ids.begin(), g.ids.end(), text::ByteTokenizer::kEos), 0);
    if (g.finish_reason == "length") EXPECT_EQ(g.ids.size(), 16u);
    EXPECT_EQ(g.text, tok.decode(g.ids, true));
  }
  // Use two bytes from the middle of the greedy text of prompt 0 as the stop string.
  const auto& ids0 = base[0].ids;
  ASSERT_GE(ids0.size(), 6u);
  std::string full = tok.decode(ids0, true);
  std::string stop = tok.decode({ids0[3], ids0[4]}, true);
  ASSERT_EQ(stop.size(), 2u);
  size_t pos = full.find(stop);
  // Expected: ids up to the token that completes the first occurrence, text cut before it.
  size_t need = 0;
  while (tok.decode(std::vector<int32_t>(ids0.begin(), ids0.begin() + need), true).find(stop) == std::string::npos) ++need;
  p.stop_strings = {stop, "string that never appears"};
  auto g = gen::generate(m, tok, {prompts[0]}, p)[0];
  EXPECT_EQ(g.finish_reason, "stop");
  EXPECT_EQ(g.stop_id, -1);  // a stop string, not a stop id
  EXPECT_EQ(g.ids, std::vector<int32_t>(ids0.begin(), ids0.begin() + need));
  EXPECT_EQ(g.text, full.substr(0, pos));
  EXPECT_EQ(g.logprobs.size(), g.ids.size());
}

TEST(Generate, RejectsBadInput) {
  auto m = make_model(tiny_config(), 36);
  gen::SamplingParams p;
  EXPECT_THROW(gen::generate(m, nullptr, {{}}, p), Error);
  EXPECT_THROW(gen::generate(m, nullptr, {{1, 300}}, p), Error);
  p.stop_strings = {"x"};
  EXPECT_THROW(gen::generate(m, nullptr, {{1}}, p), Error);
  EXPECT_TRUE(gen::generate(m, nullptr, {}, gen::SamplingParams{}).empty());
}
