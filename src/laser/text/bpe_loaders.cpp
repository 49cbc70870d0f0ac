// File readers for BpeTokenizer (see bpe_loaders.h). Formats as written by HF tokenizers
// (tokenizer.json), HF transformers' slow tokenizers (vocab.json/merges.txt/added_tokens.json,
// tokenizer_config.json) and OpenAI tiktoken / Meta Llama-3 (tokenizer.model).
#include "laser/text/bpe_loaders.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/text/utf8.h"

namespace laser::text {

using json = nlohmann::json;

namespace {

// Collects vocabulary, merges, added tokens and options while reading, then builds the tokenizer.
struct Builder {
  std::string where;
  std::vector<std::string> tokens;
  std::unordered_map<std::string, int32_t> ids;
  MergeMap merges;
  AddedTokens added;
  BpeOptions opt;

  void set_token(const std::string& t, int64_t id, const std::string& at) {
    if (id < 0 || id > (1 << 24))
      throw Error("token id " + std::to_string(id) + " is out of range", at, "ids must be 0..16777216");
    if (static_cast<size_t>(id) >= tokens.size()) tokens.resize(id + 1);
    tokens[id] = t;
    ids[t] = static_cast<int32_t>(id);
  }
  // An added token whose id comes from a file: the same id range as the vocabulary.
  void add_added(const std::string& content, int64_t id, bool special, const std::string& at) {
    if (id < 0 || id > (1 << 24))
      throw Error("added token id " + std::to_string(id) + " is out of range", at, "ids must be 0..16777216");
    added.add(content, static_cast<int32_t>(id), special);
  }
  std::optional<int32_t> find(const std::string& t) const {
    if (auto* a = added.by_content(t)) return a->id;
    auto it = ids.find(t);
    if (it == ids.end()) return std::nullopt;
    return it->second;
  }
  void add_merge(const std::string& a, const std::string& b, int32_t rank, const std::string& at) {
    auto ia = ids.find(a), ib = ids.find(b), ic = ids.find(a + b);
    const std::string* missing = ia == ids.end() ? &a : ib == ids.end() ? &b : nullptr;
    if (missing)
      throw Error("merge '" + a + " " + b + "' uses token '" + *missing + "' that is not in the vocabulary", at,
                  "the merges and the vocabulary do not belong together");
    if (ic == ids.end())
      throw Error("merge '" + a + " " + b + "' gives '" + a + b + "', which is not in the vocabulary", at,
                  "the merges and the vocabulary do not belong together");
    merges.emplace(merge_key(ia->second, ib->second), MergeInfo{rank, ic->second});
  }
  std::shared_ptr<BpeTokenizer> build() {
    // Stop ids commonly used by chat models, when they are special tokens here.
    for (const char* s : {"<|eot_id|>", "<|end_of_text|>", "<|eom_id|>", "<|im_end|>", "<|endoftext|>"}) {
      auto* a = added.by_content(s);
      if (a && a->special) opt.extra_stop_ids.push_back(a->id);
    }
    return std::make_shared<BpeTokenizer>(std::move(tokens), std::move(merges), std::move(added), std::move(opt), where);
  }
};

std::string token_content(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return "";
}

// tokenizer_config.json: added tokens, special-token ids, add_bos_token/add_eos_token.
void apply_config(Builder& b, const std::string& config_path, bool has_post_processor) {
  if (config_path.empty() || !io::file_exists(config_path)) {
    if (!b.opt.bos && !b.opt.prefix_ids.empty()) b.opt.bos = b.opt.prefix_ids.front();
    if (!b.opt.eos && !b.opt.suffix_ids.empty()) b.opt.eos = b.opt.suffix_ids.back();
    return;
  }
  json j = io::read_json(config_path);
  if (!j.is_object()) throw Error("tokenizer config is not a JSON object", config_path, "expected {...}");
  if (j.contains("added_tokens_decoder") && j["added_tokens_decoder"].is_object()) {
    for (auto& [k, v] : j["added_tokens_decoder"].items()) {
      int64_t id;
      try {
        id = std::stoll(k);
      } catch (...) {
        throw Error("added_tokens_decoder key '" + k + "' is not an id", config_path, "keys are token ids");
      }
      std::string c = token_content(v);
      if (c.empty()) throw Error("added_tokens_decoder[" + k + "] has no content", config_path, "expected {\"content\": ...}");
      b.add_added(c, id, v.value("special", true), config_path);
    }
  }
  auto special_id = [&](const char* key) -> std::optional<int32_t> {
    if (!j.contains(key)) return std::nullopt;
    std::string c = token_content(j[key]);
    if (c.empty()) return std::nullopt;
    auto id = b.find(c);
    if (!id) throw Error(std::string(key) + " '" + c + "' is not a token of the vocabulary", config_path, "check the tokenizer files");
    return id;
  };
  if (auto v = special_id("bos_token")) b.opt.bos = v;
  if (auto v = special_id("eos_token")) b.opt.eos = v;
  if (auto v = special_id("pad_token")) b.opt.pad = v;
  if (auto v = special_id("unk_token"); v && !b.opt.unk_id) b.opt.unk_id = v;
  if (j.contains("add_bos_token") && j["add_bos_token"].is_boolean()) {
    b.opt.prefix_ids.clear();
    if (j["add_bos_token"].get<bool>() && b.opt.bos) b.opt.prefix_ids.push_back(*b.opt.bos);
  } else if (!has_post_processor && b.opt.prefix_ids.empty()) {
    // no post-processor and no flag: HF slow tokenizers add nothing
  }
  if (j.contains("add_eos_token") && j["add_eos_token"].is_boolean()) {
    b.opt.suffix_ids.clear();
    if (j["add_eos_token"].get<bool>() && b.opt.eos) b.opt.suffix_ids.push_back(*b.opt.eos);
  }
  if (!b.opt.bos && !b.opt.prefix_ids.empty()) b.opt.bos = b.opt.prefix_ids.front();
}

// Finds the first object of `type` in a component that may be a Sequence.
const json* find_component(const json& c, const std::string& type, const char* list_key) {
  if (!c.is_object()) return nullptr;
  std::string t = c.value("type", "");
  if (t == type) return &c;
  if (t == "Sequence" && c.contains(list_key) && c[list_key].is_array())
    for (const auto& s : c[list_key])
      if (auto* f = find_component(s, type, list_key)) return f;
  return nullptr;
}

// Runs a loader, turning nlohmann's type and range errors (a number where a string belongs, an id
// beyond int32, ...) into one laser::Error naming the files read.
template <class F>
std::shared_ptr<BpeTokenizer> guard_json(const std::string& where, F&& load) {
  try {
    return load();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed tokenizer file: ") + e.what(), where, "compare the file with the HF format it claims to be");
  }
}

std::string config_next_to(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return io::join_path(dir, "tokenizer_config.json");
}

}  // namespace

static std::shared_ptr<BpeTokenizer> load_hf_tokenizer_json_impl(const std::string& path, const std::string& config_path) {
  json j = io::read_json(path);
  Builder b;
  b.where = path;
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
    throw Error("no \"model\" object in tokenizer.json", path, "is this a HF tokenizers file?");
  const json& m = j["model"];
  std::string type = m.value("type", "BPE");
  if (type != "BPE")
    throw Error("tokenizer model type '" + type + "' is not supported", path + ": model.type",
                "laser reads BPE tokenizer.json files (byte-level or SentencePiece-style)");
  if (!m.contains("vocab") || !m["vocab"].is_object())
    throw Error("model.vocab is missing or not an object", path, "expected {\"token\": id, ...}");
  for (auto& [t, id] : m["vocab"].items()) {
    if (!id.is_number_integer()) throw Error("model.vocab['" + t + "'] is not an integer id", path, "ids are integers");
    b.set_token(t, id.get<int64_t>(), path + ": model.vocab");
  }
  if (!m.contains("merges") || !m["merges"].is_array())
    throw Error("model.merges is missing or not an array", path, "expected [\"a b\", ...]");
  int32_t rank = 0;
  for (const auto& mg : m["merges"]) {
    std::string at = path + ": model.merges[" + std::to_string(rank) + "]";
    std::string a, c;
    if (mg.is_string()) {
      std::string s = mg.get<std::string>();
      auto sp = s.find(' ');
      if (sp == std::string::npos) throw Error("merge '" + s + "' has no space between its two tokens", at, "expected \"a b\"");
      a = s.substr(0, sp);
      c = s.substr(sp + 1);
    } else if (mg.is_array() && mg.size() == 2 && mg[0].is_string() && mg[1].is_string()) {
      a = mg[0].get<std::string>();
      c = mg[1].get<std::string>();
    } else {
      throw Error("merge is neither \"a b\" nor [\"a\", \"b\"]", at, "check the file");
    }
    b.add_merge(a, c, rank++, at);
  }
  if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
    for (const auto& a : j["added_tokens"]) {
      if (!a.contains("id") || !a.contains("content")) throw Error("an added token lacks id or content", path + ": added_tokens", "");
      if (!a["id"].is_number_integer()) throw Error("an added token's id is not an integer", path + ": added_tokens", "ids are integers");
      b.add_added(a["content"].get<std::string>(), a["id"].get<int64_t>(), a.value("special", false), path + ": added_tokens");
    }
  }
  const json null_json;
  const json& norm = j.contains("normalizer") ? j["normalizer"] : null_json;
  const json& pre = j.contains("pre_tokenizer") ? j["pre_tokenizer"] : null_json;
  const json& dec = j.contains("decoder") ? j["decoder"] : null_json;
  const json& post = j.contains("post_processor") ? j["post_processor"] : null_json;
  bool byte_level = find_component(pre, "ByteLevel", "pretokenizers") || find_component(dec, "ByteLevel", "decoders");
  b.opt.byte_level = byte_level;
  b.opt.ignore_merges = m.value("ignore_merges", false);
  b.opt.byte_fallback = m.value("byte_fallback", false);
  b.opt.fuse_unk = m.value("fuse_unk", false);
  if (m.contains("unk_token") && m["unk_token"].is_string()) {
    auto it = b.ids.find(m["unk_token"].get<std::string>());
    if (it != b.ids.end()) b.opt.unk_id = it->second;
  }
  b.opt.nfc = find_component(norm, "NFC", "normalizers") != nullptr;
  if (byte_level) {
    b.opt.kind = "bpe-byte-level";
    if (auto* split = find_component(pre, "Split", "pretokenizers")) {
      if (split->contains("pattern") && (*split)["pattern"].contains("Regex"))
        b.opt.pattern = (*split)["pattern"]["Regex"].get<std::string>();
      else throw Error("Split pre-tokenizer without a Regex pattern", path + ": pre_tokenizer", "only regex splits are supported");
    } else if (auto* bl = find_component(pre, "ByteLevel", "pretokenizers"); bl && bl->value("use_regex", true)) {
      b.opt.pattern = pretokenizer_pattern("gpt2");
    }
  } else {
    b.opt.kind = "bpe-sentencepiece";
    if (find_component(norm, "Prepend", "normalizers")) b.opt.prepend = BpeOptions::Prepend::Always;
    if (auto* ms = find_component(pre, "Metaspace", "pretokenizers")) {
      std::string scheme = ms->value("prepend_scheme", ms->value("add_prefix_space", true) ? "always" : "never");
      b.opt.prepend = scheme == "first" ? BpeOptions::Prepend::First
                      : scheme == "never" ? BpeOptions::Prepend::Never
                                          : BpeOptions::Prepend::Always;
      b.opt.prepend_only_if_absent = true;
      b.opt.split_on_space = ms->value("split", true);
    }
    if (auto* st = find_component(dec, "Strip", "decoders"); st && st->value("start", 0) > 0) b.opt.strip_leading_space = true;
    if (auto* md = find_component(dec, "Metaspace", "decoders")) {
      std::string scheme = md->value("prepend_scheme", md->value("add_prefix_space", true) ? "always" : "never");
      if (scheme != "never") b.opt.strip_leading_space = true;
    }
  }
  bool has_post = false;
  if (auto* tp = find_component(post, "TemplateProcessing", "processors")) {
    has_post = true;
    bool seen_a = false;
    for (const auto& piece : tp->value("single", json::array())) {
      if (piece.contains("Sequence")) {
        seen_a = true;
      } else if (piece.contains("SpecialToken")) {
        std::string name = piece["SpecialToken"].value("id", "");
        std::vector<int32_t> ids;
        const json& st = tp->contains("special_tokens") ? (*tp)["special_tokens"] : null_json;  // const [] must not miss
        if (st.contains(name) && st[name].contains("ids")) ids = st[name]["ids"].get<std::vector<int32_t>>();
        else if (auto id = b.find(name)) ids = {*id};
        else throw Error("post-processor special token '" + name + "' is unknown", path + ": post_processor", "");
        auto& dst = seen_a ? b.opt.suffix_ids : b.opt.prefix_ids;
        dst.insert(dst.end(), ids.begin(), ids.end());
      }
    }
  }
  apply_config(b, config_path.empty() ? config_next_to(path) : config_path, has_post);
  return b.build();
}

