// JSONL preference/SFT data (see preference_data.h), read with io::for_each_jsonl (file:line errors).
#include "laser/train/preference_data.h"

#include <map>

#include "laser/core/error.h"
#include "laser/io/jsonl.h"

namespace laser::train {

static std::vector<int32_t> encode_response(const text::Tokenizer& tok, const text::PromptEncoder& pe, const std::string& s) {
  auto ids = tok.encode(s, false);
  if (auto e = pe.end_of_turn_id(tok)) ids.push_back(*e);
  return ids;
}

static std::vector<int32_t> encode_prompt(const text::Tokenizer& tok, const text::PromptEncoder& pe, const std::string& s,
                                          const std::string& where) {
  auto ids = pe.encode(tok, s);
  LASER_CHECK(!ids.empty(), where + ":prompt", "the prompt encodes to no tokens", "give a non-empty prompt or a tokenizer with BOS");
  return ids;
}

std::vector<PreferencePair> load_preference_jsonl(const std::string& path, const text::Tokenizer& tok, const text::PromptEncoder& pe) {
  std::vector<PreferencePair> out;
  std::map<std::string, size_t> prompt_ids;
  io::for_each_jsonl(path, [&](const io::json& j, const std::string& where) {
    LASER_CHECK(j.is_object(), where, "a line is not a JSON object", "write {\"prompt\":..., \"chosen\":..., \"rejected\":...}");
    PreferencePair p;
    auto prompt = io::json_str(j, "prompt", where);
    p.prompt = encode_prompt(tok, pe, prompt, where);
    p.chosen = encode_response(tok, pe, io::json_str(j, "chosen", where));
    p.rejected = encode_response(tok, pe, io::json_str(j, "rejected", where));
    LASER_CHECK(p.chosen != p.rejected, where, "chosen and rejected are identical", "drop this pair");
    auto it = prompt_ids.emplace(prompt, prompt_ids.size()).first;
    p.prompt_index = it->second;
    out.push_back(std::move(p));
  });
  LASER_CHECK(!out.empty(), path, "no preference pairs in the file", "one JSON object per line");
  return out;
}

std::vector<SftExample> load_sft_jsonl(const std::string& path, const text::Tokenizer& tok, const text::PromptEncoder& pe) {
  std::vector<SftExample> out;
  io::for_each_jsonl(path, [&](const io::json& j, const std::string& where) {
    LASER_CHECK(j.is_object(), where, "a line is not a JSON object", "write {\"prompt\":..., \"response\":...}");
    SftExample e;
    e.prompt = encode_prompt(tok, pe, io::json_str(j, "prompt", where), where);
    e.response = encode_response(tok, pe, io::json_str(j, "response", where));
    out.push_back(std::move(e));
  });
  LASER_CHECK(!out.empty(), path, "no examples in the file", "one JSON object per line");
  return out;
}

}  // namespace laser::train
