// `laser forward` and `laser dpo-grad`: what laser computes on a model, written to files so that
// another implementation can be held against it (scripts/gpu_parity.py compares them with
// transformers, PEFT and a direct PyTorch DPO loss; scripts/gpu-check.sh runs that on a GPU):
// logits, greedy ids, the DPO+NLL loss and its gradients from the trainer's own step, a trained
// LoRA adapter, and the time of generation and of training steps. Flags only; the work is in
// model/, gen/ and train/.
#include <algorithm>
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/timer.h"
#include "laser/gen/generate.h"
#include "laser/io/file_util.h"
#include "laser/io/json_parse.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/train/peft.h"
#include "laser/train/trainer.h"

namespace laser::cli {

namespace {

// Waits for queued device work, so that a timer reads finished work (no-op on the CPU).
void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index() < 0 ? -1 : d.index());
}

std::vector<int32_t> int_list(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.is_array(), where, "expected a list of token ids", "write e.g. [1, 5, 9]");
  std::vector<int32_t> out;
  for (auto& x : j) {
    LASER_CHECK(x.is_number_integer(), where, "token ids must be integers", "write e.g. [1, 5, 9]");
    out.push_back(x.get<int32_t>());
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

void add_forward(CLI::App& app) {
  struct Opts {
    std::string model, adapter, ids, out, device = "cpu", dtype = "f32";
    int greedy = 0, bench_batch = 0, bench_prompt = 16, bench_new = 128, bench_repeat = 3;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("forward",
                               "write a model's logits (and greedy continuations) for given token ids to a safetensors file, "
                               "or time batched generation; for parity checks against other implementations");
  c->add_option("--model", o->model, "HF model directory")->required();
  c->add_option("--adapter", o->adapter, "PEFT LoRA adapter directory to apply");
  c->add_option("--ids", o->ids, "JSON file: a list of equal-length lists of token ids");
  c->add_option("--out", o->out, "safetensors file to write: logits (B,T,V) f32, greedy (B,N) i64");
  c->add_option("--greedy", o->greedy, "greedy new tokens per row (0: none)")->capture_default_str();
  c->add_option("--device", o->device, "cpu or cuda[:i]")->capture_default_str();
  c->add_option("--dtype", o->dtype, "f32, bf16, f16")->capture_default_str();
  c->add_option("--bench-batch", o->bench_batch, "time sampling this many rows at once (0: no timing)")->capture_default_str();
  c->add_option("--bench-prompt", o->bench_prompt, "timed prompts' length in tokens")->capture_default_str();
  c->add_option("--bench-new", o->bench_new, "timed new tokens per row (no stop token)")->capture_default_str();
  c->add_option("--bench-repeat", o->bench_repeat, "timed runs (the median is reported)")->capture_default_str();
  c->callback([o] {
    model::set_threads();
    LASER_CHECK(!o->ids.empty() || o->bench_batch > 0, "forward", "nothing to do", "pass --ids FILE --out FILE, or --bench-batch N");
    LASER_CHECK(o->ids.empty() || !o->out.empty(), "--out", "--ids needs an output file", "pass --out logits.safetensors");
    auto dev = parse_device(o->device, "--device");
    auto m = model::load_model(o->model, dev, parse_dtype(o->dtype, "--dtype"));
    if (!o->adapter.empty()) train::load_adapter(m, o->adapter);
    m->eval();
    torch::NoGradGuard ng;
    nlohmann::json report = {{"model", o->model}, {"device", o->device}, {"dtype", o->dtype}};
    if (!o->ids.empty()) {
      auto j = io::read_json(o->ids);
      LASER_CHECK(j.is_array() && !j.empty(), o->ids, "expected a non-empty list of lists of token ids", "write [[1, 5, 9], [1, 7, 2]]");
      std::vector<std::vector<int32_t>> rows;
      for (size_t i = 0; i < j.size(); ++i) rows.push_back(int_list(j[i], o->ids + ": row " + std::to_string(i)));
      for (auto& r : rows)
        LASER_CHECK(r.size() == rows[0].size() && !r.empty(), o->ids, "rows must be non-empty and of equal length", "pad the rows yourself");
      std::vector<int64_t> flat;
      for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
      auto ids = torch::tensor(flat, torch::kLong).view({static_cast<int64_t>(rows.size()), -1});  // (B,T)
      std::vector<io::TensorToWrite> ts{model::tensor_to_write("logits", m->forward(ids).to(torch::kFloat32))};  // (B,T,V)
      if (o->greedy > 0) {
        gen::SamplingParams p;
        p.temperature = 0.0;
        p.max_new_tokens = o->greedy;
        auto g = gen::generate(m, nullptr, rows, p);
        std::vector<int64_t> gi;
        for (auto& s : g) {
          LASER_CHECK(static_cast<int>(s.ids.size()) == o->greedy, "forward --greedy", "a row stopped early", "report this: no stop ids are set");
          gi.insert(gi.end(), s.ids.begin(), s.ids.end());
        }
        ts.push_back(model::tensor_to_write("greedy", torch::tensor(gi, torch::kLong).view({static_cast<int64_t>(rows.size()), o->greedy})));
      }
      io::write_safetensors(o->out, ts, {{"format", "pt"}});
      report["out"] = o->out;
    }
    if (o->bench_batch > 0) {
      // Random prompts (ids in [3, V)), sampled at temperature 1 with no stop token: exactly
      // bench_batch x bench_new new tokens per run.
      auto gen_ids = torch::randint(3, m->config().vocab_size, {o->bench_batch, o->bench_prompt}, torch::kLong).contiguous();
      const int64_t* a = gen_ids.data_ptr<int64_t>();
      std::vector<std::vector<int32_t>> prompts(o->bench_batch);
      for (int b = 0; b < o->bench_batch; ++b) prompts[b].assign(a + b * o->bench_prompt, a + (b + 1) * o->bench_prompt);
      gen::SamplingParams p;
      p.temperature = 1.0;
      p.max_new_tokens = o->bench_new;
      p.batch_size = o->bench_batch;
      std::vector<double> secs;
      for (int r = 0; r <= o->bench_repeat; ++r) {  // run 0 warms up
        sync(m->device());
        Timer t;
        auto g = gen::generate(m, nullptr, prompts, p);
        sync(m->device());
        if (r > 0) secs.push_back(t.seconds());
      }
      double s = median(secs);
      report["generate_seconds"] = s;
      report["generate_tokens_per_second"] = o->bench_batch * o->bench_new / s;
    }
    std::cout << report.dump() << "\n";
  });
}

void add_dpo_grad(CLI::App& app) {
  struct Opts {
    std::string model, pairs, out, device = "cpu", dtype = "f32", save_adapter;
    bool lora = false;
    int64_t lora_r = 8;
    double lora_alpha = 16.0, beta = 0.1, nll = 1.0, lr = 1e-3;
    int steps = 0, bench_steps = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("dpo-grad",
                               "the trainer's DPO+NLL loss and gradients on a batch of token-id pairs, written to a safetensors "
                               "file (policy = reference, as at a run's first step); optionally train a LoRA adapter or time steps");
  c->add_option("--model", o->model, "HF model directory")->required();
  c->add_option("--pairs", o->pairs, "JSONL of {prompt, chosen, rejected} token-id lists")->required();
  c->add_option("--out", o->out, "safetensors file for the gradients of the trainable weights (HF names)");
  c->add_option("--device", o->device, "cpu or cuda[:i]")->capture_default_str();
  c->add_option("--dtype", o->dtype, "f32, bf16 (full fine-tuning: f32 master weights under autocast)")->capture_default_str();
  c->add_flag("--lora", o->lora, "train LoRA adapters on q_proj,v_proj instead of every weight");
  c->add_option("--lora-r", o->lora_r, "LoRA rank")->capture_default_str();
  c->add_option("--lora-alpha", o->lora_alpha, "LoRA alpha")->capture_default_str();
  c->add_option("--beta", o->beta, "DPO beta")->capture_default_str();
  c->add_option("--nll", o->nll, "weight of the chosen-response NLL")->capture_default_str();
  c->add_option("--lr", o->lr, "learning rate of --steps and --bench-steps")->capture_default_str();
  c->add_option("--steps", o->steps, "after the gradients, train this many steps on the batch (with --save-adapter)")->capture_default_str();
  c->add_option("--save-adapter", o->save_adapter, "write the trained LoRA adapter here (PEFT layout)");
  c->add_option("--bench-steps", o->bench_steps, "time this many further training steps (median reported)")->capture_default_str();
  c->callback([o] {
    model::set_threads();
    LASER_CHECK(o->save_adapter.empty() || o->lora, "--save-adapter", "only LoRA training writes an adapter", "add --lora");
    std::vector<train::PreferencePair> pairs;
    auto rows = io::read_jsonl(o->pairs);
    LASER_CHECK(!rows.empty(), o->pairs, "no pairs", "write one {prompt, chosen, rejected} object per line");
    for (size_t i = 0; i < rows.size(); ++i) {
      std::string w = o->pairs + ":" + std::to_string(i + 1);
      LASER_CHECK(rows[i].is_object() && rows[i].contains("prompt") && rows[i].contains("chosen") && rows[i].contains("rejected"), w,
                  "a pair needs prompt, chosen and rejected", "write {\"prompt\": [1, 2], \"chosen\": [3], \"rejected\": [4]}");
      pairs.push_back({int_list(rows[i]["prompt"], w + " prompt"), int_list(rows[i]["chosen"], w + " chosen"),
                       int_list(rows[i]["rejected"], w + " rejected"), i});
    }
    auto dev = parse_device(o->device, "--device");
    auto m = model::load_model(o->model, dev, parse_dtype(o->dtype, "--dtype"));
    train::TrainerConfig tc;
    tc.lr = o->lr;
    tc.lora = o->lora;
    tc.lora_r = o->lora_r;
    tc.lora_alpha = o->lora_alpha;
    tc.lora_dropout = 0.0;
    tc.micro_batch = 0;
    tc.max_grad_norm = 0.0;
    tc.weight_decay = 0.0;
    tc.loss.beta = o->beta;
    tc.loss.nll_weight = o->nll;
    // Two calls per update: the first call's backward leaves the batch's gradients (halved) in the
    // weights before any optimizer step, from the very code a training run executes.
    tc.grad_accum = 2;
    train::Trainer t(m, tc);
    auto r = t.step(pairs);
    nlohmann::json report = {{"loss", r.loss}, {"dpo", r.metrics["dpo"]}, {"nll", r.metrics["nll"]}, {"pairs", pairs.size()}};
    if (!o->out.empty()) {
      std::vector<io::TensorToWrite> ts;
      for (auto& [name, p] : t.trainable()) {
        LASER_CHECK(p.grad().defined(), "dpo-grad", name + " got no gradient", "check the pairs reach every layer");
        ts.push_back(model::tensor_to_write(name, (p.grad() * 2.0).to(torch::kFloat32)));
      }
      io::write_safetensors(o->out, ts, {{"format", "pt"}});
      report["out"] = o->out;
    }
    for (int i = 0; i < o->steps; ++i) report["loss_after_steps"] = t.step(pairs).loss;
    if (!o->save_adapter.empty()) {
      t.export_adapter(o->save_adapter);
      report["adapter"] = o->save_adapter;
    }
    if (o->bench_steps > 0) {
      std::vector<double> secs;
      int64_t tokens = 0;
      for (auto& p : pairs) tokens += static_cast<int64_t>(p.prompt.size() + p.chosen.size() + p.prompt.size() + p.rejected.size());
      for (int i = 0; i <= o->bench_steps; ++i) {  // step 0 warms up
        sync(m->device());
        Timer tm;
        t.step(pairs);
        t.step(pairs);  // grad_accum = 2: an optimizer update every second call
        sync(m->device());
        if (i > 0) secs.push_back(tm.seconds() / 2.0);
      }
      report["step_seconds"] = median(secs);
      report["step_tokens"] = tokens;
    }
    std::cout << report.dump() << "\n";
  });
}

}  // namespace

void add_check_commands(CLI::App& app) {
  add_forward(app);
  add_dpo_grad(app);
}

}  // namespace laser::cli
