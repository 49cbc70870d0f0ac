// Trainer behaviour on tiny random models: the shared-prompt forward equals per-sequence forwards,
// one step changes every trainable parameter (only adapters under LoRA), sync makes the reference
// the policy, the implicit-margin agreement, grad-align's gradient cosine and grad-coherence's are read before the update, NaN steps never touch the weights, resume equals uninterrupted, interrupted
// checkpoint writes leave the previous one loadable, and PEFT adapters round-trip exactly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/train/peft.h"
#include "laser/train/sequence_logprobs.h"
#include "laser/train/trainer.h"
#include "train/tiny_pairs.h"

using namespace laser;
using namespace laser::train;
namespace fs = std::filesystem;

namespace {
constexpr int64_t kVocab = 48;

model::CausalLM tiny(uint64_t seed = 7) {
  model::CausalLM m(model::preset_config("tiny", kVocab));
  model::init_weights(m, seed);
  return m;
}

std::vector<PreferencePair> batch(uint64_t salt = 0) { return laser::testing::tiny_pairs(kVocab, salt); }

std::string tmpdir(const std::string& name) {
  std::string d = std::string(LASER_TEST_TMP) + "/train/" + name + "-" + std::to_string(::getpid());
  io::remove_all(d);
  io::make_dirs(d);
  return d;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

std::map<std::string, torch::Tensor> snapshot(model::CausalLM& m) {
  std::map<std::string, torch::Tensor> s;
  for (auto& p : m->named_parameters(true)) s[p.key()] = p.value().detach().clone();
  return s;
}

TrainerConfig fast_cfg(bool lora) {
  TrainerConfig c;
  c.lr = 1e-2;
  c.lora = lora;
  return c;
}

// One step of `t` and of its twin `plain` (same model, config and pairs) with the same dropout
// draws, so their results differ only by what `t` was asked to measure besides.
std::pair<StepResult, StepResult> step_twins(Trainer& t, Trainer& plain, const std::vector<PreferencePair>& pairs) {
  torch::manual_seed(11);
  auto r = t.step(pairs);
  torch::manual_seed(11);
  return {r, plain.step(pairs)};
}
}  // namespace

TEST(SequenceLogprobs, EqualsSeparateUnpaddedForwards) {
  auto m = tiny();
  m->eval();
  std::vector<std::vector<int32_t>> prompts{{1, 2, 3}, {4, 5, 6, 7, 8, 9}};
  std::vector<std::vector<int32_t>> resps{{10, 11}, {12}, {13, 14, 15, 16}, {}};
  std::vector<size_t> rp{0, 0, 1, 1};
  torch::NoGradGuard ng;
  auto got = sequence_logprobs(m, prompts, resps, rp);
  for (size_t i = 0; i < resps.size(); ++i) {
    auto seq = prompts[rp[i]];
    seq.insert(seq.end(), resps[i].begin(), resps[i].end());
    auto ids = torch::tensor(std::vector<int64_t>(seq.begin(), seq.end())).view({1, -1});
    auto lp = torch::log_softmax(m->forward(ids), -1)[0];
    double want = 0;
    size_t P = prompts[rp[i]].size();
    for (size_t t = 0; t < resps[i].size(); ++t) want += lp[P + t - 1][resps[i][t]].item<double>();
    EXPECT_NEAR(got.sum[i].item<double>(), want, 1e-4) << "response " << i;
    EXPECT_EQ(got.tokens[i].item<float>(), static_cast<float>(resps[i].size()));
  }
}

TEST(Trainer, FullFineTuningStepChangesEveryParameter) {
  auto m = tiny();
  auto before = snapshot(m);
  Trainer t(m, fast_cfg(false));
  auto r = t.step(batch());
  EXPECT_TRUE(r.updated);
  EXPECT_FALSE(r.skipped);
  EXPECT_TRUE(std::isfinite(r.loss));
  // First step: policy == reference, so the DPO part is log 2 and the loss is log 2 + NLL.
  EXPECT_NEAR(r.metrics["dpo"], std::log(2.0), 1e-6);
  EXPECT_NEAR(r.loss, std::log(2.0) + r.metrics["nll"], 1e-5);
  size_t n = 0;
  for (auto& p : m->named_parameters(true)) {
    EXPECT_GT(max_diff(p.value(), before[p.key()]), 0.0) << p.key() << " did not change";
    ++n;
  }
  EXPECT_EQ(n, t.trainable().size());
}

TEST(Trainer, LoraStepsChangeOnlyAdapters) {
  auto m = tiny();
  auto base = snapshot(m);
  Trainer t(m, fast_cfg(true));
  auto with_lora = snapshot(m);
  EXPECT_EQ(t.trainable().size(), 2u * 2u * 2u);  // 2 layers x {q,v} x {A,B}
  // lora_B starts at 0, so lora_A's gradient is exactly 0 on the first step (as in PEFT); after
  // two steps every adapter tensor has moved.
  t.step(batch());
  t.step(batch(1));
  for (auto& p : m->named_parameters(true)) {
    bool adapter = p.key().find("lora_") != std::string::npos;
    double d = max_diff(p.value(), with_lora[p.key()]);
    if (adapter) EXPECT_GT(d, 0.0) << p.key();
    else EXPECT_EQ(d, 0.0) << p.key();
  }
  for (auto& [k, v] : base) EXPECT_EQ(max_diff(with_lora[k], v), 0.0) << k;
}

TEST(Trainer, SyncReferenceMakesLossLog2Again) {
  for (bool lora : {true, false}) {
    auto m = tiny();
    auto cfg = fast_cfg(lora);
    cfg.loss.nll_weight = 0;
    Trainer t(m, cfg);
    t.step(batch());
    t.step(batch());
    auto drift = t.step(batch());
    EXPECT_GT(std::abs(drift.loss - std::log(2.0)), 1e-4) << "lora " << lora;
    torch::Tensor before_logits;
    {
      torch::NoGradGuard ng;
      m->eval();
      before_logits = m->forward(torch::tensor({{1, 2, 3, 4}}));
    }
    t.sync_reference();
    {
      torch::NoGradGuard ng;
      m->eval();
      EXPECT_LT(max_diff(m->forward(torch::tensor({{1, 2, 3, 4}})), before_logits), 1e-5) << "sync changed the policy";
    }
    auto r = t.step(batch());
    EXPECT_NEAR(r.loss, std::log(2.0), 1e-6) << "lora " << lora;
  }
}

// The implicit-margin signal: measured before the step's update, so a fresh trainer (policy ==
// reference) has no margins at all; after training on pairs, their margins agree with them, and
// the same pairs reversed disagree.
TEST(Trainer, MarginAgreementReadsWhatThePolicyLearnedBeforeTheUpdate) {
  for (bool lora : {true, false}) {
    auto m = tiny();
    Trainer t(m, fast_cfg(lora));
    auto first = t.step(batch());
    EXPECT_TRUE(first.prompt_margin_agreement.empty()) << "lora " << lora;  // every margin is 0 before any update
    EXPECT_EQ(first.prompt_loss.size(), 2u);
    for (int i = 0; i < 3; ++i) t.step(batch());
    auto same = t.step(batch());
    ASSERT_EQ(same.prompt_margin_agreement.size(), 2u) << "lora " << lora;
    for (auto& [prompt, agree] : same.prompt_margin_agreement) EXPECT_EQ(agree, 1.0) << "prompt " << prompt << " lora " << lora;
    auto reversed = batch();
    for (auto& p : reversed) std::swap(p.chosen, p.rejected);
    auto rev = t.step(reversed);
    ASSERT_EQ(rev.prompt_margin_agreement.size(), 2u);
    for (auto& [prompt, agree] : rev.prompt_margin_agreement) EXPECT_EQ(agree, 0.0) << "prompt " << prompt << " lora " << lora;
    // After a reference sync the margins are 0 again: no signal.
    t.sync_reference();
    EXPECT_TRUE(t.step(batch()).prompt_margin_agreement.empty());
  }
}

// The grad-align signal: each prompt's gradient against the probe's, before the update. With the
// DPO loss alone and policy == reference, the probe's own pairs give cosine 1 and the same pairs
// reversed exactly -1 (the gradient at margin 0 is -beta/2 times the margin's); another prompt's
// lies between. The probe changes nothing of the update and serves one step only.
TEST(Trainer, AlignmentIsTheGradientCosineAgainstTheProbeAndLeavesTheUpdateAlone) {
  for (bool lora : {true, false}) {
    auto cfg = fast_cfg(lora);
    cfg.loss.nll_weight = 0;
    auto m = tiny(), twin = tiny();
    Trainer t(m, cfg), plain(twin, cfg);
    auto pairs = batch();
    std::vector<PreferencePair> probe;
    for (auto& p : pairs)
      if (p.prompt_index == 0) {
        probe.push_back(p);
        pairs.push_back({p.prompt, p.rejected, p.chosen, 2});  // prompt 0's pairs reversed, as prompt 2
      }
    t.set_alignment_probe(probe);
    auto [r, r_plain] = step_twins(t, plain, pairs);  // the same weights after, unless the probe drew random numbers
    ASSERT_EQ(r.prompt_alignment.size(), 3u) << "lora " << lora;
    EXPECT_NEAR(r.prompt_alignment.at(0), 1.0, 1e-5) << "lora " << lora;
    EXPECT_NEAR(r.prompt_alignment.at(2), -1.0, 1e-5) << "lora " << lora;
    EXPECT_LT(std::abs(r.prompt_alignment.at(1)), 0.999) << "lora " << lora;
    EXPECT_TRUE(r_plain.prompt_alignment.empty());
    EXPECT_EQ(r.loss, r_plain.loss) << "lora " << lora;
    auto a = snapshot(m), b = snapshot(twin);
    for (auto& [name, v] : a) EXPECT_EQ(max_diff(v, b.at(name)), 0.0) << name << " lora " << lora;
    EXPECT_TRUE(t.step(pairs).prompt_alignment.empty()) << "the probe serves one step";
    // In chunks of one pair (train.micro_batch = 1) the gradients, and so the cosines, are the same.
    auto chunked_cfg = cfg;
    chunked_cfg.micro_batch = 1;
    auto m1 = tiny();
    Trainer chunked(m1, chunked_cfg);
    chunked.set_alignment_probe(probe);
    torch::manual_seed(11);
    auto rc = chunked.step(pairs);
    ASSERT_EQ(rc.prompt_alignment.size(), 3u);
    for (auto& [prompt, cosine] : r.prompt_alignment) EXPECT_NEAR(rc.prompt_alignment.at(prompt), cosine, 1e-5) << prompt << " lora " << lora;
  }
}

// The grad-coherence signal: the mean cosine of each prompt's gradient with those of the other
// prompts of its group, before the update. Prompt 0's pairs, copied as prompt 3 and reversed as
// prompt 2, in one group: 0 and 3 agree (+1) and both disagree with 2 (-1), so 0 scores (-1 + 1) / 2
// and 2 scores -1. Prompt 1 in that group scores a third of its cosine with prompt 0 (which
// grad-align measures on its own path), since 2 cancels 3; alone in its group it has no entry.
TEST(Trainer, CoherenceIsTheMeanGradientCosineWithinAGroupAndLeavesTheUpdateAlone) {
  for (bool lora : {true, false}) {
    auto cfg = fast_cfg(lora);
    cfg.loss.nll_weight = 0;
    auto pairs = batch();
    std::vector<PreferencePair> of0;
    for (auto& p : pairs)
      if (p.prompt_index == 0) of0.push_back(p);
    for (auto& p : of0) {
      pairs.push_back({p.prompt, p.rejected, p.chosen, 2});
      pairs.push_back({p.prompt, p.chosen, p.rejected, 3});
    }
    auto m = tiny(), twin = tiny(), m2 = tiny();
    Trainer t(m, cfg), plain(twin, cfg), joined(m2, cfg);
    t.set_coherence_groups({0, 1, 0, 0}, 2);
    auto [r, r_plain] = step_twins(t, plain, pairs);
    ASSERT_EQ(r.prompt_coherence.size(), 3u) << "lora " << lora;
    EXPECT_NEAR(r.prompt_coherence.at(0), 0.0, 1e-5) << "lora " << lora;
    EXPECT_NEAR(r.prompt_coherence.at(3), 0.0, 1e-5) << "lora " << lora;
    EXPECT_NEAR(r.prompt_coherence.at(2), -1.0, 1e-5) << "lora " << lora;
    EXPECT_EQ(r.prompt_coherence.count(1), 0u) << "alone in its group";
    EXPECT_TRUE(r_plain.prompt_coherence.empty());
    EXPECT_EQ(r.loss, r_plain.loss) << "lora " << lora;
    auto a = snapshot(m), b = snapshot(twin);
    for (auto& [name, v] : a) EXPECT_EQ(max_diff(v, b.at(name)), 0.0) << name << " lora " << lora;
    EXPECT_TRUE(t.step(pairs).prompt_coherence.empty()) << "the groups serve one step";
    joined.set_coherence_groups({0, 0, 0, 0}, 2);
    joined.set_alignment_probe(of0);
    auto rj = joined.step(pairs);
    ASSERT_EQ(rj.prompt_coherence.size(), 4u);
    EXPECT_LT(std::abs(rj.prompt_alignment.at(1)), 0.999) << "prompt 1 differs from prompt 0";
    EXPECT_NEAR(rj.prompt_coherence.at(1), rj.prompt_alignment.at(1) / 3, 1e-5) << "lora " << lora;
    EXPECT_NEAR(rj.prompt_coherence.at(0), (rj.prompt_alignment.at(1) + 0.0) / 3, 1e-5) << "(c - 1 + 1) / 3, lora " << lora;
  }
}

// The same signal inside GRPO and RLOO: each group's policy-gradient loss (at ratio 1, without the
// KL term). Groups 0 and 1 are one prompt with the same two responses and rewards, group 2 the
// same with the rewards swapped (exactly the negated advantages), group 3 another prompt alone in
// its group: coherences (1 - 1) / 2 = 0 for groups 0 and 1, -1 for group 2, none for group 3; the
// update is that of a twin trainer without groups.
TEST(Trainer, GroupCoherenceInsidePolicyGradientSteps) {
  for (std::string alg : {"grpo", "rloo"}) {
    auto cfg = fast_cfg(true);
    cfg.pg.algorithm = alg;
    cfg.pg.kl_beta = 0.05;  // the signal leaves the KL term out; the update keeps it
    GroupBatch gb;
    gb.n = 2;
    gb.prompts = {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {4, 5}};
    gb.responses = {{6, 7}, {8}, {6, 7}, {8}, {6, 7}, {8}, {9, 10, 11}, {12}};
    gb.rewards = {1, 0, 1, 0, 0, 1, 0.5, 2};
    auto m = tiny(), twin = tiny();
    Trainer t(m, cfg), plain(twin, cfg);
    t.set_coherence_groups({0, 0, 0, 1}, 2);
    torch::manual_seed(11);
    auto r = t.rl_step(gb);
    torch::manual_seed(11);
    auto r_plain = plain.rl_step(gb);
    ASSERT_EQ(r.prompt_coherence.size(), 3u) << alg;
    EXPECT_NEAR(r.prompt_coherence.at(0), 0.0, 1e-5) << alg;
    EXPECT_NEAR(r.prompt_coherence.at(1), 0.0, 1e-5) << alg;
    EXPECT_NEAR(r.prompt_coherence.at(2), -1.0, 1e-5) << alg;
    EXPECT_TRUE(r_plain.prompt_coherence.empty());
    EXPECT_EQ(r.loss, r_plain.loss) << alg;
    auto a = snapshot(m), b = snapshot(twin);
    for (auto& [name, v] : a) EXPECT_EQ(max_diff(v, b.at(name)), 0.0) << name << " " << alg;
    t.set_coherence_groups({0, 0, 0, 0}, 2);
    auto all = t.rl_step(gb);
    ASSERT_EQ(all.prompt_coherence.size(), 4u) << alg;
    // With c = cos(group 3, group 0): group 0 scores (1 - 1 + c) / 3 and group 3 (c + c - c) / 3.
    EXPECT_GT(std::abs(all.prompt_coherence.at(3)), 1e-4) << alg;
    EXPECT_NEAR(all.prompt_coherence.at(0), all.prompt_coherence.at(3), 1e-5) << alg;
    EXPECT_NEAR(all.prompt_coherence.at(2), (-2 - 3 * all.prompt_coherence.at(3)) / 3, 1e-5) << "(-1 - 1 - c) / 3, " << alg;
  }
}

// grad-coherence's memory: earlier steps' unit gradients, weighted memory^age, join each group's
// comparison, so a prompt alone in its group is still measured. At a learning rate too small to
// move the weights, step 1 (the groups above, {0,1,0,0}, memory 0.5) scores as it does without
// memory and leaves group 0 the sum 0.5 (u0 - u0 + u0) at weight 1.5 and group 1 0.5 u1 at weight
// 0.5. Step 2 puts prompts 0 and 1 alone in groups 0 and 1: prompt 1 scores u1 . 0.5 u1 / 0.5 = 1
// and prompt 0 u0 . 0.5 u0 / 1.5 = 1/3, after a checkpoint round trip too; memory 0 reads none.
TEST(Trainer, CoherenceMemoryComparesWithEarlierStepsAndSurvivesACheckpoint) {
  // dims 16 sketches the gradients (the tiny model has more parameters): the hand-derived values
  // below come from equal and negated gradients, which a linear sketch keeps exactly.
  for (int64_t dims : {int64_t{0}, int64_t{16}})
  for (bool lora : {true, false}) {
    auto cfg = fast_cfg(lora);
    cfg.lr = 1e-12;
    cfg.loss.nll_weight = 0;
    auto pairs = batch();
    std::vector<PreferencePair> first2;
    for (auto& p : pairs)
      if (p.prompt_index <= 1) first2.push_back(p);
    for (auto& p : std::vector<PreferencePair>(first2)) {
      if (p.prompt_index != 0) continue;
      pairs.push_back({p.prompt, p.rejected, p.chosen, 2});
      pairs.push_back({p.prompt, p.chosen, p.rejected, 3});
    }
    auto m = tiny();
    Trainer t(m, cfg);
    t.set_coherence_groups({0, 1, 0, 0}, 2, 0.5, dims);
    auto r1 = t.step(pairs);
    ASSERT_EQ(r1.prompt_coherence.size(), 3u) << "lora " << lora << " dims " << dims;
    EXPECT_NEAR(r1.prompt_coherence.at(0), 0.0, 1e-5) << "an empty memory adds nothing, lora " << lora;
    EXPECT_NEAR(r1.prompt_coherence.at(2), -1.0, 1e-5) << "lora " << lora << " dims " << dims;
    const std::string dir = tmpdir(std::string("coherence-memory-") + (lora ? "lora" : "full") + std::to_string(dims));
    t.save_checkpoint(dir + "/ck");
    for (int resumed = 0; resumed < 2; ++resumed) {
      auto m2 = tiny(99);
      Trainer t2(m2, cfg);
      Trainer& u = resumed ? t2 : t;
      if (resumed) u.load_checkpoint(dir + "/ck");
      u.set_coherence_groups({0, 1}, 2, 0.5, dims);
      auto r2 = u.step(first2);
      ASSERT_EQ(r2.prompt_coherence.size(), 2u) << "resumed " << resumed << " lora " << lora << " dims " << dims;
      EXPECT_NEAR(r2.prompt_coherence.at(1), 1.0, 1e-4) << "resumed " << resumed << " lora " << lora << " dims " << dims;
      EXPECT_NEAR(r2.prompt_coherence.at(0), 1.0 / 3.0, 1e-4) << "resumed " << resumed << " lora " << lora << " dims " << dims;
    }
    {  // resumed with the other length (sketched <-> exact): the memory cannot be compared, so it restarts
      auto m4 = tiny(99);
      Trainer t4(m4, cfg);
      t4.load_checkpoint(dir + "/ck");
      t4.set_coherence_groups({0, 1}, 2, 0.5, dims == 0 ? 16 : 0);
      EXPECT_TRUE(t4.step(first2).prompt_coherence.empty()) << "an empty memory: each prompt is alone, lora " << lora;
    }
    auto m3 = tiny(99);
    Trainer t3(m3, cfg);
    t3.load_checkpoint(dir + "/ck");
    t3.set_coherence_groups({0, 1}, 2, 0.0, dims);
    EXPECT_TRUE(t3.step(first2).prompt_coherence.empty()) << "memory 0: this step only, lora " << lora;
    EXPECT_THROW(t3.set_coherence_groups({0, 1}, 2, 1.5), Error);
    EXPECT_THROW(t3.set_coherence_groups({0, 1}, 2, 0.5, -1), Error);
    io::remove_all(dir);
  }
}

TEST(Trainer, NonFiniteLossSkipsTheStep) {
  auto m = tiny();
  Trainer t(m, fast_cfg(false));
  {
    torch::NoGradGuard ng;
    m->model->norm->weight[0] = std::numeric_limits<float>::quiet_NaN();
  }
  auto before = snapshot(m);
  auto r = t.step(batch());
  EXPECT_TRUE(r.skipped);
  EXPECT_FALSE(r.updated);
  EXPECT_EQ(t.updates(), 0);
  for (auto& p : m->named_parameters(true)) {
    auto eq = (p.value() == before[p.key()]) | (p.value().isnan() & before[p.key()].isnan());
    EXPECT_TRUE(eq.all().item<bool>()) << p.key();
  }
}

TEST(Trainer, GradAccumAndScheduleUpdateEveryKCalls) {
  auto m = tiny();
  auto cfg = fast_cfg(false);
  cfg.grad_accum = 2;
  cfg.warmup_steps = 2;
  cfg.schedule = "cosine";
  cfg.total_steps = 4;
  Trainer t(m, cfg);
  EXPECT_NEAR(t.current_lr(), 0.5e-2, 1e-12);
  EXPECT_FALSE(t.step(batch()).updated);
  EXPECT_TRUE(t.step(batch(1)).updated);
  EXPECT_NEAR(t.current_lr(), 1e-2, 1e-12);
  t.step(batch());
  t.step(batch(1));
  EXPECT_EQ(t.updates(), 2);
  EXPECT_NEAR(t.current_lr(), 0.5e-2 * (1 + std::cos(M_PI * 0.0)) , 1e-12);
}

TEST(Trainer, MicroBatchingMatchesOneChunk) {
  auto m1 = tiny(), m2 = tiny();
  auto c1 = fast_cfg(false), c2 = fast_cfg(false);
  c1.micro_batch = 0;
  c2.micro_batch = 1;  // one prompt group per chunk
  c1.lr = c2.lr = 1e-4;  // Adam's first update is ~lr*sign(g): a small lr keeps rounding noise small
  Trainer t1(m1, c1), t2(m2, c2);
  auto r1 = t1.step(batch()), r2 = t2.step(batch());
  EXPECT_NEAR(r1.loss, r2.loss, 1e-5);
  auto s2 = snapshot(m2);
  for (auto& p : m1->named_parameters(true)) EXPECT_LT(max_diff(p.value(), s2[p.key()]), 1e-6) << p.key();
}

TEST(Trainer, ResumeEqualsUninterrupted) {
  for (bool lora : {true, false}) {
    auto cfg = fast_cfg(lora);
    cfg.warmup_steps = 1;
    cfg.schedule = "cosine";
    cfg.total_steps = 6;
    cfg.weight_decay = 0.01;
    auto a = tiny();
    Trainer ta(a, cfg);
    for (int i = 0; i < 4; ++i) ta.step(batch(i));

    std::string dir = tmpdir(lora ? "resume-lora" : "resume-full") + "/ckpt";
    auto b = tiny();
    {
      Trainer tb(b, cfg);
      tb.step(batch(0));
      tb.step(batch(1));
      tb.save_checkpoint(dir, {{"cursor", 2}});
      tb.step(batch(99));  // diverge after saving: must not leak into the resumed run
    }
    auto c = tiny(123);  // different initial weights, all replaced by the checkpoint
    Trainer tc(c, cfg);
    auto extra = tc.load_checkpoint(dir);
    EXPECT_EQ(extra["cursor"], 2);
    EXPECT_EQ(tc.updates(), 2);
    for (int i = extra["cursor"].get<int>(); i < 4; ++i) tc.step(batch(i));
    auto sa = snapshot(a);
    for (auto& p : c->named_parameters(true)) EXPECT_EQ(max_diff(p.value(), sa[p.key()]), 0.0) << p.key() << " lora " << lora;
  }
}

// Helper run as a child process by CheckpointKill: saves checkpoints in a loop until killed.
TEST(CheckpointChild, SaveForever) {
  const char* dir = std::getenv("LASER_TRAIN_CKPT_CHILD");
  if (!dir) GTEST_SKIP() << "helper of Trainer.KilledWhileWritingLeavesPreviousLoadable; runs only as its child";
  auto m = tiny();
  Trainer t(m, fast_cfg(true));
  for (int i = 0;; ++i) t.save_checkpoint(dir, {{"i", i}});
}

TEST(Trainer, KilledWhileWritingLeavesPreviousLoadable) {
  std::string base = tmpdir("kill");
  std::string dir = base + "/ckpt";
  for (int trial = 0; trial < 4; ++trial) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::setenv("LASER_TRAIN_CKPT_CHILD", dir.c_str(), 1);
      ::execl("/proc/self/exe", "laser_tests_train", "--gtest_filter=CheckpointChild.SaveForever", (char*)nullptr);
      ::_exit(127);
    }
    // Wait for a first complete checkpoint, then kill at a varying moment of a later write.
    for (int i = 0; i < 600 && !io::file_exists(dir + "/trainer_state.json"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(37 * trial + 11));
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFSIGNALED(st)) << "the child ended on its own";
    auto m = tiny();
    Trainer t(m, fast_cfg(true));
    nlohmann::json extra;
    ASSERT_NO_THROW(extra = t.load_checkpoint(dir)) << "trial " << trial;
    EXPECT_TRUE(extra["i"].is_number_integer());
  }
}

