// GRPO training-step time of train::Trainer::rl_step at ~20M and ~100M parameters (presets "20m"
// and "100m", vocabulary 32000, LoRA r=16 on q/v, k3 KL with the reference = adapters disabled,
// logits / temperature 0.8, loss_aggregation dapo) and its ratio to the same step in Python
// (bench/peer/grpo_peer.py, TRL's GRPOTrainer formulation) run from this program on the same batch.
// Not a test: it asserts nothing. Usage: bench_grpo [--presets 20m,100m] [--iters N] [--no-peer]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "laser/core/device.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/train/trainer.h"

#include "bench_peer.h"

using namespace laser;
using Clock = std::chrono::steady_clock;

static double secs(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

// A GRPO generation batch: 4 prompts (40..100 tokens) x 8 completions (20..80 tokens), rewards in [0,1).
static train::GroupBatch make_batch(int64_t vocab) {
  Rng rng(42);
  auto seq = [&](int n) {
    std::vector<int32_t> s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(vocab))));
    return s;
  };
  train::GroupBatch b;
  b.n = 8;
  for (int p = 0; p < 4; ++p) {
    b.prompts.push_back(seq(40 + static_cast<int>(rng.below(61))));
    for (int i = 0; i < b.n; ++i) {
      b.responses.push_back(seq(20 + static_cast<int>(rng.below(61))));
      b.rewards.push_back(static_cast<double>(rng.below(1000)) / 1000.0);
    }
  }
  return b;
}

int main(int argc, char** argv) {
  const auto args = bench::parse_train_bench_args(argc, argv);
  const auto& presets = args.presets;
  const int iters = args.iters;
  const bool peer = args.peer;
  int threads = default_threads();
  model::set_threads(threads);
  const int64_t V = 32000;
  const double kBeta = 0.04, kTemp = 0.8;
  auto b = make_batch(V);
  double tokens = 0;
  for (size_t i = 0; i < b.responses.size(); ++i) tokens += static_cast<double>(b.prompts[i / b.n].size() + b.responses[i].size());
  std::printf("threads %d; batch: %zu prompts x %lld completions, %.0f prompt+completion tokens\n", threads, b.prompts.size(),
              static_cast<long long>(b.n), tokens);
  std::printf("%-6s %10s %12s %12s %12s %8s\n", "model", "params", "step s", "tokens/s", "peer step s", "speedup");
  for (auto& preset : presets) {
    auto cfg = model::preset_config(preset, V);
    model::CausalLM m(cfg);
    model::init_weights(m, 1);
    int64_t nparams = 0;
    for (auto& p : m->parameters()) nparams += p.numel();
    train::TrainerConfig tc;  // LoRA r16 q/v, lr 5e-6, clip 1.0
    tc.micro_batch = 0;
    tc.pg.algorithm = "grpo";
    tc.pg.kl_beta = kBeta;
    tc.pg.temperature = kTemp;
    tc.pg.loss_aggregation = "dapo";
    tc.pg.max_completion_length = 80;
    train::Trainer t(m, tc);
    t.rl_step(b);  // warmup
    std::vector<double> times;
    for (int i = 0; i < iters; ++i) {
      auto t0 = Clock::now();
      t.rl_step(b);
      times.push_back(secs(t0));
    }
    std::sort(times.begin(), times.end());
    double step_s = times[times.size() / 2];
    std::fprintf(stderr, "%s: laser step %.3f s (peer running)\n", preset.c_str(), step_s);
    double peer_s = 0;
    if (peer) {
      std::vector<std::vector<int32_t>> completions = b.responses;
      nlohmann::json spec = {{"preset", preset}, {"vocab", V}, {"lora_r", tc.lora_r}, {"threads", threads}, {"warmup", 1},
                             {"iters", iters}, {"n", b.n}, {"beta", kBeta}, {"temperature", kTemp}, {"prompts", b.prompts},
                             {"completions", completions}, {"rewards", b.rewards}};
      peer_s = bench::peer_seconds_median("grpo_peer.py", spec);
    }
    std::printf("%-6s %10lld %12.3f %12.0f %12.3f %7.2fx\n", preset.c_str(), static_cast<long long>(nparams), step_s, tokens / step_s,
                peer_s, peer_s > 0 ? peer_s / step_s : 0.0);
    std::fflush(stdout);
  }
  return 0;
}
