// Benchmark: scoring throughput (items/s) of an LM-likelihood RM of ~20M parameters (preset "20m",
// vocab 32000, random weights) on 150-token responses, next to the same scoring in plain
// python3-torch (bench/peer/reward_peer.py), as a ratio from one run. Measures; asserts nothing.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "laser/core/rng.h"
#include "laser/core/timer.h"
#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/reward/lm_likelihood.h"
#include "laser/text/byte_tokenizer.h"

using namespace laser;

int main(int argc, char** argv) {
  int items = 64, prompt_len = 64, resp_len = 150, batch = 16, threads = 2, reps = 2;
  bool peer = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return std::atoi(argv[++i]); };
    if (a == "--items") items = next();
    else if (a == "--threads") threads = next();
    else if (a == "--batch") batch = next();
    else if (a == "--reps") reps = next();
    else if (a == "--no-peer") peer = false;
    else { std::cerr << "usage: bench_reward [--items N] [--threads T] [--batch B] [--reps R] [--no-peer]\n"; return 2; }
  }
  model::set_threads(threads);
  std::string dir = "/tmp/laser_bench_reward_20m";
  auto cfg = model::preset_config("20m", 32000);
  {
    model::CausalLM m(cfg);
    model::init_weights(m, 0);
    model::save_model(m, dir);
    text::ByteTokenizer::save(dir);  // loaded but unused: the bench scores token ids directly
  }
  Rng rng(1);
  std::vector<std::vector<int32_t>> prompts(items), responses(items);
  for (int i = 0; i < items; ++i) {
    for (int t = 0; t < prompt_len; ++t) prompts[i].push_back(static_cast<int32_t>(rng.below(32000)));
    for (int t = 0; t < resp_len; ++t) responses[i].push_back(static_cast<int32_t>(rng.below(32000)));
  }
  reward::LmLikelihoodRM::Options o;
  o.src.model_dir = dir;
  o.src.batch_size = batch;
  reward::LmLikelihoodRM rm("lm", o);
  rm.load();
  rm.score_ids({prompts.begin(), prompts.begin() + batch}, {responses.begin(), responses.begin() + batch});  // warm-up
  Timer t;
  std::vector<double> s;
  for (int r = 0; r < reps; ++r) s = rm.score_ids(prompts, responses);
  double dt = t.seconds();
  double ips = items * reps / dt;
  double mean = 0;
  for (double v : s) mean += v / s.size();
  std::printf("laser  lm-likelihood 20m (%lld params), %d items x (%d prompt + %d response tokens), batch %d, %d threads: %.2f items/s (mean score %.4f)\n",
              static_cast<long long>(cfg.num_parameters()), items, prompt_len, resp_len, batch, threads, ips, mean);
  if (!peer) return 0;
  std::string cmd = "/usr/bin/python3 " + std::string(LASER_SOURCE_DIR) + "/bench/peer/reward_peer.py --items " + std::to_string(items) +
                    " --prompt-len " + std::to_string(prompt_len) + " --resp-len " + std::to_string(resp_len) + " --batch " +
                    std::to_string(batch) + " --threads " + std::to_string(threads) + " --reps " + std::to_string(reps);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) { std::perror("popen"); return 1; }
  char buf[1024] = {0};
  std::string out;
  while (fgets(buf, sizeof buf, p)) out += buf;
  int rc = pclose(p);
  size_t k = out.find("\"items_per_s\": ");
  if (rc != 0 || k == std::string::npos) { std::cerr << "python peer failed: " << out << "\n"; return 1; }
  double py = std::atof(out.c_str() + k + 15);
  std::printf("python plain torch peer: %.2f items/s  (%s)\n", py, out.substr(0, out.find('\n')).c_str());
  std::printf("ratio laser / python: %.2fx\n", ips / py);
  io::remove_all(dir);
  return 0;
}