static std::shared_ptr<BpeTokenizer> load_vocab_merges_impl(const std::string& vocab_path, const std::string& merges_path,
                                                             const std::string& pretokenizer, const std::string& added_tokens_path,
                                                             const std::string& config_path) {
  if (!io::file_exists(vocab_path))
    throw Error("vocabulary file is missing", vocab_path, "a vocab.json (or encoder.json) must sit next to " + merges_path);
  if (!io::file_exists(merges_path))
    throw Error("merges file is missing", merges_path, "a merges.txt (or vocab.bpe) must sit next to " + vocab_path);
  Builder b;
  b.where = merges_path;
  json v = io::read_json(vocab_path);
  if (!v.is_object()) throw Error("vocabulary is not a JSON object", vocab_path, "expected {\"token\": id, ...}");
  for (auto& [t, id] : v.items()) {
    if (!id.is_number_integer()) throw Error("entry '" + t + "' is not an integer id", vocab_path, "ids are integers");
    b.set_token(t, id.get<int64_t>(), vocab_path);
  }
  std::ifstream f(merges_path, std::ios::binary);
  std::string line;
  int lineno = 0, rank = 0;
  while (std::getline(f, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (lineno == 1 && starts_with(line, "#version"))) continue;
    std::string at = merges_path + ":" + std::to_string(lineno);
    auto sp = line.find(' ');
    if (sp == std::string::npos || line.find(' ', sp + 1) != std::string::npos)
      throw Error("merge line is not two tokens separated by one space: '" + line + "'", at, "expected \"a b\"");
    b.add_merge(line.substr(0, sp), line.substr(sp + 1), rank++, at);
  }
  std::string cfg = config_path.empty() ? config_next_to(vocab_path) : config_path;
  std::string name = pretokenizer;
  json cj;
  if (io::file_exists(cfg)) cj = io::read_json(cfg);
  if (name.empty()) {
    std::string cls = cj.is_object() ? cj.value("tokenizer_class", "") : "";
    name = starts_with(cls, "Qwen2") ? "qwen2" : "gpt2";
  }
  b.opt.byte_level = true;
  b.opt.kind = "bpe-byte-level";
  b.opt.pattern = pretokenizer_pattern(name);
  b.opt.nfc = name == "qwen2";
  b.opt.ignore_merges = name == "llama3";
  if (!added_tokens_path.empty() && io::file_exists(added_tokens_path)) {
    json a = io::read_json(added_tokens_path);
    if (!a.is_object()) throw Error("added tokens file is not a JSON object", added_tokens_path, "expected {\"token\": id}");
    for (auto& [t, id] : a.items()) {
      if (!id.is_number_integer()) throw Error("entry '" + t + "' is not an integer id", added_tokens_path, "");
      b.add_added(t, id.get<int64_t>(), true, added_tokens_path);
    }
  }
  apply_config(b, cfg, false);
  return b.build();
}

