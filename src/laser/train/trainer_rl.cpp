// Trainer::rl_step (see trainer.h): one GRPO or RLOO update on a generation batch, kept apart from
// the preference step in trainer.cpp. The math is in policy_gradient.{h,cpp}; this file does the
// forwards (policy, and without gradients the old policy and the reference), chunking and metrics.
// Follows TRL's GRPOTrainer: old log-probs = detached current ones when num_iterations == 1.
#include <cmath>
#include <limits>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/train/grad_sketch.h"
#include "laser/train/sequence_logprobs.h"
#include "laser/train/trainer.h"

namespace laser::train {

namespace {
// A run of whole groups with at most `mb` responses (at least one group).
struct Chunk {
  std::vector<std::vector<int32_t>> prompts, responses;
  std::vector<size_t> response_prompt;
  int64_t first = 0, count = 0;   // responses [first, first + count) of the batch
  torch::Tensor old_logp, ref_logp;  // (Ntok) no grad, when needed
  torch::Tensor seq;                 // (Ntok) long: the chunk-local sequence of each token
};

std::vector<Chunk> chunk_groups(const GroupBatch& b, int64_t mb) {
  std::vector<Chunk> out;
  const int64_t G = static_cast<int64_t>(b.prompts.size());
  for (int64_t g = 0; g < G; ++g) {
    if (out.empty() || (mb > 0 && out.back().count + b.n > mb)) {
      out.emplace_back();
      out.back().first = g * b.n;
    }
    auto& c = out.back();
    c.prompts.push_back(b.prompts[g]);
    for (int64_t i = 0; i < b.n; ++i) {
      c.responses.push_back(b.responses[g * b.n + i]);
      c.response_prompt.push_back(c.prompts.size() - 1);
    }
    c.count += b.n;
  }
  return out;
}
}  // namespace

StepResult Trainer::rl_step(const GroupBatch& b) {
  ++calls_;
  const auto& pg = cfg_.pg;
  LASER_CHECK(pg.enabled(), "Trainer::rl_step", "train.algorithm is dpo", "call step(pairs) for DPO, or set train.algorithm to grpo or rloo");
  const int64_t G = static_cast<int64_t>(b.prompts.size()), N = G * b.n;
  LASER_CHECK(b.n >= 2 && static_cast<int64_t>(b.responses.size()) == N && static_cast<int64_t>(b.rewards.size()) == N, "Trainer::rl_step",
              "a group batch needs n >= 2 responses and rewards per prompt", "sample generation.n >= 2 responses per prompt");
  for (auto& p : b.prompts) LASER_CHECK(!p.empty(), "Trainer::rl_step", "empty prompt", "every prompt needs at least one token");
  for (double r : b.rewards)
    LASER_CHECK(std::isfinite(r), "Trainer::rl_step", "a reward is not finite", "check the reward model's scores");
  double local_tokens = 0;
  for (auto& r : b.responses) local_tokens += static_cast<double>(r.size());
  const double global_seqs = dist_->all_reduce_sum(static_cast<double>(N));
  const double global_tokens = dist_->all_reduce_sum(local_tokens);
  if (global_seqs == 0 || global_tokens == 0) {
    groups_.clear();  // on every rank alike: the coherence groups served this step
    num_groups_ = 0;
    StepResult r;
    r.skipped = true;
    r.loss = std::numeric_limits<double>::quiet_NaN();
    log::warn("train: rl step with no response tokens on any rank, skipped");
    return r;
  }
  const bool rloo = pg.algorithm == "rloo";
  const bool need_ref = pg.kl_beta > 0;
  const bool need_old = pg.num_iterations > 1 || (rloo && need_ref);
  auto chunks = chunk_groups(b, cfg_.micro_batch);
  // Old policy and reference, without gradients and without dropout.
  if (need_old || need_ref) {
    torch::NoGradGuard ng;
    policy_->eval();
    for (auto& c : chunks) {
      if (need_old) {
        auto lp = sequence_logprobs(policy_, c.prompts, c.responses, c.response_prompt, pg.temperature);
        c.old_logp = lp.token;
        c.seq = lp.seq;
      }
      if (need_ref) {
        if (cfg_.lora) {
          policy_->set_lora_enabled(false);
          c.ref_logp = sequence_logprobs(policy_, c.prompts, c.responses, c.response_prompt, pg.temperature).token;
          policy_->set_lora_enabled(true);
        } else {
          c.ref_logp = sequence_logprobs(reference_, c.prompts, c.responses, c.response_prompt, pg.temperature).token;
        }
      }
    }
  }
  // Rewards (G,n) and advantages (N).
  auto rewards = torch::tensor(b.rewards, torch::kFloat64).view({G, b.n});  // (G,n)
  auto shaped = rewards;
  if (rloo && need_ref) {  // KL in the reward (k1, summed over the sequence)
    std::vector<torch::Tensor> parts;
    for (auto& c : chunks) {
      parts.push_back(rloo_kl_rewards(rewards.view({-1}).narrow(0, c.first, c.count), c.old_logp.cpu(), c.ref_logp.cpu(), c.seq.cpu(),
                                      pg.kl_beta));
    }
    shaped = torch::cat(parts).view({G, b.n});
  }
  torch::Tensor adv;
  if (rloo) {
    adv = rloo_advantages(shaped);
  } else if (pg.scale_rewards == "batch" && dist_->world_size() > 1) {  // the std of every rank's rewards
    double s = dist_->all_reduce_sum(shaped.sum().item<double>()), s2 = dist_->all_reduce_sum(shaped.pow(2).sum().item<double>());
    double var = (s2 - s * s / global_seqs) / std::max(1.0, global_seqs - 1);
    adv = (shaped - shaped.mean(1, true)) / (std::sqrt(std::max(0.0, var)) + 1e-4);
  } else {
    adv = grpo_advantages(shaped, pg.scale_rewards);
  }
  adv = adv.reshape({-1}).to(torch::kFloat32).to(policy_->device());  // (N)
  const auto coherence = num_groups_ == 0 ? std::map<size_t, double>() : group_coherence(b, adv);
  // Batch metrics, TRL's names (this rank's groups).
  auto group_std = rewards.std(1, true, false);  // (G)
  std::map<std::string, double> batch_metrics = {
      {"reward", rewards.mean().item<double>()},
      {"reward_std", group_std.mean().item<double>()},
      {"frac_reward_zero_std", (group_std < 1e-12).to(torch::kFloat64).mean().item<double>()},
      {"completions/mean_length", local_tokens / static_cast<double>(N)}};
  double prompt_tokens = 0;
  for (auto& p : b.prompts) prompt_tokens += static_cast<double>(p.size());
  // num_iterations updates on the same samples.
  StepResult r;
  bool any_update = false;
  for (int64_t it = 0; it < pg.num_iterations; ++it) {
    std::map<std::string, double> sums = {{"loss", 0.0}, {"clip_ratio/low_mean", 0.0}, {"clip_ratio/high_mean", 0.0},
                                          {"clip_ratio/region_mean", 0.0}};
    if (need_ref && !rloo) sums["kl"] = 0.0;
    bool bad = false;
    policy_->train();
    for (auto& c : chunks) {
      auto lp = sequence_logprobs(policy_, c.prompts, c.responses, c.response_prompt, pg.temperature);
      PolicyGradientInputs in;
      in.logp = lp.token;
      in.seq = lp.seq;
      in.advantages = adv.narrow(0, c.first, c.count);
      if (pg.num_iterations > 1) in.old_logp = c.old_logp;
      in.ref_logp = c.ref_logp;
      in.batch_sequences = global_seqs;
      in.batch_tokens = global_tokens;
      auto out = rloo ? rloo_loss(in, pg) : grpo_loss(in, pg);
      double v = out.loss.item<double>();
      // finish_step divides every sum by global_seqs: the loss is already this chunk's share;
      // token means are weighted by the chunk's tokens (RLOO: sequences).
      const double ntok = static_cast<double>(lp.token.size(0));
      const double w = rloo ? static_cast<double>(c.count) : ntok * global_seqs / global_tokens;
      sums["loss"] += v * global_seqs;
      for (auto& [k, m] : out.metrics) sums[k] += m * w;
      if (!std::isfinite(v)) { bad = true; break; }
      (out.loss / static_cast<double>(cfg_.grad_accum)).backward();
    }
    r = finish_step(std::move(sums), global_seqs, bad, local_tokens + prompt_tokens, static_cast<double>(N));
    any_update = any_update || r.updated;
    if (r.skipped) break;
  }
  r.updated = any_update;
  for (auto& [k, v] : batch_metrics) r.metrics[k] = v;
  if (!r.skipped) r.prompt_coherence = coherence;
  return r;
}

std::map<size_t, double> Trainer::group_coherence(const GroupBatch& b, const torch::Tensor& adv) {
  const bool was_training = policy_->is_training();
  policy_->eval();  // no dropout: no random numbers drawn
  std::vector<torch::Tensor> params;
  for (auto& [n, p] : trainable()) params.push_back(p);
  PolicyGradientConfig pg = cfg_.pg;
  pg.kl_beta = 0;
  std::map<size_t, torch::Tensor> grads;  // one group's gradient at a time; each leaves its comparison vector
  for (size_t g = 0; g < b.prompts.size(); ++g) {
    const int64_t first = static_cast<int64_t>(g) * b.n;
    std::vector<std::vector<int32_t>> responses(b.responses.begin() + first, b.responses.begin() + first + b.n);
    auto lp = sequence_logprobs(policy_, {b.prompts[g]}, responses, std::vector<size_t>(static_cast<size_t>(b.n), 0), pg.temperature);
    PolicyGradientInputs in;
    in.logp = lp.token;
    in.seq = lp.seq;
    in.advantages = adv.narrow(0, first, b.n);
    auto loss = (pg.algorithm == "rloo" ? rloo_loss(in, pg) : grpo_loss(in, pg)).loss;
    auto part = torch::autograd::grad({loss}, params, {}, /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t i = 0; i < part.size(); ++i)
      if (!part[i].defined()) part[i] = torch::zeros_like(params[i]);
    grads[g] = gradient_direction_vector(part, coherence_dims_);
  }
  if (was_training) policy_->train();
  return coherence_within_groups(std::move(grads));
}

}  // namespace laser::train
