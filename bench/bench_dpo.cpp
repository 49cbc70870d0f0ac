// DPO(+NLL) training-step throughput of train::Trainer at ~20M and ~100M parameters (presets "20m"
// and "100m", vocabulary 32000, LoRA r=16 on q/v as LASeR trains), model FLOPs utilization against
// an sgemm peak measured in the same run, and the ratio to the same step in Python (bench/peer/
// dpo_peer.py, TRL's concatenated-and-padded formulation) run from this program on the same batch.
// Then the grad-coherence bandit signal's cost on the first preset under full fine-tuning (every
// parameter trainable, so above strategy.coherence_dims' default): the step with each prompt's
// gradient compared exactly and count-sketched (train/grad_sketch.h), as ratios to the plain step
// of the same run, its peer. Not a test: it asserts nothing.
// Usage: bench_dpo [--presets 20m,100m] [--iters N] [--no-peer]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "laser/core/device.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"
#include "laser/loop/run_config.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/train/trainer.h"

#include "bench_peer.h"

using namespace laser;
using Clock = std::chrono::steady_clock;

static double secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

// sgemm peak: best GFLOP/s of square f32 matmuls.
static double sgemm_peak() {
  double best = 0;
  for (int64_t n : {1024, 2048}) {
    auto a = torch::randn({n, n}), b = torch::randn({n, n});
    auto c = torch::mm(a, b);
    for (int r = 0; r < 3; ++r) {
      auto t = Clock::now();
      c = torch::mm(a, b);
      double s = secs(t);
      best = std::max(best, 2.0 * n * n * n / s / 1e9);
    }
  }
  return best;
}

// The LASeR batch shape: 4 prompts, rank 1 vs ranks 2..3 (2 pairs per prompt, chosen shared),
// varied prompt (40..100) and response (20..80) lengths.
static std::vector<train::PreferencePair> make_batch(int64_t vocab) {
  Rng rng(42);
  auto seq = [&](int n) {
    std::vector<int32_t> s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(vocab))));
    return s;
  };
  std::vector<train::PreferencePair> ps;
  for (size_t p = 0; p < 4; ++p) {
    auto prompt = seq(40 + static_cast<int>(rng.below(61)));
    auto chosen = seq(20 + static_cast<int>(rng.below(61)));
    for (int k = 0; k < 2; ++k) ps.push_back({prompt, chosen, seq(20 + static_cast<int>(rng.below(61))), p});
  }
  return ps;
}

