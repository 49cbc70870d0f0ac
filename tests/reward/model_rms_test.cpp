// Model-based RMs on tiny random models: LM-likelihood against a direct unbatched computation,
// implicit-DPO (0 when model == reference), classifier under left and right padding, lazy loading
// and exact cost accounting.
#include <gtest/gtest.h>

#include <cmath>

#include "laser/reward/classifier_rm.h"
#include "laser/reward/implicit_dpo.h"
#include "laser/reward/lm_likelihood.h"
#include "reward/reward_test_util.h"

using namespace laser;
using namespace laser::reward;
using laser::reward::testing::make_tiny_model;

namespace {

std::vector<RewardItem> sample_items() {
  return {{"What is 2+2?", " It is 4.", std::nullopt, "math"},
          {"Name a color.", " Blue, or perhaps a much longer answer about green and red.", std::nullopt, ""},
          {"Hi", "!", std::nullopt, ""},
          {"What is 2+2?", " Five, I think, but I am not sure at all.", std::nullopt, "math"}};
}

// log p(response | BOS + prompt) per token, one sequence at a time, no padding.
std::vector<double> direct_logprobs(model::CausalLM& m, const RewardItem& it) {
  text::ByteTokenizer tok;
  auto p = tok.encode(it.prompt, true), r = tok.encode(it.response, false);
  std::vector<int64_t> all(p.begin(), p.end());
  all.insert(all.end(), r.begin(), r.end());
  torch::NoGradGuard ng;
  auto ids = torch::tensor(all, torch::kLong).unsqueeze(0);
  auto lp = torch::log_softmax(m->forward(ids), -1)[0];  // (T,V)
  std::vector<double> out;
  for (size_t k = 0; k < r.size(); ++k) out.push_back(lp[p.size() + k - 1][r[k]].item<double>());
  return out;
}

}  // namespace

TEST(LmLikelihoodRM, MatchesDirectComputationMeanAndSum) {
  auto dir = make_tiny_model("lm_a", 1);
  auto m = model::load_model(dir);
  auto items = sample_items();
  LmLikelihoodRM::Options o;
  o.src.model_dir = dir;
  o.src.batch_size = 3;  // forces a batch with padding and a second batch
  LmLikelihoodRM mean_rm("mean", o);
  o.reduction = Reduction::Sum;
  LmLikelihoodRM sum_rm("sum", o);
  auto sm = mean_rm.score(items), ss = sum_rm.score(items);
  ASSERT_EQ(sm.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto lp = direct_logprobs(m, items[i]);
    double s = 0;
    for (double v : lp) s += v;
    EXPECT_NEAR(ss[i], s, 1e-3 * std::max(1.0, std::fabs(s))) << i;
    EXPECT_NEAR(sm[i], s / lp.size(), 1e-4) << i;
    EXPECT_LT(sm[i], 0.0);
  }
}

TEST(LmLikelihoodRM, LazyLoadUnloadAndExactCost) {
  auto dir = make_tiny_model("lm_b", 2);
  LmLikelihoodRM::Options o;
  o.src.model_dir = dir;
  LmLikelihoodRM rm("lm", o);
  EXPECT_FALSE(rm.loaded());
  auto items = sample_items();
  int64_t tokens = 0;  // byte tokenizer: BOS + prompt bytes + response bytes
  for (const auto& it : items) tokens += 1 + static_cast<int64_t>(it.prompt.size() + it.response.size());
  auto a = rm.score(items);
  EXPECT_TRUE(rm.loaded());
  std::vector<RewardItem> two(items.begin(), items.begin() + 2);
  rm.score(two);
  auto c = rm.cost();
  EXPECT_EQ(c.calls, 2);
  EXPECT_EQ(c.items, 6);
  EXPECT_EQ(c.tokens, tokens + 2 + static_cast<int64_t>(two[0].prompt.size() + two[0].response.size() + two[1].prompt.size() +
                                                         two[1].response.size()));
  EXPECT_GT(c.seconds, 0.0);
  rm.unload();
  EXPECT_FALSE(rm.loaded());
  auto b = rm.score(items);  // reloads, same scores
  for (size_t i = 0; i < a.size(); ++i) EXPECT_DOUBLE_EQ(a[i], b[i]);
  rm.reset_cost();
  EXPECT_EQ(rm.cost().calls, 0);
}

TEST(LmLikelihoodRM, EmptyResponseAndPromptFormat) {
  auto dir = make_tiny_model("lm_c", 3);
  LmLikelihoodRM::Options o;
  o.src.model_dir = dir;
  o.empty_score = -77;
  LmLikelihoodRM rm("lm", o);
  auto s = rm.score({{"p", "", std::nullopt, ""}});
  EXPECT_EQ(s[0], -77);
  // a prompt_format changes the conditioning text, so the score of the same response changes
  o.src.prompt_format = "Question: {prompt}\nAnswer:";
  LmLikelihoodRM fmt("fmt", o);
  RewardItem it{"2+2?", " 4", std::nullopt, ""};
  EXPECT_NE(rm.score({it})[0], fmt.score({it})[0]);
  RewardItem same{"Question: 2+2?\nAnswer:", " 4", std::nullopt, ""};
  EXPECT_DOUBLE_EQ(fmt.score({it})[0], rm.score({same})[0]);
  EXPECT_EQ(format_prompt("<{prompt}|{prompt}>", "x"), "<x|x>");
}

