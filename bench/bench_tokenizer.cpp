// Encode throughput (MB/s of UTF-8 input) of the GPT-2, Llama-3 and Llama-2 tokenizers on the
// GSM8K train questions, and for Llama-2 the ratio to Debian's python3-sentencepiece on the same
// text measured in the same run (bench/peer/tokenizer_peer.py). Not a test: it checks nothing
// except that laser and the peer agree on the number of Llama-2 tokens.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/core/timer.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/text/bpe_loaders.h"
#include "laser/text/tokenizer.h"

using namespace laser;

namespace {

struct Result {
  double cold_mbs = 0, warm_mbs = 0, load_s = 0;
  size_t tokens = 0;
};

Result measure(const std::function<std::shared_ptr<text::Tokenizer>()>& load, const std::vector<std::string>& qs,
               size_t bytes, int passes) {
  Result r;
  Timer t;
  auto tok = load();
  r.load_s = t.seconds();
  double best = std::numeric_limits<double>::infinity();
  for (int p = 0; p < passes; ++p) {
    size_t n = 0;
    t.reset();
    for (const auto& q : qs) n += tok->encode(q, true).size();
    double s = t.seconds();
    if (p == 0) r.cold_mbs = bytes / s / 1e6;  // first pass: empty word cache
    best = std::min(best, s);
    r.tokens = n;
  }
  r.warm_mbs = bytes / best / 1e6;
  return r;
}

std::string run_peer(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) out.clear();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const char* env = std::getenv("LASER_SHARED_EXT");
    std::string ext = env ? env : std::string(LASER_SOURCE_DIR) + "/../shared/ext";
    std::string data = ext + "/datasets/gsm8k/train.jsonl", tk = ext + "/tokenizers/";
    if (!io::file_exists(data)) {
      std::cout << "bench_tokenizer: skipped, " << data << " is absent\n";
      return 0;
    }
    int passes = argc > 1 ? std::atoi(argv[1]) : 3;
    std::vector<std::string> qs;
    size_t bytes = 0;
    for (const auto& j : io::read_jsonl(data)) {
      qs.push_back(j.at("question").get<std::string>());
      bytes += qs.back().size();
    }
    std::cout << "GSM8K train questions: " << qs.size() << " texts, " << bytes / 1e6 << " MB; best of " << passes
              << " passes (cold = first pass, empty word cache); one thread\n";
    struct Named {
      std::string name;
      std::function<std::shared_ptr<text::Tokenizer>()> load;
    };
    std::vector<Named> toks = {
        {"gpt2 (tokenizer.json)", [&] { return text::load_tokenizer(tk + "gpt2"); }},
        {"llama-3 (tiktoken tokenizer.model)", [&] { return text::load_tokenizer(tk + "llama-3"); }},
        {"llama-2 (tokenizer.json)", [&] { return text::load_tokenizer(tk + "llama-2"); }},
        {"llama-2 (SentencePiece .model)",
         [&] { return text::load_sentencepiece_model(tk + "llama-2/tokenizer.model", tk + "llama-2/tokenizer_config.json"); }},
    };
    std::vector<Result> res;
    std::printf("%-36s %9s %12s %12s %10s\n", "tokenizer", "load s", "cold MB/s", "warm MB/s", "tokens");
    for (const auto& t : toks) {
      res.push_back(measure(t.load, qs, bytes, passes));
      const auto& r = res.back();
      std::printf("%-36s %9.2f %12.2f %12.2f %10zu\n", t.name.c_str(), r.load_s, r.cold_mbs, r.warm_mbs, r.tokens);
    }
    std::string peer = std::string(LASER_SOURCE_DIR) + "/bench/peer/tokenizer_peer.py";
    std::string out = run_peer("/usr/bin/python3 " + peer + " " + tk + "llama-2/tokenizer.model " + data + " " +
                               std::to_string(passes));
    if (out.empty()) {
      std::cout << "peer python3-sentencepiece: not available (run with /usr/bin/python3 and python3-sentencepiece)\n";
      return 0;
    }
    auto pj = nlohmann::json::parse(out);
    double peer_mbs = pj["mb_per_s"].get<double>();
    size_t peer_tokens = pj["tokens"].get<size_t>();
    std::printf("%-36s %9s %12s %12.2f %10zu\n", "llama-2 python3-sentencepiece (peer)", "-", "-", peer_mbs, peer_tokens);
    std::printf("ratio laser/peer, llama-2 warm: tokenizer.json %.2fx, .model %.2fx; cold: %.2fx, %.2fx\n",
                res[2].warm_mbs / peer_mbs, res[3].warm_mbs / peer_mbs, res[2].cold_mbs / peer_mbs, res[3].cold_mbs / peer_mbs);
    if (peer_tokens != res[2].tokens || peer_tokens != res[3].tokens)
      std::printf("WARNING: token counts differ between laser and python3-sentencepiece\n");
    return 0;
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
