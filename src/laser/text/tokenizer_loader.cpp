// load_tokenizer(dir): picks the tokenizer implementation from the files a model directory holds,
// in this order: laser_tokenizer.json (byte tokenizer), tokenizer.json (HF), vocab.json +
// merges.txt or encoder.json + vocab.bpe (GPT-2 style), tokenizer.model (tiktoken text or a
// SentencePiece protobuf, told apart by content). tokenizer_config.json is read when present.
#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/text/bpe_loaders.h"
#include "laser/text/byte_tokenizer.h"
#include "laser/text/tokenizer.h"

namespace laser::text {

std::shared_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  auto p = [&](const char* f) { return io::join_path(dir, f); };
  std::string lt = p("laser_tokenizer.json");
  if (io::file_exists(lt)) {
    auto j = io::read_json(lt);
    std::string type = j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
    if (type == "bytes") return std::make_shared<ByteTokenizer>();
    throw Error("unknown tokenizer type '" + type + "'", lt, "expected \"bytes\"");
  }
  std::string cfg = p("tokenizer_config.json");
  if (!io::file_exists(cfg)) cfg.clear();
  if (io::file_exists(p("tokenizer.json"))) return load_hf_tokenizer_json(p("tokenizer.json"), cfg);
  for (auto [v, m] : {std::pair{"vocab.json", "merges.txt"}, std::pair{"encoder.json", "vocab.bpe"}}) {
    bool hv = io::file_exists(p(v)), hm = io::file_exists(p(m));
    if (hv && hm) return load_vocab_merges(p(v), p(m), "", p("added_tokens.json"), cfg);
    if (hm && !hv) throw Error(std::string("found ") + m + " but no " + v, p(v), "the vocabulary file is missing");
    if (hv && !hm && !io::file_exists(p("tokenizer.model")))
      throw Error(std::string("found ") + v + " but no " + m, p(m), "the merges file is missing");
  }
  if (io::file_exists(p("tokenizer.model"))) {
    if (looks_like_tiktoken(p("tokenizer.model"))) return load_tiktoken(p("tokenizer.model"), cfg);
    return load_sentencepiece_model(p("tokenizer.model"), cfg);
  }
  throw Error("no tokenizer found", dir,
              "expected laser_tokenizer.json, tokenizer.json, vocab.json + merges.txt, or tokenizer.model");
}

const std::vector<std::string>& tokenizer_files() {
  static const std::vector<std::string> f = {"laser_tokenizer.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                                             "encoder.json", "vocab.bpe", "added_tokens.json", "tokenizer.model", "special_tokens_map.json"};
  return f;
}

void copy_tokenizer_files(const std::string& src_dir, const std::string& dst_dir) {
  for (const auto& f : tokenizer_files()) {
    std::string src = io::join_path(src_dir, f);
    if (io::file_exists(src)) io::write_file_atomic(io::join_path(dst_dir, f), io::read_file(src));
  }
}

std::string clean_up_tokenization(const std::string& text) {
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
      {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  std::string s = text;
  for (auto [from, to] : rules) {
    std::string out;
    size_t i = 0, fl = std::char_traits<char>::length(from);
    for (size_t j; (j = s.find(from, i)) != std::string::npos; i = j + fl) out.append(s, i, j - i).append(to);
    out.append(s, i, std::string::npos);
    s.swap(out);
  }
  return s;
}

}  // namespace laser::text
