// SentencePiece .model wrapper (see sentencepiece_tokenizer.h); follows HF's LlamaTokenizer
// (legacy) handling of special tokens around SentencePiece.
#include "laser/text/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"

namespace laser::text {

namespace {
std::string content_of(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return "";
}
}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& model_path, const std::string& config_path)
    : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()), path_(model_path) {
  auto st = sp_->Load(model_path);
  if (!st.ok()) throw Error("cannot load SentencePiece model: " + st.ToString(), model_path, "is this a SentencePiece .model file?");
  vocab_size_ = sp_->GetPieceSize();
  for (int i = 0; i < vocab_size_; ++i)
    if (sp_->IsControl(i)) added_.add(sp_->IdToPiece(i), i, true);
  if (sp_->bos_id() >= 0) bos_ = sp_->bos_id();
  if (sp_->eos_id() >= 0) eos_ = sp_->eos_id();
  if (sp_->pad_id() >= 0) pad_ = sp_->pad_id();
  if (!config_path.empty() && io::file_exists(config_path)) {
    auto j = io::read_json(config_path);
    if (j.contains("added_tokens_decoder") && j["added_tokens_decoder"].is_object())
      for (auto& [k, v] : j["added_tokens_decoder"].items()) {
        int32_t id = std::stoi(k);
        std::string c = content_of(v);
        if (!c.empty() && !sp_->IsUnknown(id)) added_.add(c, id, v.value("special", true));
        vocab_size_ = std::max(vocab_size_, id + 1);
      }
    auto id_of = [&](const char* key) -> std::optional<int32_t> {
      if (!j.contains(key)) return std::nullopt;
      std::string c = content_of(j[key]);
      if (c.empty()) return std::nullopt;
      if (auto* a = added_.by_content(c)) return a->id;
      int id = sp_->PieceToId(c);
      if (id == sp_->unk_id() && c != sp_->IdToPiece(sp_->unk_id()))
        throw Error(std::string(key) + " '" + c + "' is not a piece of the model", config_path, "check the tokenizer files");
      return id;
    };
    if (auto v = id_of("bos_token")) bos_ = v;
    if (auto v = id_of("eos_token")) eos_ = v;
    if (auto v = id_of("pad_token")) pad_ = v;
    add_bos_ = j.value("add_bos_token", true);
    add_eos_ = j.value("add_eos_token", false);
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<int32_t> SentencePieceTokenizer::encode(const std::string& text, bool add_special) const {
  std::vector<int32_t> out;
  if (add_special && add_bos_ && bos_) out.push_back(*bos_);
  std::vector<AddedTokens::Segment> segs;
  added_.split(text, segs);
  std::vector<int> ids;
  for (const auto& s : segs) {
    if (s.id >= 0) {
      out.push_back(s.id);
      continue;
    }
    ids.clear();
    auto st = sp_->Encode(std::string_view(text).substr(s.begin, s.len), &ids);
    if (!st.ok()) throw Error("SentencePiece encode failed: " + st.ToString(), path_, "");
    out.insert(out.end(), ids.begin(), ids.end());
  }
  if (add_special && add_eos_ && eos_) out.push_back(*eos_);
  return out;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string out, piece;
  std::vector<int> run;
  auto flush = [&] {
    if (run.empty()) return;
    piece.clear();
    sp_->Decode(run, &piece);
    // SentencePiece drops the leading space of the first piece; HF keeps it after a special token.
    if (!out.empty() && sp_->IdToPiece(run[0]).rfind("\xE2\x96\x81", 0) == 0) out += ' ';
    out += piece;
    run.clear();
  };
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size_)
      throw Error("token id " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(vocab_size_) + ")",
                  path_, "the ids do not come from this tokenizer");
    if (auto* a = added_.by_id(id)) {
      if (skip_special && a->special) continue;
      flush();
      out += a->content;
      continue;
    }
    if (id >= sp_->GetPieceSize()) continue;
    run.push_back(id);
  }
  flush();
  return out;
}

std::string SentencePieceTokenizer::id_to_token(int32_t id) const {
  if (auto* a = added_.by_id(id)) return a->content;
  if (id < 0 || id >= sp_->GetPieceSize())
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary", path_, "the ids do not come from this tokenizer");
  return sp_->IdToPiece(id);
}

}  // namespace laser::text
