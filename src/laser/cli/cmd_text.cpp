// `laser tokenize`: print the ids of a text under a model directory's tokenizer (or decode ids).
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/text/tokenizer.h"

namespace laser::cli {

void add_text_commands(CLI::App& app) {
  struct Opts {
    std::string model, text;
    bool no_special = false, decode = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("tokenize", "print the token ids of TEXT (one line, space-separated), or with --decode the text of ids");
  c->add_option("--model", o->model, "model directory (its tokenizer is used)")->required();
  c->add_option("text", o->text, "text to encode, or space-separated ids with --decode")->required();
  c->add_flag("--no-special", o->no_special, "do not add BOS/EOS (and with --decode, drop special tokens)");
  c->add_flag("--decode", o->decode, "turn ids back into text");
  c->callback([o] {
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
    auto ids = tok->encode(o->text, !o->no_special);
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
  });
}

}  // namespace laser::cli
