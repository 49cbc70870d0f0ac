// Golden tests: every vector in ../shared/ext/tokenizer-vectors (llama.cpp .inp/.out for gpt-2,
// llama-bpe, qwen2, llama-spm, tinyllama; swift-transformers HF outputs; the cs336 Llama-3 SFT
// sample) must match exactly with the matching tokenizer files of ../shared/ext/tokenizers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ext_vectors.h"
#include "laser/io/jsonl.h"

using namespace laser;
using namespace laser::text;
using namespace laser::text::testing;

namespace {

// Every line of a llama.cpp pair: encode without BOS, and (check_decode) decode the ids back to
// the input. TinyLlama's cases are not invertible: legacy Llama puts a "▁" in front of the text
// after a special token, so "a</s>b" decodes as "a</s> b", as HF's decode does too.
void check_llama_cpp(const std::string& ext, const std::string& vectors, const std::string& tok_name, bool check_decode) {
  auto tok = ext_tokenizer(ext, tok_name);
  ASSERT_TRUE(tok);
  auto cases = read_llama_cpp(ext, vectors);
  ASSERT_GE(cases.size(), 11u);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    EXPECT_EQ(ids_str(tok->encode(c.input, false)), ids_str(c.ids)) << vectors << " case " << i << ": '" << c.input << "'";
    if (check_decode) EXPECT_EQ(tok->decode(c.ids), c.input) << vectors << " case " << i;
  }
}

}  // namespace

TEST(LlamaCppVectors, Gpt2TokenizerJson) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "gpt-2", "gpt2-json", true); }
TEST(LlamaCppVectors, Gpt2VocabMerges) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "gpt-2", "gpt2-vocab", true); }
TEST(LlamaCppVectors, Llama3Tiktoken) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "llama-bpe", "llama3-tiktoken", true); }
TEST(LlamaCppVectors, Llama3TiktokenWithoutConfig) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "llama-bpe", "llama3-tiktoken-bare", true); }
TEST(LlamaCppVectors, Llama3EncoderJsonVocabBpe) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "llama-bpe", "llama3-gpt2-format", true); }
TEST(LlamaCppVectors, Qwen2VocabMergesDir) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "qwen2", "qwen2-dir", true); }
TEST(LlamaCppVectors, LlamaSpmTokenizerJson) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "llama-spm", "llama2-json", true); }
TEST(LlamaCppVectors, LlamaSpmSentencePiece) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "llama-spm", "llama2-spm", true); }
TEST(LlamaCppVectors, TinyLlamaTokenizerJson) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "tinyllama", "llama2-json", false); }
TEST(LlamaCppVectors, TinyLlamaSentencePiece) { LASER_REQUIRE_EXT(e); check_llama_cpp(e, "tinyllama", "llama2-spm", false); }

