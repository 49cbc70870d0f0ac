// Readers that build a BpeTokenizer from the files model directories ship: HF tokenizer.json
// (byte-level or SentencePiece-style BPE), GPT-2 style vocab.json + merges.txt (+ added_tokens.json),
// and tiktoken rank files (Llama-3's tokenizer.model). tokenizer_config.json, when given, adds
// added_tokens_decoder entries and sets BOS/EOS/pad and add_bos_token/add_eos_token.
// SentencePiece .model files (BPE type: Llama-2, Mistral, TinyLlama) are read here too, with a
// small protobuf reader: linking libsentencepiece into laser is not possible, because it exports
// its bundled protobuf-lite and so breaks libtorch's protobuf at start-up (segfault).
#pragma once
#include <memory>
#include <string>

#include "laser/text/bpe_tokenizer.h"

namespace laser::text {

// config_path may be "" (no tokenizer_config.json).
std::shared_ptr<BpeTokenizer> load_hf_tokenizer_json(const std::string& path, const std::string& config_path = "");

// pretokenizer: "gpt2", "llama3" or "qwen2"; "" picks it from tokenizer_config.json's
// tokenizer_class (Qwen2Tokenizer -> qwen2, otherwise gpt2). added_tokens_path may be "".
std::shared_ptr<BpeTokenizer> load_vocab_merges(const std::string& vocab_path, const std::string& merges_path,
                                                const std::string& pretokenizer = "",
                                                const std::string& added_tokens_path = "",
                                                const std::string& config_path = "");

// A tiktoken rank file: one "base64(token bytes) rank" per line. Special tokens come from
// tokenizer_config.json's added_tokens_decoder when given, else Meta's Llama-3 list (ids from
// the number of ranks on: <|begin_of_text|>, <|end_of_text|>, ..., <|eot_id|>, reserved ones).
std::shared_ptr<BpeTokenizer> load_tiktoken(const std::string& path, const std::string& config_path = "");

// A SentencePiece .model (protobuf ModelProto) of BPE type, turned into the equivalent BPE model:
// a piece's merges are all its splits into two pieces, ranked by piece score (SentencePiece's
// BPE merges the adjacent pair whose joined piece scores highest, leftmost first). Control pieces
// (<s>, </s>) and <unk> become special added tokens, user-defined pieces plain added tokens.
// Identity normalisation only (Llama's); other normalisers throw with a hint to use tokenizer.json.
std::shared_ptr<BpeTokenizer> load_sentencepiece_model(const std::string& path, const std::string& config_path = "");

// True when the file starts like a tiktoken rank file (text "base64 rank" lines).
bool looks_like_tiktoken(const std::string& path);

}  // namespace laser::text
