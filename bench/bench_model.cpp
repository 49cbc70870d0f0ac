// Model benchmark: prefill tokens/s and generation tokens/s (batch 1 and 32) for the ~20M-parameter
// preset ("20m", vocab 32000, random weights), then the same work by the Python peer
// (bench/peer/model_peer.py, plain torch, /usr/bin/python3) launched from this run; prints ratios.
// Also measures this machine's read bandwidth and sgemm peak in the same run and prints each
// workload's share of its limit. Measures only; no assertions. Usage: bench_model [--threads N] [--reps R] [--no-peer] [--quick]
// [--cpu-time] (time by process CPU seconds: steadier on a shared machine, meaningful with --threads 1)
// [--bf16] (the same work again with bf16 weights, and the bf16/f32 ratios: issue 18's "bf16 where fast").
#include <time.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "laser/core/allocator.h"
#include "laser/core/device.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"
#include "laser/core/timer.h"
#include "laser/gen/generate.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"

using namespace laser;

namespace {

bool g_cpu_time = false;  // --cpu-time: process CPU seconds instead of wall seconds

double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

template <typename F>
double best_of(F&& fn, int reps) {
  fn();  // warm-up
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    Timer t;
    double c0 = process_cpu_seconds();
    fn();
    best = std::min(best, g_cpu_time ? process_cpu_seconds() - c0 : t.seconds());
  }
  return best;
}

std::vector<std::vector<int32_t>> random_prompts(int B, int L, int64_t V, Rng& rng) {
  std::vector<std::vector<int32_t>> p(B);
  for (auto& r : p)
    for (int t = 0; t < L; ++t) r.push_back(static_cast<int32_t>(rng.below(V)));
  return p;
}

