// `laser init-model` and `laser inspect`: create random HF model directories and describe them.
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"
#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/text/byte_tokenizer.h"
#include "laser/text/tokenizer.h"

namespace laser::cli {

namespace {

void add_init_model(CLI::App& app) {
  struct Opts {
    std::string preset = "tiny", tokenizer = "bytes", out, arch = "llama", dtype = "f32";
    uint64_t seed = 0;
    bool classifier = false;
    int64_t num_labels = 1;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("init-model", "write a randomly initialized Llama-family model as an HF directory");
  c->add_option("--preset", o->preset, "size: " + join(model::preset_names(), ", "))->capture_default_str();
  c->add_option("--tokenizer", o->tokenizer, "'bytes' or a directory whose tokenizer files are copied")->capture_default_str();
  c->add_option("--out", o->out, "output directory")->required();
  c->add_option("--arch", o->arch, "llama, mistral or qwen2")->capture_default_str();
  c->add_option("--dtype", o->dtype, "weights dtype: f32, bf16, f16")->capture_default_str();
  c->add_option("--seed", o->seed, "random seed")->capture_default_str();
  c->add_flag("--classifier", o->classifier, "a sequence classifier (score head) instead of a causal LM");
  c->add_option("--num-labels", o->num_labels, "classifier outputs")->capture_default_str();
  c->callback([o] {
    std::shared_ptr<text::Tokenizer> tok;
    if (o->tokenizer == "bytes") tok = std::make_shared<text::ByteTokenizer>();
    else tok = text::load_tokenizer(o->tokenizer);
    auto cfg = model::preset_config(o->preset, tok->vocab_size());
    cfg.model_type = o->arch;
    cfg.architecture = o->arch == "llama" ? "LlamaForCausalLM" : o->arch == "mistral" ? "MistralForCausalLM" : "Qwen2ForCausalLM";
    if (o->arch == "qwen2") cfg.qkv_bias = true;
    if (o->classifier) {
      std::string base = o->arch == "llama" ? "Llama" : o->arch == "mistral" ? "Mistral" : "Qwen2";
      cfg.architecture = base + "ForSequenceClassification";
      cfg.num_labels = o->num_labels;
    }
    if (auto b = tok->bos_id()) cfg.bos_token_id = *b;
    if (auto e = tok->eos_id()) cfg.eos_token_id = *e;
    if (auto p = tok->pad_id()) cfg.pad_token_id = *p;
    cfg.validate("init-model");
    model::CausalLM m(cfg);
    model::init_weights(m, o->seed);
    m->to(model::to_torch(parse_dtype(o->dtype, "--dtype")));
    model::save_model(m, o->out);
    if (o->tokenizer == "bytes") text::ByteTokenizer::save(o->out);
    else {
      for (const char* f : {"tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "added_tokens.json",
                            "tokenizer.model", "special_tokens_map.json", "laser_tokenizer.json"}) {
        std::string src = io::join_path(o->tokenizer, f);
        if (io::file_exists(src)) io::write_file_atomic(io::join_path(o->out, f), io::read_file(src));
      }
    }
    std::cout << "wrote " << o->out << ": " << cfg.architecture << ", " << cfg.num_parameters() << " parameters\n";
  });
}

void add_inspect(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  auto* c = app.add_subcommand("inspect", "describe a model directory: architecture, sizes, parameter count, dtypes");
  c->add_option("dir", *dir, "model directory")->required();
  c->callback([dir] {
    auto m = model::load_model(*dir);
    const auto& cfg = m->config();
    int64_t n = 0;
    for (auto& p : m->parameters()) n += p.numel();
    std::cout << "architecture     " << cfg.architecture << " (" << cfg.model_type << ")\n"
              << "parameters       " << n << "\n"
              << "layers           " << cfg.num_hidden_layers << "\n"
              << "hidden size      " << cfg.hidden_size << "\n"
              << "intermediate     " << cfg.intermediate_size << "\n"
              << "heads / kv heads " << cfg.num_attention_heads << " / " << cfg.num_key_value_heads << "\n"
              << "head dim         " << cfg.get_head_dim() << "\n"
              << "vocab size       " << cfg.vocab_size << "\n"
              << "tied embeddings  " << (cfg.tie_word_embeddings ? "yes" : "no") << "\n"
              << "rope theta       " << cfg.rope_theta << (cfg.rope_scaling.type.empty() ? "" : " (" + cfg.rope_scaling.type + " scaling)") << "\n"
              << "stored dtype     " << cfg.torch_dtype << "\n";
    try {
      auto tok = text::load_tokenizer(*dir);
      std::cout << "tokenizer        " << tok->kind() << ", vocab " << tok->vocab_size() << "\n";
    } catch (const Error& e) {
      std::cout << "tokenizer        none (" << e.what() << ")\n";
    }
  });
}

}  // namespace

void add_model_commands(CLI::App& app) {
  add_init_model(app);
  add_inspect(app);
}

}  // namespace laser::cli