namespace {
int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
bool b64_decode(const std::string& s, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    int v = b64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return true;
}
}  // namespace

bool looks_like_tiktoken(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string line;
  if (!std::getline(f, line)) return false;
  auto sp = line.find(' ');
  if (sp == std::string::npos || sp == 0 || sp + 1 >= line.size()) return false;
  for (size_t i = 0; i < sp; ++i)
    if (b64_value(line[i]) < 0 && line[i] != '=') return false;
  for (size_t i = sp + 1; i < line.size(); ++i)
    if (!(line[i] >= '0' && line[i] <= '9') && line[i] != '\r') return false;
  return true;
}

static std::shared_ptr<BpeTokenizer> load_tiktoken_impl(const std::string& path, const std::string& config_path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open tiktoken file", path, "check the path");
  Builder b;
  b.where = path;
  std::unordered_map<std::string, int32_t> by_bytes;
  std::vector<std::string> bytes_of;
  std::string line, tok;
  int lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::string at = path + ":" + std::to_string(lineno);
    auto sp = line.find(' ');
    if (sp == std::string::npos) throw Error("line is not 'base64 rank'", at, "is this a tiktoken file?");
    if (!b64_decode(line.substr(0, sp), tok) || tok.empty()) throw Error("token is not valid base64", at, "");
    int64_t rank;
    try {
      rank = std::stoll(line.substr(sp + 1));
    } catch (...) {
      throw Error("rank '" + line.substr(sp + 1) + "' is not an integer", at, "");
    }
    std::string form;
    for (unsigned char c : tok) form += byte_to_unicode_str()[c];
    b.set_token(form, rank, at);
    if (static_cast<size_t>(rank) >= bytes_of.size()) bytes_of.resize(rank + 1);
    bytes_of[rank] = tok;
    by_bytes[tok] = static_cast<int32_t>(rank);
  }
  if (by_bytes.empty()) throw Error("no ranks in tiktoken file", path, "the file is empty");
  // tiktoken merges the adjacent pair whose concatenation has the lowest rank: every split of a
  // token into two tokens is a merge with the token's rank.
  for (int32_t id = 0; id < static_cast<int32_t>(bytes_of.size()); ++id) {
    const std::string& t = bytes_of[id];
    for (size_t k = 1; k < t.size(); ++k) {
      auto ia = by_bytes.find(t.substr(0, k));
      if (ia == by_bytes.end()) continue;
      auto ib = by_bytes.find(t.substr(k));
      if (ib == by_bytes.end()) continue;
      b.merges.emplace(merge_key(ia->second, ib->second), MergeInfo{id, id});
    }
  }
  int32_t n = static_cast<int32_t>(bytes_of.size());
  bool have_cfg = !config_path.empty() && io::file_exists(config_path);
  if (!have_cfg) {
    // Meta's Llama-3 special tokens (tokenizer.py of meta-llama/llama3).
    std::vector<std::string> sp = {"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                                   "<|reserved_special_token_1|>", "<|reserved_special_token_2|>",
                                   "<|reserved_special_token_3|>", "<|start_header_id|>", "<|end_header_id|>",
                                   "<|reserved_special_token_4|>", "<|eot_id|>"};
    for (int i = 5; i < 256 - 5; ++i) sp.push_back("<|reserved_special_token_" + std::to_string(i) + "|>");
    for (int i = 0; i < static_cast<int>(sp.size()); ++i) b.added.add(sp[i], n + i, true);
  }
  b.opt.byte_level = true;
  b.opt.kind = "tiktoken";
  b.opt.pattern = pretokenizer_pattern("llama3");
  b.opt.ignore_merges = true;
  if (!have_cfg) {
    b.opt.bos = b.added.by_content("<|begin_of_text|>")->id;
    b.opt.eos = b.added.by_content("<|end_of_text|>")->id;
    b.opt.prefix_ids = {*b.opt.bos};
  } else {
    apply_config(b, config_path, false);
    // Llama-3's HF post-processor adds BOS; a config without add_bos_token keeps that.
    json cj = io::read_json(config_path);
    if (!cj.contains("add_bos_token") && b.opt.bos) b.opt.prefix_ids = {*b.opt.bos};
  }
  return b.build();
}

}  // namespace laser::text