std::string run_peer(const std::string& args) {
  std::string cmd = "/usr/bin/python3 " + std::string(LASER_SOURCE_DIR) + "/bench/peer/model_peer.py " + args;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

// This machine's limits, measured in this run with the same libtorch: read bandwidth (GB/s, a
// sum over 256 MiB of floats) and fp32 matrix-product peak (GFLOP/s, 1024^3 sgemm), best of 5.
std::pair<double, double> measure_roofline() {
  torch::NoGradGuard ng;
  auto big = torch::ones({64 * 1024 * 1024}, torch::kFloat32);  // 256 MiB
  double s_bw = best_of([&] { big.sum().item<float>(); }, 5);
  big = torch::Tensor();
  auto a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
  double s_mm = best_of([&] { torch::mm(a, b); }, 5);
  return {256.0 * 1024 * 1024 / s_bw / 1e9, 2.0 * 1024 * 1024 * 1024 / s_mm / 1e9};
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, reps = 3;
  bool peer = true, quick = false;
  bool bf16 = false;  // --bf16: the same work again with the weights in bf16, and the bf16/f32 ratios
  std::string preset = "20m", prefill_spec, gen_spec;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--preset" && i + 1 < argc) preset = argv[++i];
    else if (a == "--prefill" && i + 1 < argc) prefill_spec = argv[++i];
    else if (a == "--gen" && i + 1 < argc) gen_spec = argv[++i];
    else if (a == "--no-peer") peer = false;
    else if (a == "--cpu-time") g_cpu_time = true;
    else if (a == "--quick") quick = true;
    else if (a == "--bf16") bf16 = true;
    else {
      std::cerr << "usage: bench_model [--threads N (0: all cores)] [--reps R] [--preset 20m] [--no-peer] [--quick] [--cpu-time]\n"
                   "                   [--prefill BxL,... (default 1x128,32x32)] [--gen BxLxN,... (default 1x16x64,32x16x64)] [--bf16]\n";
      return 2;
    }
  }
  const std::string malloc_policy = apply_allocator_policy();  // as the laser program does (LASER_MALLOC=system: glibc's defaults)
  if (threads <= 0) threads = default_threads();
  model::set_threads(threads);
  auto cfg = model::preset_config(preset, 32000);
  model::CausalLM m(cfg);
  model::init_weights(m, 0);
  m->eval();
  int64_t nparams = 0;
  for (auto& p : m->parameters()) nparams += p.numel();
  std::vector<std::pair<int, int>> prefill = {{1, 128}, {32, 32}};
  std::vector<std::tuple<int, int, int>> gens = {{1, 16, 64}, {32, 16, 64}};
  if (quick) {
    prefill = {{1, 32}, {4, 16}};
    gens = {{1, 8, 8}, {4, 8, 8}};
    reps = 1;
  }
  auto parse = [](const std::string& spec) {
    std::vector<std::vector<int>> out;
    for (auto& item : split(spec, ',')) {
      std::vector<int> v;
      for (auto& x : split(item, 'x')) v.push_back(std::atoi(x.c_str()));
      out.push_back(v);
    }
    return out;
  };
  if (!prefill_spec.empty()) {
    prefill.clear();
    for (auto& v : parse(prefill_spec)) if (v.size() == 2) prefill.push_back({v[0], v[1]});
  }
  if (!gen_spec.empty()) {
    gens.clear();
    for (auto& v : parse(gen_spec)) if (v.size() == 3) gens.push_back({v[0], v[1], v[2]});
  }
  std::printf("laser bench_model: preset %s, %lld parameters, %d threads, torch %s, best of %d, %s time, malloc %s\n", preset.c_str(),
              static_cast<long long>(nparams), threads, TORCH_VERSION, reps, g_cpu_time ? "process CPU" : "wall", malloc_policy.c_str());
  // Work per token, for the shares of the limits: weights read per decoded token at batch 1 (every
  // matrix once; the input embedding reads one row, the tied head reads it all), and matmul
  // FLOPs per token (2 per weight of the layers and the head; attention on top, per context).
  const double d = static_cast<double>(cfg.hidden_size), V = static_cast<double>(cfg.vocab_size);
  const double head = V * d, layers = static_cast<double>(nparams) - (cfg.tie_word_embeddings ? head : 2 * head);
  const double bytes_per_token = 4.0 * (layers + head);
  auto attn_flops = [&](double ctx) { return 4.0 * ctx * d * static_cast<double>(cfg.num_hidden_layers); };
  auto [bw, peak] = measure_roofline();
  std::printf("this machine, this run: read bandwidth %.1f GB/s, fp32 sgemm %.1f GFLOP/s\n", bw, peak);
  std::map<std::string, double> ours_prefill, ours_gen, share_prefill, share_gen;
  // Runs every workload on the model as it is (same seeded prompts each time).
  auto measure = [&](std::map<std::string, double>& tok_prefill, std::map<std::string, double>& tok_gen) {
  Rng rng(0);
  {
    torch::NoGradGuard ng;
    for (auto [B, L] : prefill) {
      auto p = random_prompts(B, L, cfg.vocab_size, rng);
      std::vector<int64_t> flat;
      for (auto& r : p) flat.insert(flat.end(), r.begin(), r.end());
      auto ids = torch::tensor(flat, torch::kLong).view({B, L});
      // Prefill as generation does it: all positions through the layers, logits of the last one.
      double s = best_of([&] { m->lm_logits(m->hidden_states(ids).select(1, L - 1)); }, reps);
      tok_prefill[std::to_string(B) + "x" + std::to_string(L)] = B * L / s;
      // All positions through the layers (attention over T x T), the head on the last one.
      double flops = B * (L * (2 * layers + attn_flops(L)) + 2 * head);
      share_prefill[std::to_string(B) + "x" + std::to_string(L)] = flops / s / 1e9 / peak;
    }
  }
  for (auto [B, L, N] : gens) {
    auto p = random_prompts(B, L, cfg.vocab_size, rng);
    gen::SamplingParams sp;
    sp.temperature = 1.0;
    sp.max_new_tokens = N;
    sp.batch_size = B;
    double s = best_of([&] { gen::generate(m, nullptr, p, sp); }, reps);
    std::string key = std::to_string(B) + "x" + std::to_string(L) + "x" + std::to_string(N);
    tok_gen[key] = B * N / s;
    // Batch 1 is bound by reading the weights, larger batches by the matrix products.
    share_gen[key] = B == 1 ? B * N / s * bytes_per_token / 1e9 / bw
                            : B * N / s * (2 * (layers + head) + attn_flops(L + N / 2.0)) / 1e9 / peak;
  }
  };
  measure(ours_prefill, ours_gen);
  std::map<std::string, double> bf_prefill, bf_gen;
  if (bf16) {
    auto f32_shares = std::make_pair(share_prefill, share_gen);  // the table's shares stay f32's
    m->to(torch::kBFloat16);
    measure(bf_prefill, bf_gen);
    m->to(torch::kFloat32);
    std::tie(share_prefill, share_gen) = f32_shares;
  }
  nlohmann::json peer_res;
  if (peer) {
    nlohmann::json pc = {{"vocab", cfg.vocab_size}, {"hidden", cfg.hidden_size}, {"inter", cfg.intermediate_size},
                         {"layers", cfg.num_hidden_layers}, {"heads", cfg.num_attention_heads},
                         {"kv_heads", cfg.num_key_value_heads}, {"eps", cfg.rms_norm_eps}, {"theta", cfg.rope_theta}};
    std::string ps, gs;
    for (auto& [k, v] : ours_prefill) ps += (ps.empty() ? "" : ",") + k;
    for (auto& [k, v] : ours_gen) gs += (gs.empty() ? "" : ",") + k;
    std::string out = run_peer("--config '" + pc.dump() + "' --threads " + std::to_string(threads) + " --reps " +
                               std::to_string(reps) + " --prefill '" + ps + "' --gen '" + gs + "'" + (g_cpu_time ? " --cpu-time" : ""));
    try {
      peer_res = nlohmann::json::parse(out);
      std::printf("peer: python torch %s, %lld parameters, %d threads\n", peer_res["torch"].get<std::string>().c_str(),
                  peer_res["params"].get<long long>(), peer_res["threads"].get<int>());
    } catch (const std::exception&) {
      std::printf("peer did not run (output: %s)\n", out.c_str());
      peer = false;
    }
  }
  std::printf("%-28s %14s %14s %8s  %s\n", "work", "laser tok/s", "peer tok/s", "ratio", "laser's share of the limit");
  auto row = [&](const std::string& what, const std::string& key, double ours, const char* group, double share, const char* limit) {
    double theirs = peer && peer_res[group].contains(key) ? peer_res[group][key].get<double>() : 0.0;
    if (theirs > 0) std::printf("%-28s %14.1f %14.1f %7.2fx  %5.1f%% of %s\n", what.c_str(), ours, theirs, ours / theirs, 100 * share, limit);
    else std::printf("%-28s %14.1f %14s %8s  %5.1f%% of %s\n", what.c_str(), ours, "-", "-", 100 * share, limit);
  };
  for (auto& [k, v] : ours_prefill) row("prefill B x L = " + k, k, v, "prefill", share_prefill[k], "sgemm peak");
  for (auto& [k, v] : ours_gen)
    row("generate B x L x N = " + k, k, v, "gen", share_gen[k], k.rfind("1x", 0) == 0 ? "read bandwidth" : "sgemm peak");
  if (bf16) {
    std::printf("\nbf16 weights, same run (libtorch %s's CPU kernels; shares above are f32's)\n", TORCH_VERSION);
    std::printf("%-28s %14s %14s %8s\n", "work", "f32 tok/s", "bf16 tok/s", "bf16/f32");
    for (auto& [k, v] : ours_prefill) std::printf("%-28s %14.1f %14.1f %7.2fx\n", ("prefill B x L = " + k).c_str(), v, bf_prefill[k], bf_prefill[k] / v);
    for (auto& [k, v] : ours_gen) std::printf("%-28s %14.1f %14.1f %7.2fx\n", ("generate B x L x N = " + k).c_str(), v, bf_gen[k], bf_gen[k] / v);
  }
  return 0;
}
