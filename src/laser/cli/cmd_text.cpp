// `laser tokenize`: print the ids of a text under a model directory's tokenizer (or decode ids);
// with --chat-template, first the prompt as the model reads it (the text rendered as a user turn,
// optional system message), then its ids. Not a chat client.
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"

namespace laser::cli {

namespace {
void print_ids(const std::vector<int32_t>& ids) {
  for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
  std::cout << "\n";
}
}  // namespace

void add_text_commands(CLI::App& app) {
  struct Opts {
    std::string model, text, chat_template, system;
    bool no_special = false, decode = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("tokenize",
                               "print the token ids of TEXT (one line, space-separated), or with --decode the text of ids; with "
                               "--chat-template, first the rendered prompt");
  c->add_option("--model", o->model, "model directory (its tokenizer is used; optional with a named --chat-template: text only)");
  c->add_option("text,--text", o->text, "text to encode, or space-separated ids with --decode")->required();
  c->add_flag("--no-special", o->no_special, "do not add BOS/EOS (and with --decode, drop special tokens)");
  c->add_flag("--decode", o->decode, "turn ids back into text");
  c->add_option("--chat-template", o->chat_template,
                "print the text rendered as a user turn of this chat template (auto: the model's; or a name), then its ids");
  c->add_option("--system", o->system, "system message for the chat template");
  c->callback([o] {
    if (!o->chat_template.empty() && o->chat_template != "none") {
      LASER_CHECK(!o->decode && !o->no_special, "tokenize --chat-template", "--decode and --no-special do not apply to a rendered prompt",
                  "drop them (the template writes its special tokens itself)");
      LASER_CHECK(o->chat_template != "auto" || !o->model.empty(), "tokenize --chat-template auto", "auto reads the template of a model directory",
                  "give --model DIR, or a template name (llama-3, chatml, qwen2, qwen2.5, llama-2, mistral, zephyr)");
      auto pe = text::PromptEncoder::from_spec(o->chat_template, o->model, "--chat-template", o->system);
      std::cout << pe.render(o->text) << "\n";
      if (!o->model.empty()) print_ids(pe.encode(*text::load_tokenizer(o->model), o->text));
      return;
    }
    LASER_CHECK(o->system.empty(), "tokenize --system", "a system message needs a chat template", "add --chat-template auto or a name");
    LASER_CHECK(!o->model.empty(), "tokenize", "no --model given", "give the model directory whose tokenizer to use");
    auto tok = text::load_tokenizer(o->model);
    if (o->decode) {
      std::vector<int32_t> ids;
      for (auto& s : split(trim(o->text), ' ')) {
        if (s.empty()) continue;
        try {
          ids.push_back(std::stoi(s));
        } catch (...) {
          throw Error("'" + s + "' is not an id", "tokenize --decode", "give space-separated integers");
        }
      }
      std::cout << tok->decode(ids, o->no_special) << "\n";
      return;
    }
    print_ids(tok->encode(o->text, !o->no_special));
  });
}

}  // namespace laser::cli