// ---- SentencePiece .model (protobuf wire format; field numbers of sentencepiece_model.proto) ----

namespace laser::text {

namespace {
struct PbReader {
  const uint8_t* p;
  const uint8_t* end;
  std::string where;
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) throw Error("truncated protobuf varint", where, "is this a SentencePiece .model file?");
      uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    throw Error("bad protobuf varint", where, "is this a SentencePiece .model file?");
  }
  // Reads one field; calls fn(field, wire_type, value, bytes) for varint/fixed32/length-delimited.
  template <typename F>
  void each(F fn) {
    while (p < end) {
      uint64_t key = varint();
      uint32_t field = static_cast<uint32_t>(key >> 3), wt = key & 7;
      if (wt == 0) {
        fn(field, wt, varint(), std::string_view());
      } else if (wt == 1) {
        if (end - p < 8) throw Error("truncated protobuf field", where, "");
        p += 8;
      } else if (wt == 5) {
        if (end - p < 4) throw Error("truncated protobuf field", where, "");
        uint32_t v;
        std::memcpy(&v, p, 4);
        p += 4;
        fn(field, wt, v, std::string_view());
      } else if (wt == 2) {
        uint64_t n = varint();
        if (static_cast<uint64_t>(end - p) < n) throw Error("truncated protobuf field", where, "is the file complete?");
        std::string_view b(reinterpret_cast<const char*>(p), n);
        p += n;
        fn(field, wt, 0, b);
      } else {
        throw Error("unsupported protobuf wire type " + std::to_string(wt), where, "is this a SentencePiece .model file?");
      }
    }
  }
};
PbReader sub(std::string_view b, const std::string& where) {
  return {reinterpret_cast<const uint8_t*>(b.data()), reinterpret_cast<const uint8_t*>(b.data()) + b.size(), where};
}
}  // namespace