TEST(Peft, SavedThenLoadedAdapterGivesIdenticalLogits) {
  auto m = tiny();
  Trainer t(m, fast_cfg(true));
  t.step(batch());
  t.step(batch(1));
  std::string dir = tmpdir("peft") + "/adapter";
  save_adapter(m, dir, {16, 32.0, 0.1}, {"q_proj", "v_proj"});
  auto cfg = io::read_json(dir + "/adapter_config.json");
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["r"], 16);
  io::SafetensorsFile f(dir + "/adapter_model.safetensors");
  EXPECT_TRUE(f.has("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
  EXPECT_TRUE(f.has("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"));
  EXPECT_EQ(f.names().size(), 8u);

  auto fresh = tiny();  // same base weights, no adapters
  auto targets = load_adapter(fresh, dir);
  EXPECT_EQ(targets, (std::vector<std::string>{"q_proj", "v_proj"}));
  torch::NoGradGuard ng;
  m->eval();
  fresh->eval();
  auto ids = torch::tensor({{3, 1, 4, 1, 5, 9, 2, 6}});
  auto a = m->forward(ids), b = fresh->forward(ids);
  EXPECT_TRUE(torch::equal(a, b));
  fresh->set_lora_enabled(false);
  EXPECT_GT(max_diff(a, fresh->forward(ids)), 0.0) << "the adapter had no effect";
}

TEST(Peft, WrongShapeIsReportedWithTensorName) {
  auto m = tiny();
  m->add_lora({4, 8.0, 0.0}, {"q_proj"});
  std::string dir = tmpdir("peft-bad") + "/adapter";
  save_adapter(m, dir, {4, 8.0, 0.0}, {"q_proj"});
  model::CausalLM other(model::preset_config("small", kVocab));
  try {
    load_adapter(other, dir);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lora_A.weight"), std::string::npos) << e.what();
  }
}