namespace {

// swift-transformers tokenizer_tests.json: ids include the BOS HF adds; decoded strings are HF's
// decode (with clean_up_tokenization when the model's config sets it).
void check_swift_short(const std::string& ext, const std::string& model_key, const std::string& tok_name, bool cleanup) {
  auto tok = ext_tokenizer(ext, tok_name);
  auto j = io::read_json(ext + "/tokenizer-vectors/swift-transformers/tokenizer_tests.json");
  ASSERT_TRUE(j.contains(model_key));
  int n = 0;
  for (const auto& c : j[model_key]) {
    std::string in = c["input"];
    auto ids = c["encoded"]["input_ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(ids_str(tok->encode(in, true)), ids_str(ids)) << model_key << ": '" << in << "'";
    std::string with = tok->decode(ids, false), without = tok->decode(ids, true);
    if (cleanup) {
      with = clean_up_tokenization(with);
      without = clean_up_tokenization(without);
    }
    EXPECT_EQ(with, c["decoded_with_special"].get<std::string>()) << model_key << ": '" << in << "'";
    EXPECT_EQ(without, c["decoded_without_special"].get<std::string>()) << model_key << ": '" << in << "'";
    ++n;
  }
  EXPECT_EQ(n, 18);
}

// The long-paragraph files: token_ids (with BOS for the Llama tokenizers), bpe_tokens (the token
// strings of those ids, BOS left out) and decoded_text.
void check_swift_paragraph(const std::string& ext, const std::string& file, const std::string& tok_name, bool bos,
                           bool cleanup) {
  auto tok = ext_tokenizer(ext, tok_name);
  auto j = io::read_json(ext + "/tokenizer-vectors/swift-transformers/" + file);
  std::string text = j["text"];
  auto ids = j["token_ids"].get<std::vector<int32_t>>();
  EXPECT_EQ(ids_str(tok->encode(text, bos)), ids_str(ids)) << file;
  auto toks = j["bpe_tokens"].get<std::vector<std::string>>();
  ASSERT_EQ(toks.size() + (bos ? 1 : 0), ids.size()) << file;
  for (size_t i = 0; i < toks.size(); ++i) EXPECT_EQ(tok->id_to_token(ids[i + (bos ? 1 : 0)]), toks[i]) << file << " token " << i;
  std::string dec = tok->decode(ids, false);
  if (cleanup) dec = clean_up_tokenization(dec);
  EXPECT_EQ(dec, j["decoded_text"].get<std::string>()) << file;
}

}  // namespace

TEST(SwiftTransformersVectors, Gpt2Short) { LASER_REQUIRE_EXT(e); check_swift_short(e, "distilgpt2", "gpt2-json", true); }
TEST(SwiftTransformersVectors, Gpt2ShortVocabMerges) { LASER_REQUIRE_EXT(e); check_swift_short(e, "distilgpt2", "gpt2-vocab", true); }
TEST(SwiftTransformersVectors, Llama2Short) {
  LASER_REQUIRE_EXT(e);
  check_swift_short(e, "coreml-projects/Llama-2-7b-chat-coreml", "llama2-json", false);
}
TEST(SwiftTransformersVectors, Llama2ShortSentencePiece) {
  LASER_REQUIRE_EXT(e);
  check_swift_short(e, "coreml-projects/Llama-2-7b-chat-coreml", "llama2-spm", false);
}
TEST(SwiftTransformersVectors, Llama3Short) {
  LASER_REQUIRE_EXT(e);
  check_swift_short(e, "pcuenq/Llama-3.2-1B-Instruct-tokenizer", "llama3-tiktoken", true);
}
TEST(SwiftTransformersVectors, Gpt2Paragraph) {
  LASER_REQUIRE_EXT(e);
  check_swift_paragraph(e, "gpt2_encoded_tokens.json", "gpt2-json", false, true);
}
TEST(SwiftTransformersVectors, Llama3Paragraph) {
  LASER_REQUIRE_EXT(e);
  check_swift_paragraph(e, "llama_3.2_encoded.json", "llama3-tiktoken", true, true);
}
TEST(SwiftTransformersVectors, Llama2Paragraph) {
  LASER_REQUIRE_EXT(e);
  check_swift_paragraph(e, "llama_encoded.json", "llama2-json", true, false);
}
TEST(SwiftTransformersVectors, Llama2ParagraphSentencePiece) {
  LASER_REQUIRE_EXT(e);
  auto tok = ext_tokenizer(e, "llama2-spm");
  auto j = io::read_json(e + "/tokenizer-vectors/swift-transformers/llama_encoded.json");
  EXPECT_EQ(ids_str(tok->encode(j["text"], true)), ids_str(j["token_ids"].get<std::vector<int32_t>>()));
}

// cs336: <|begin_of_text|> + Alpaca prompt (instruction, response; the template's final newline
// dropped) + <|end_of_text|> per record, all records concatenated and tokenised, cut into rows of
// 32 ids (remainder dropped); labels are the ids shifted by one.
TEST(Cs336SftVectors, Llama3PackedSample) {
  LASER_REQUIRE_EXT(e);
  auto tok = ext_tokenizer(e, "llama3-tiktoken");
  std::string dir = e + "/tokenizer-vectors/cs336-llama3-sft/";
  std::string tmpl = io::read_file(dir + "alpaca_sft.prompt");
  if (!tmpl.empty() && tmpl.back() == '\n') tmpl.pop_back();
  std::string all;
  for (const auto& r : io::read_jsonl(dir + "sft_sample.jsonl")) {
    std::string doc = tmpl;
    auto put = [&](const std::string& key, const std::string& val) {
      auto p = doc.find(key);
      ASSERT_NE(p, std::string::npos);
      doc.replace(p, key.size(), val);
    };
    put("{instruction}", r["prompt"].get<std::string>());
    put("{response}", r["response"].get<std::string>());
    all += "<|begin_of_text|>" + doc + "<|end_of_text|>";
  }
  auto ids = tok->encode(all, false);
  auto rows = io::read_json(dir + "tokenized_sft_sample.json");
  ASSERT_EQ(rows.size(), 75u);
  ASSERT_GE(ids.size(), 75u * 32 + 1);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<int32_t> in(ids.begin() + r * 32, ids.begin() + r * 32 + 32);
    std::vector<int32_t> lab(ids.begin() + r * 32 + 1, ids.begin() + r * 32 + 33);
    EXPECT_EQ(ids_str(in), ids_str(rows[r]["input_ids"].get<std::vector<int32_t>>())) << "row " << r;
    EXPECT_EQ(ids_str(lab), ids_str(rows[r]["labels"].get<std::vector<int32_t>>())) << "row " << r;
  }
}
