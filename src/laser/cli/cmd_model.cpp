// `laser init-model`, `laser inspect` and `laser generate`: create random HF model directories,
// describe them, and sample continuations of a prompt. Flags only; the work is in model/ and gen/.
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/strings.h"
#include "laser/core/timer.h"
#include "laser/gen/generate.h"
#include "laser/io/file_util.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/text/byte_tokenizer.h"
#include "laser/text/prompt_encoder.h"
#include "laser/text/tokenizer.h"

namespace laser::cli {

namespace {

void add_init_model(CLI::App& app) {
  struct Opts {
    std::string preset = "tiny", tokenizer = "bytes", out, arch = "llama", dtype = "f32";
    uint64_t seed = 0;
    bool classifier = false;
    int64_t num_labels = 1, max_positions = 0;
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
  c->add_option("--max-positions", o->max_positions, "context length, max_position_embeddings (0: the preset's, 2048)")->capture_default_str();
  c->callback([o] {
    model::set_threads();
    std::shared_ptr<text::Tokenizer> tok;
    if (o->tokenizer == "bytes") tok = std::make_shared<text::ByteTokenizer>();
    else tok = text::load_tokenizer(o->tokenizer);
    auto cfg = model::preset_config(o->preset, tok->vocab_size());
    cfg.model_type = o->arch;
    cfg.architecture = o->arch == "llama" ? "LlamaForCausalLM" : o->arch == "mistral" ? "MistralForCausalLM" : "Qwen2ForCausalLM";
    if (o->arch == "qwen2") cfg.qkv_bias = true;
    if (o->max_positions > 0) cfg.max_position_embeddings = o->max_positions;
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
    model::set_threads();
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

void add_generate(CLI::App& app) {
  struct Opts {
    std::string model, prompt, device = "cpu", dtype = "f32", chat_template, system;
    std::vector<std::string> stop;
    gen::SamplingParams sp;
    int threads = 0;
    bool no_special = false, json = false;
  };
  auto o = std::make_shared<Opts>();
  o->sp.max_new_tokens = 64;
  auto* c = app.add_subcommand("generate", "sample continuations of a prompt with a model directory's model and tokenizer");
  c->add_option("--model", o->model, "model directory (config.json, safetensors, tokenizer)")->required();
  c->add_option("--prompt", o->prompt, "prompt text")->required();
  c->add_option("-n", o->sp.n, "samples for the prompt")->capture_default_str();
  c->add_option("--temperature", o->sp.temperature, "sampling temperature (0: greedy)")->capture_default_str();
  c->add_option("--top-k", o->sp.top_k, "keep the k most likely tokens (0: off)")->capture_default_str();
  c->add_option("--top-p", o->sp.top_p, "nucleus sampling mass (1: off)")->capture_default_str();
  c->add_option("--seed", o->sp.seed, "random seed")->capture_default_str();
  c->add_option("--max-new-tokens", o->sp.max_new_tokens, "most tokens per sample")->capture_default_str();
  c->add_option("--stop", o->stop, "stop string (repeatable); the text is cut before it");
  c->add_option("--batch-size", o->sp.batch_size, "rows decoded together")->capture_default_str();
  c->add_option("--device", o->device, "cpu or cuda[:i]")->capture_default_str();
  c->add_option("--dtype", o->dtype, "compute dtype: f32, bf16, f16")->capture_default_str();
  c->add_option("--threads", o->threads, "intra-op threads (0: all cores, or LASER_THREADS)")->capture_default_str();
  c->add_flag("--no-special", o->no_special, "do not add BOS to the prompt");
  c->add_option("--chat-template", o->chat_template, "render the prompt as a user turn: auto or a template name (see laser eval --help)");
  c->add_option("--system", o->system, "system message for the chat template");
  c->add_flag("--json", o->json, "print one JSON object per sample (ids, text, logprobs, finish_reason)");
  c->callback([o] {
    model::set_threads(o->threads);
    o->sp.stop_strings = o->stop;
    o->sp.validate("generate");
    auto tok = text::load_tokenizer(o->model);
    auto m = model::load_model(o->model, parse_device(o->device, "--device"), parse_dtype(o->dtype, "--dtype"));
    auto pe = text::PromptEncoder::from_spec(o->chat_template, o->model, "--chat-template", o->system);
    LASER_CHECK(!(pe.chat() && o->no_special), "--no-special", "the chat template writes the special tokens itself", "drop --no-special");
    // A prompt longer than the context leaves room for the response by losing its middle (prompt_encoder.h).
    size_t budget = text::prompt_token_budget(m->config().max_position_embeddings, o->sp.max_new_tokens, "--max-new-tokens");
    pe.set_token_budget(budget);
    size_t full = 0;
    auto ids = o->no_special ? text::fit_to_budget(*tok, o->prompt, budget, [&](const std::string& s) { return tok->encode(s, false); }, "--prompt", &full)
                             : pe.encode(*tok, o->prompt);
    if (full > budget) log::warn("the prompt of {} tokens was cut in the middle to the budget of {} (max_position_embeddings - max_new_tokens)", full, budget);
    for (int32_t id : pe.stop_ids(*tok)) o->sp.stop_ids.push_back(id);
    Timer t;
    auto out = gen::generate(m, *tok, {ids}, o->sp);
    double secs = t.seconds();
    size_t ntok = 0;
    for (auto& g : out) {
      ntok += g.ids.size();
      if (o->json) {
        double sum = 0;
        for (float x : g.logprobs) sum += x;
        nlohmann::json j = {{"sample", g.sample_index}, {"text", g.text}, {"ids", g.ids}, {"logprobs", g.logprobs},
                            {"sum_logprob", sum}, {"finish_reason", g.finish_reason}};
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      } else {
        if (out.size() > 1) std::cout << "--- sample " << g.sample_index << " (" << g.finish_reason << ", " << g.ids.size() << " tokens)\n";
        std::cout << g.text << "\n";
      }
    }
    std::cerr << "generated " << ntok << " tokens in " << secs << " s (" << (secs > 0 ? ntok / secs : 0.0) << " tokens/s)\n";
  });
}

}  // namespace

void add_model_commands(CLI::App& app) {
  add_init_model(app);
  add_inspect(app);
  add_generate(app);
}

}  // namespace laser::cli
