// Regex pre-tokenizer over PCRE2 (see pretokenizer.h). The patterns are those the GPT-2,
// Llama-3 and Qwen2 tokenizers publish in their tokenizer.json / tiktoken setup.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "laser/text/pretokenizer.h"

#include <pcre2.h>

#include <unordered_map>

#include "laser/core/error.h"
#include "laser/core/strings.h"

namespace laser::text {

const std::string& pretokenizer_pattern(const std::string& name) {
  static const std::unordered_map<std::string, std::string> patterns = {
      {"gpt2", R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"},
      {"llama3",
       R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
      {"qwen2",
       R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
  };
  auto it = patterns.find(name);
  if (it == patterns.end()) {
    std::string near = nearest(name, {"gpt2", "llama3", "qwen2"});
    throw Error("unknown pre-tokenizer '" + name + "'", "pre-tokenizer",
                near.empty() ? "use gpt2, llama3 or qwen2" : "did you mean " + near + "?");
  }
  return it->second;
}

struct RegexPreTokenizer::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
};

namespace {
// One JIT stack per thread, large enough for long whitespace runs.
struct JitStack {
  pcre2_jit_stack* stack = nullptr;
  pcre2_match_context* ctx = nullptr;
  JitStack() {
    stack = pcre2_jit_stack_create(64 * 1024, 8 * 1024 * 1024, nullptr);
    ctx = pcre2_match_context_create(nullptr);
    if (stack && ctx) pcre2_jit_stack_assign(ctx, nullptr, stack);
  }
  ~JitStack() {
    if (ctx) pcre2_match_context_free(ctx);
    if (stack) pcre2_jit_stack_free(stack);
  }
};
}  // namespace

RegexPreTokenizer::RegexPreTokenizer(const std::string& pattern, const std::string& where)
    : impl_(std::make_unique<Impl>()), pattern_(pattern) {
  int err = 0;
  PCRE2_SIZE off = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    throw Error("pre-tokenizer regex does not compile at offset " + std::to_string(off) + ": " +
                    reinterpret_cast<char*>(buf),
                where, "check the pattern of the pre_tokenizer");
  }
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
}

RegexPreTokenizer::~RegexPreTokenizer() {
  if (impl_ && impl_->code) pcre2_code_free(impl_->code);
}

void RegexPreTokenizer::split(std::string_view text, std::vector<std::string_view>& out) const {
  thread_local JitStack js;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t n = text.size(), pos = 0, covered = 0;
  while (pos < n) {
    int rc = impl_->jit ? pcre2_jit_match(impl_->code, subject, n, pos, 0, md, js.ctx)
                        : pcre2_match(impl_->code, subject, n, pos, 0, md, js.ctx);
    if (rc < 0) break;  // no further match (only invalid bytes remain) or a match error
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t s = ov[0], e = ov[1];
    if (s > covered) out.emplace_back(text.substr(covered, s - covered));  // invalid bytes
    if (e == s) {  // empty match cannot happen with these patterns; step past one byte to be safe
      pos = s + 1;
      continue;
    }
    out.emplace_back(text.substr(s, e - s));
    covered = pos = e;
  }
  if (covered < n) out.emplace_back(text.substr(covered));
  pcre2_match_data_free(md);
}

}  // namespace laser::text