TEST(LmLikelihoodRM, ChatTemplateScoresTheRenderedUserTurn) {
  auto dir = make_tiny_model("lm_chat", 4);
  LmLikelihoodRM::Options o;
  o.src.model_dir = dir;
  o.src.append_eos = true;
  LmLikelihoodRM plain("plain", o);
  o.src.chat_template = "chatml";
  LmLikelihoodRM chat("chat", o);
  // The same conditioning written by hand: ChatML user turn, no BOS added; the byte tokenizer has
  // no single <|im_end|> id, so the end of turn is EOS in both.
  LmLikelihoodRM::Options m = o;
  m.src.chat_template = "";
  m.src.prompt_format = "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n";
  m.src.add_special = false;
  LmLikelihoodRM manual("manual", m);
  auto items = sample_items();
  auto sc = chat.score(items), sm = manual.score(items), sp = plain.score(items);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_DOUBLE_EQ(sc[i], sm[i]) << i;
    EXPECT_NE(sc[i], sp[i]) << i;
  }
}

TEST(ImplicitDpoRM, ZeroWhenModelEqualsReference) {
  auto a = make_tiny_model("dpo_a", 7), a2 = make_tiny_model("dpo_a_copy", 7), b = make_tiny_model("dpo_b", 8);
  ImplicitDpoRM::Options o;
  o.src.model_dir = a;
  o.ref_model_dir = a2;
  o.beta = 0.1;
  ImplicitDpoRM same("same", o);
  auto items = sample_items();
  for (double v : same.score(items)) EXPECT_NEAR(v, 0.0, 1e-9);
  EXPECT_EQ(same.cost().tokens % 2, 0);  // two passes over the same tokens
  // with a different reference: beta * (sum log pi - sum log ref)
  o.ref_model_dir = b;
  ImplicitDpoRM diff("diff", o);
  LmLikelihoodRM::Options lo;
  lo.src.model_dir = a;
  lo.reduction = Reduction::Sum;
  LmLikelihoodRM pa("pa", lo);
  lo.src.model_dir = b;
  LmLikelihoodRM pb("pb", lo);
  auto d = diff.score(items), sa = pa.score(items), sb = pb.score(items);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_NEAR(d[i], 0.1 * (sa[i] - sb[i]), 1e-4) << i;
    EXPECT_GT(std::fabs(d[i]), 1e-6) << i;
  }
  o.length_normalize = true;
  ImplicitDpoRM norm("norm", o);
  auto dn = norm.score(items);
  for (size_t i = 0; i < items.size(); ++i) EXPECT_NEAR(dn[i], d[i] / items[i].response.size(), 1e-6) << i;
}

TEST(ClassifierRM, ReadsLastRealTokenUnderLeftAndRightPadding) {
  auto dir = make_tiny_model("cls", 11, true);
  auto items = sample_items();
  for (bool left : {false, true}) {
    ClassifierRM::Options o;
    o.src.model_dir = dir;
    o.left_padding = left;
    o.src.batch_size = 8;
    ClassifierRM rm("cls", o);
    auto batch = rm.score(items);  // one padded batch of four lengths
    for (size_t i = 0; i < items.size(); ++i) {
      auto alone = rm.score({items[i]});
      EXPECT_NEAR(batch[i], alone[0], 1e-4) << "left=" << left << " item " << i;
    }
    // different texts give different scores (the head reads real tokens, not padding)
    EXPECT_GT(std::fabs(batch[0] - batch[1]), 1e-6);
  }
  // direct: score head at the last token of the unpadded sequence
  auto m = model::load_model(dir);
  text::ByteTokenizer tok;
  auto ids = tok.encode(items[1].prompt + items[1].response, true);
  std::vector<int64_t> v(ids.begin(), ids.end());
  torch::NoGradGuard ng;
  double direct = m->classify(torch::tensor(v, torch::kLong).unsqueeze(0))[0][0].item<double>();
  ClassifierRM::Options o;
  o.src.model_dir = dir;
  ClassifierRM rm("cls", o);
  EXPECT_NEAR(rm.score(items)[1], direct, 1e-4);
}

TEST(ClassifierRM, RejectsACausalLM) {
  auto dir = make_tiny_model("not_cls", 12);
  ClassifierRM::Options o;
  o.src.model_dir = dir;
  ClassifierRM rm("cls", o);
  try {
    rm.score(sample_items());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sequence classifier"), std::string::npos) << e.what();
  }
}