int main(int argc, char** argv) {
  const auto args = bench::parse_train_bench_args(argc, argv);
  const auto& presets = args.presets;
  const int iters = args.iters;
  const bool peer = args.peer;
  int threads = default_threads();
  model::set_threads(threads);
  double peak = sgemm_peak();
  std::printf("threads %d, sgemm peak %.1f GFLOP/s (f32, measured now)\n", threads, peak);
  const int64_t V = 32000;
  auto pairs = make_batch(V);
  // Token counts: TRL-equivalent (prompt+chosen and prompt+rejected per pair, real tokens) for
  // throughput; unique real tokens (what laser forwards) for FLOPs.
  double pair_tokens = 0;
  for (auto& p : pairs) pair_tokens += 2.0 * p.prompt.size() + p.chosen.size() + p.rejected.size();
  std::printf("batch: %zu pairs from 4 prompts, %.0f pair tokens\n", pairs.size(), pair_tokens);
  std::printf("%-6s %10s %12s %12s %8s %12s %8s\n", "model", "params", "step s", "tokens/s", "MFU", "peer step s", "speedup");
  for (auto& preset : presets) {
    auto cfg = model::preset_config(preset, V);
    model::CausalLM m(cfg);
    model::init_weights(m, 1);
    int64_t nparams = 0;
    for (auto& p : m->parameters()) nparams += p.numel();
    train::TrainerConfig tc;  // LASeR defaults: LoRA r16 q/v, DPO + NLL, lr 5e-6
    tc.micro_batch = 0;
    train::Trainer t(m, tc);
    // Model FLOPs (real tokens only): every unique token passes the layers in the policy forward,
    // the policy backward (activation gradients; frozen weights need none) and the reference
    // forward, 2 FLOPs per weight each: 6 * N_layers per token; the LM head (d x V) runs on
    // response tokens only; attention adds 2*2*d*T^2/2 per sequence per layer per pass.
    int64_t d = cfg.hidden_size, L = cfg.num_hidden_layers, D = cfg.get_head_dim();
    int64_t per_layer = d * (cfg.num_attention_heads * D) * 2 + d * (cfg.num_key_value_heads * D) * 2 + 3 * d * cfg.intermediate_size;
    double flops = 0;
    std::map<std::vector<int32_t>, bool> seen_prompt;
    std::map<std::pair<std::vector<int32_t>, std::vector<int32_t>>, bool> seen_resp;
    auto add_seq = [&](double new_tokens, double ctx_end, double lm_tokens) {
      double ctx_start = ctx_end - new_tokens;
      flops += 3.0 * (2.0 * per_layer * L * new_tokens + 2.0 * d * V * lm_tokens +
                      L * 2.0 * d * (ctx_end * ctx_end - ctx_start * ctx_start));
    };
    for (auto& p : pairs) {
      if (!seen_prompt[p.prompt]) { seen_prompt[p.prompt] = true; add_seq(p.prompt.size(), p.prompt.size(), 0); }
      for (auto* r : {&p.chosen, &p.rejected})
        if (!seen_resp[{p.prompt, *r}]) { seen_resp[{p.prompt, *r}] = true; add_seq(r->size(), p.prompt.size() + r->size(), r->size()); }
    }
    t.step(pairs);  // warmup
    std::vector<double> times;
    for (int i = 0; i < iters; ++i) {
      auto t0 = Clock::now();
      t.step(pairs);
      times.push_back(secs(t0));
    }
    std::sort(times.begin(), times.end());
    double step_s = times[times.size() / 2];
    double mfu = flops / step_s / (peak * 1e9);
    double peer_s = 0;
    if (peer) {
      nlohmann::json spec = {{"preset", preset}, {"vocab", V}, {"lora_r", tc.lora_r}, {"threads", threads},
                             {"warmup", 1}, {"iters", iters}, {"pairs", nlohmann::json::array()}};
      for (auto& p : pairs) spec["pairs"].push_back({{"prompt", p.prompt}, {"chosen", p.chosen}, {"rejected", p.rejected}});
      peer_s = bench::peer_seconds_median("dpo_peer.py", spec);
    }
    std::printf("%-6s %10lld %12.3f %12.0f %7.1f%% %12.3f %7.2fx\n", preset.c_str(), static_cast<long long>(nparams), step_s,
                pair_tokens / step_s, 100 * mfu, peer_s, peer_s > 0 ? peer_s / step_s : 0.0);
    std::fflush(stdout);
  }
  // grad-coherence: 4 prompts in 2 RMs' groups, memory 0.5 (the defaults), full fine-tuning.
  const int64_t default_dims = loop::RunConfig().coherence_dims;  // strategy.coherence_dims' default
  auto cfg = model::preset_config(presets.front(), V);
  std::printf("grad-coherence on %s, full fine-tuning:\n%-26s %14s %10s %12s\n", presets.front().c_str(), "step", "trainable", "step s",
              "vs plain");
  double plain_s = 0;
  for (int64_t dims : {int64_t{-1}, int64_t{0}, default_dims}) {  // -1: no coherence (the peer)
    model::CausalLM m(cfg);
    model::init_weights(m, 1);
    train::TrainerConfig tc;
    tc.lora = false;
    tc.micro_batch = 0;
    train::Trainer t(m, tc);
    int64_t trainable = 0;
    for (auto& p : m->parameters())
      if (p.requires_grad()) trainable += p.numel();
    auto step = [&] {
      if (dims >= 0) t.set_coherence_groups({0, 1, 0, 1}, 2, 0.5, dims);
      t.step(pairs);
    };
    step();  // warmup (and the memory's first entries)
    std::vector<double> times;
    for (int i = 0; i < iters; ++i) {
      auto t0 = Clock::now();
      step();
      times.push_back(secs(t0));
    }
    std::sort(times.begin(), times.end());
    const double step_s = times[times.size() / 2];
    if (dims < 0) plain_s = step_s;
    const std::string name = dims < 0 ? "plain DPO step" : dims == 0 ? "exact gradients" : "sketched to " + std::to_string(dims);
    std::printf("%-26s %14lld %10.3f %11.2fx\n", name.c_str(), static_cast<long long>(trainable), step_s, step_s / plain_s);
    std::fflush(stdout);
  }
  return 0;
}