static std::shared_ptr<BpeTokenizer> load_sentencepiece_model_impl(const std::string& path, const std::string& config_path) {
  std::string data = io::read_file(path);
  struct Piece {
    std::string text;
    float score = 0;
    int type = 1;  // 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte
  };
  std::vector<Piece> pieces;
  int model_type = 1;
  bool byte_fallback = false, add_dummy_prefix = true, remove_extra_ws = true, ws_suffix = false;
  std::string norm_name;
  PbReader r = sub(data, path);
  r.each([&](uint32_t f, uint32_t wt, uint64_t, std::string_view b) {
    if (wt != 2) return;
    if (f == 1) {  // SentencePiece
      Piece pc;
      auto s = sub(b, path);
      s.each([&](uint32_t g, uint32_t, uint64_t v, std::string_view bb) {
        if (g == 1) pc.text = std::string(bb);
        else if (g == 2) std::memcpy(&pc.score, &v, 4);
        else if (g == 3) pc.type = static_cast<int>(v);
      });
      pieces.push_back(std::move(pc));
    } else if (f == 2) {  // TrainerSpec
      auto s = sub(b, path);
      s.each([&](uint32_t g, uint32_t gw, uint64_t v, std::string_view) {
        if (gw != 0) return;
        if (g == 3) model_type = static_cast<int>(v);
        else if (g == 35) byte_fallback = v != 0;
        else if (g == 24) ws_suffix = v != 0;
      });
    } else if (f == 3) {  // NormalizerSpec
      auto s = sub(b, path);
      s.each([&](uint32_t g, uint32_t gw, uint64_t v, std::string_view bb) {
        if (g == 1 && gw == 2) norm_name = std::string(bb);
        else if (g == 3 && gw == 0) add_dummy_prefix = v != 0;
        else if (g == 4 && gw == 0) remove_extra_ws = v != 0;
      });
    }
  });
  if (pieces.empty()) throw Error("no pieces in SentencePiece model", path, "is this a SentencePiece .model file?");
  if (model_type != 2)
    throw Error("SentencePiece model type " + std::to_string(model_type) + " is not BPE", path,
                "laser reads BPE SentencePiece models (Llama-2, Mistral); use the model's tokenizer.json");
  if (!norm_name.empty() && norm_name != "identity")
    throw Error("SentencePiece normaliser '" + norm_name + "' is not supported", path,
                "laser supports the identity normaliser of the Llama family; use the model's tokenizer.json");
  if (ws_suffix) throw Error("treat_whitespace_as_suffix is not supported", path, "use the model's tokenizer.json");
  Builder b;
  b.where = path;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const auto& pc = pieces[i];
    b.set_token(pc.text, static_cast<int64_t>(i), path);
    if (pc.type == 2) {
      b.opt.unk_id = static_cast<int32_t>(i);
      b.added.add(pc.text, static_cast<int32_t>(i), true);
    } else if (pc.type == 3) {
      b.added.add(pc.text, static_cast<int32_t>(i), true);
    } else if (pc.type == 4) {
      b.added.add(pc.text, static_cast<int32_t>(i), false);
    }
  }
  // Rank of a piece = its place in descending score order (ties: lower id first).
  std::vector<int32_t> order(pieces.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) { return pieces[x].score > pieces[y].score; });
  std::vector<int32_t> rank(pieces.size());
  for (size_t k = 0; k < order.size(); ++k) rank[order[k]] = static_cast<int32_t>(k);
  auto mergeable = [&](int t) { return t == 1 || t == 4; };
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].type != 1) continue;
    const std::string& t = pieces[i].text;
    for (size_t k = utf8_seq_len(t, 0) ? utf8_seq_len(t, 0) : 1; k < t.size();) {
      auto ia = b.ids.find(t.substr(0, k));
      auto ib = b.ids.find(t.substr(k));
      if (ia != b.ids.end() && ib != b.ids.end() && mergeable(pieces[ia->second].type) && mergeable(pieces[ib->second].type))
        b.merges.emplace(merge_key(ia->second, ib->second), MergeInfo{rank[i], static_cast<int32_t>(i)});
      size_t l = utf8_seq_len(t, k);
      k += l ? l : 1;
    }
  }
  b.opt.byte_level = false;
  b.opt.kind = "sentencepiece";
  b.opt.byte_fallback = byte_fallback;
  b.opt.prepend = add_dummy_prefix ? BpeOptions::Prepend::Always : BpeOptions::Prepend::Never;
  b.opt.strip_leading_space = add_dummy_prefix;
  b.opt.collapse_spaces = remove_extra_ws;
  if (auto* a = b.added.by_content("<s>")) b.opt.bos = a->id;
  if (auto* a = b.added.by_content("</s>")) b.opt.eos = a->id;
  if (b.opt.bos) b.opt.prefix_ids = {*b.opt.bos};  // LlamaTokenizer's default add_bos_token
  apply_config(b, config_path, false);
  return b.build();
}

}  // namespace laser::text

namespace laser::text {

namespace {
std::string files(const std::string& a, const std::string& b) { return b.empty() ? a : a + " (with " + b + ")"; }
}  // namespace

std::shared_ptr<BpeTokenizer> load_hf_tokenizer_json(const std::string& path, const std::string& config_path) {
  return guard_json(files(path, config_path), [&] { return load_hf_tokenizer_json_impl(path, config_path); });
}

std::shared_ptr<BpeTokenizer> load_vocab_merges(const std::string& vocab_path, const std::string& merges_path,
                                                const std::string& pretokenizer, const std::string& added_tokens_path,
                                                const std::string& config_path) {
  return guard_json(files(vocab_path + ", " + merges_path, config_path), [&] {
    return load_vocab_merges_impl(vocab_path, merges_path, pretokenizer, added_tokens_path, config_path);
  });
}

std::shared_ptr<BpeTokenizer> load_tiktoken(const std::string& path, const std::string& config_path) {
  return guard_json(files(path, config_path), [&] { return load_tiktoken_impl(path, config_path); });
}

std::shared_ptr<BpeTokenizer> load_sentencepiece_model(const std::string& path, const std::string& config_path) {
  return guard_json(files(path, config_path), [&] { return load_sentencepiece_model_impl(path, config_path); });
}

}  // namespace laser::text
