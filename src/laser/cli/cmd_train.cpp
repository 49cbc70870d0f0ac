// `laser sft` and `laser dpo`: offline supervised and preference fine-tuning on JSONL files, both
// on train::Trainer (LoRA or full, checkpoints, c10d data parallelism with --nproc or torchrun-style
// environment). Writes <out>/metrics.jsonl, <out>/config.json, <out>/checkpoint, <out>/model (merged)
// and, with LoRA, <out>/adapter (PEFT layout). Holds no training logic of its own.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/progress.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"
#include "laser/core/timer.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "laser/text/tokenizer.h"
#include "laser/train/distributed.h"
#include "laser/train/peft.h"
#include "laser/train/preference_data.h"
#include "laser/train/trainer.h"

namespace laser::cli {

namespace {

struct TrainOpts {
  std::string model, data, out, resume, loss = "sigmoid", schedule = "constant", targets = "q_proj,v_proj", chat_template, system;
  int64_t steps = 0, epochs = 1, batch = 8, micro_batch = 16, grad_accum = 1, warmup = 0, lora_r = 16, save_every = 0;
  double lr = 5e-6, beta = 0.1, nll_weight = 1.0, dpo_weight = 1.0, weight_decay = 0.0, max_grad_norm = 1.0;
  double lora_alpha = 32.0, lora_dropout = 0.1, label_smoothing = 0.0, simpo_gamma = 0.5;
  bool full = false, no_progress = false;
  int threads = 0, nproc = 1;
  uint64_t seed = 0;
};

void add_common(CLI::App* c, TrainOpts& o, bool dpo) {
  c->add_option("--model", o.model, "policy model directory (HF layout)")->required();
  c->add_option("--data", o.data,
                dpo ? "JSONL (.gz too): {prompt, chosen, rejected} strings or message lists, or {chosen, rejected} HH-RLHF transcripts / message lists"
                    : "JSONL (.gz too): {prompt, response}, {prompt, completion} or {messages} (last assistant turn = target)")
      ->required();
  c->add_option("--chat-template", o.chat_template,
                "prompts as a user turn (message lists: the conversation) of this chat template (auto or a name); responses end with its "
                "end-of-turn token. Message-list rows need it");
  c->add_option("--system", o.system, "system message for the chat template");
  c->add_option("--out", o.out, "output directory")->required();
  c->add_option("--steps", o.steps, "optimizer steps (0: --epochs over the data)")->capture_default_str();
  c->add_option("--epochs", o.epochs, "passes over the data when --steps is 0")->capture_default_str();
  c->add_option("--batch-size", o.batch, dpo ? "pairs per step (global, over all ranks)" : "examples per step (global)")->capture_default_str();
  c->add_option("--micro-batch", o.micro_batch, "pairs/examples per forward (0: whole batch)")->capture_default_str();
  c->add_option("--grad-accum", o.grad_accum, "batches per optimizer update")->capture_default_str();
  c->add_option("--lr", o.lr, "peak learning rate")->capture_default_str();
  c->add_option("--schedule", o.schedule, "constant, linear or cosine")->capture_default_str();
  c->add_option("--warmup", o.warmup, "warmup updates")->capture_default_str();
  c->add_option("--weight-decay", o.weight_decay, "AdamW weight decay (matrices only)")->capture_default_str();
  c->add_option("--max-grad-norm", o.max_grad_norm, "global gradient-norm clip (0: off)")->capture_default_str();
  c->add_flag("--full", o.full, "full fine-tuning instead of LoRA");
  c->add_option("--lora-r", o.lora_r, "LoRA rank")->capture_default_str();
  c->add_option("--lora-alpha", o.lora_alpha, "LoRA alpha")->capture_default_str();
  c->add_option("--lora-dropout", o.lora_dropout, "LoRA dropout")->capture_default_str();
  c->add_option("--lora-targets", o.targets, "comma-separated module names")->capture_default_str();
  if (dpo) {
    c->add_option("--loss", o.loss, "sigmoid (DPO), ipo, hinge or simpo")->capture_default_str();
    c->add_option("--beta", o.beta, "DPO beta")->capture_default_str();
    c->add_option("--dpo-weight", o.dpo_weight, "weight of the preference loss")->capture_default_str();
    c->add_option("--nll-weight", o.nll_weight, "weight of the chosen-response NLL (0: DPO alone)")->capture_default_str();
    c->add_option("--label-smoothing", o.label_smoothing, "conservative DPO smoothing")->capture_default_str();
    c->add_option("--simpo-gamma", o.simpo_gamma, "SimPO margin")->capture_default_str();
  }
  c->add_option("--save-every", o.save_every, "checkpoint every N steps (0: only at the end)")->capture_default_str();
  c->add_option("--resume", o.resume, "resume from a checkpoint directory");
  c->add_option("--seed", o.seed, "random seed")->capture_default_str();
  c->add_option("--threads", o.threads, "intra-op threads (0: all cores, divided among local ranks)")->capture_default_str();
  c->add_option("--nproc", o.nproc, "spawn N local data-parallel workers (c10d Gloo on 127.0.0.1)")->capture_default_str();
  c->add_flag("--no-progress", o.no_progress, "no progress bar");
}

train::TrainerConfig make_config(const TrainOpts& o) {
  train::TrainerConfig c;
  c.lr = o.lr; c.weight_decay = o.weight_decay; c.warmup_steps = o.warmup; c.schedule = o.schedule;
  c.grad_accum = o.grad_accum; c.max_grad_norm = o.max_grad_norm; c.micro_batch = o.micro_batch;
  c.lora = !o.full; c.lora_r = o.lora_r; c.lora_alpha = o.lora_alpha; c.lora_dropout = o.lora_dropout;
  c.lora_targets = split(o.targets, ',');
  c.loss.type = o.loss; c.loss.beta = o.beta; c.loss.dpo_weight = o.dpo_weight; c.loss.nll_weight = o.nll_weight;
  c.loss.label_smoothing = o.label_smoothing; c.loss.simpo_gamma = o.simpo_gamma;
  c.seed = o.seed;
  c.base_model_path = o.model;  // the checkpoint adapters' base_model_name_or_path
  return c;
}

// Runs sft or dpo; `n_items` examples, `run_batch(indices)` does one trainer step.
void run_training(const TrainOpts& o, bool dpo) {
  if (o.nproc > 1 && !std::getenv("RANK")) {
    int rc = train::launch_local_workers(o.nproc, train::own_argv_without_nproc());
    if (rc != 0) throw Error("a worker exited with status " + std::to_string(rc), "--nproc " + std::to_string(o.nproc), "see the workers' messages above");
    return;
  }
  auto dist = train::Distributed::from_env();
  int threads = o.threads > 0 ? o.threads : std::max(1, default_threads() / dist->world_size());
  model::set_threads(threads);
  auto tok = text::load_tokenizer(o.model);
  std::vector<train::PreferencePair> pairs;
  std::vector<train::SftExample> sft;
  auto pe = text::PromptEncoder::from_spec(o.chat_template, o.model, "--chat-template", o.system);
  if (dpo) pairs = train::load_preference_jsonl(o.data, *tok, pe);
  else sft = train::load_sft_jsonl(o.data, *tok, pe);
  size_t n = dpo ? pairs.size() : sft.size();
  LASER_CHECK(o.batch >= 1, "--batch-size", "batch size must be >= 1", "use 8");
  int64_t per_epoch = static_cast<int64_t>((n + o.batch - 1) / o.batch);
  int64_t total = o.steps > 0 ? o.steps : per_epoch * std::max<int64_t>(1, o.epochs);
  auto cfg = make_config(o);
  cfg.total_steps = (total + cfg.grad_accum - 1) / cfg.grad_accum;
  auto policy = model::load_model(o.model);
  train::Trainer trainer(policy, cfg, dist);
  bool main_rank = dist->is_main();
  if (main_rank) {
    io::make_dirs(o.out);
    nlohmann::json resolved = {{"command", dpo ? "dpo" : "sft"}, {"model", o.model}, {"data", o.data}, {"batch_size", o.batch},
                               {"steps", total}, {"world_size", dist->world_size()}, {"trainer", cfg.to_json()}};
    io::write_file_atomic(io::join_path(o.out, "config.json"), resolved.dump(2) + "\n");
  }
  // Data order: a seeded shuffle per epoch; the cursor (step) is saved in checkpoints.
  int64_t start = 0;
  std::string ckpt = io::join_path(o.out, "checkpoint");
  if (!o.resume.empty()) start = trainer.load_checkpoint(o.resume).value("step", int64_t{0});
  std::unique_ptr<io::JsonlWriter> metrics;
  if (main_rank) metrics = std::make_unique<io::JsonlWriter>(io::join_path(o.out, "metrics.jsonl"), start > 0);
  std::vector<size_t> order;
  int64_t order_epoch = -1;
  Progress bar(dpo ? "dpo" : "sft", static_cast<long>(total - start), main_rank && !o.no_progress);
  Timer timer;
  for (int64_t s = start; s < total; ++s) {
    int64_t epoch = (s * o.batch) / static_cast<int64_t>(n);
    if (epoch != order_epoch) {
      order.resize(n);
      std::iota(order.begin(), order.end(), 0);
      Rng r(mix_seed(o.seed, static_cast<uint64_t>(epoch)));
      std::shuffle(order.begin(), order.end(), r.engine());
      order_epoch = epoch;
    }
    std::vector<size_t> idx;
    for (int64_t k = 0; k < o.batch; ++k) idx.push_back(order[static_cast<size_t>((s * o.batch + k) % static_cast<int64_t>(n))]);
    double t0 = timer.seconds();
    train::StepResult r;
    if (dpo) {
      std::vector<train::PreferencePair> batch;
      for (auto i : idx) batch.push_back(pairs[i]);
      r = trainer.step(train::shard_pairs(batch, dist->rank(), dist->world_size()));
    } else {
      std::vector<std::vector<int32_t>> ps, rs;
      for (size_t k = 0; k < idx.size(); ++k)
        if (static_cast<int>(k % static_cast<size_t>(dist->world_size())) == dist->rank()) {
          ps.push_back(sft[idx[k]].prompt);
          rs.push_back(sft[idx[k]].response);
        }
      r = trainer.sft_step(ps, rs);
    }
    double dt = timer.seconds() - t0;
    if (main_rank) {
      nlohmann::json line = {{"step", s + 1}, {"skipped", r.skipped}, {"updated", r.updated}, {"seconds", dt}};
      for (auto& [k, v] : r.metrics) line[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
      if (dt > 0 && r.metrics.count("tokens")) line["tokens_per_s"] = r.metrics["tokens"] / dt;
      metrics->write(line);
      bar.tick(1, fmt::format("loss {:.4f}", r.loss));
    }
    if (o.save_every > 0 && (s + 1) % o.save_every == 0 && s + 1 < total) trainer.save_checkpoint(ckpt, {{"step", s + 1}});
  }
  bar.finish();
  trainer.save_checkpoint(ckpt, {{"step", total}});
  if (main_rank) {
    auto m = trainer.policy();
    if (cfg.lora) train::save_adapter(m, io::join_path(o.out, "adapter"), {cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout}, cfg.lora_targets, o.model);
    m->merge_lora();
    std::string mdir = io::join_path(o.out, "model");
    model::save_model(m, mdir);
    text::copy_tokenizer_files(o.model, mdir);
    log::info("{}: {} steps, wrote {}", dpo ? "dpo" : "sft", total - start, o.out);
  }
  dist->barrier();
}

}  // namespace

void add_train_commands(CLI::App& app) {
  auto so = std::make_shared<TrainOpts>();
  so->lr = 1e-5;
  auto* sft = app.add_subcommand("sft", "supervised fine-tuning on JSONL {prompt, response}, {prompt, completion} or {messages}");
  add_common(sft, *so, false);
  sft->callback([so] { run_training(*so, false); });
  auto dpo_o = std::make_shared<TrainOpts>();
  auto* dpo = app.add_subcommand("dpo", "offline DPO (+NLL, IPO, hinge, SimPO) on JSONL {prompt, chosen, rejected} or HH-RLHF {chosen, rejected}");
  add_common(dpo, *dpo_o, true);
  dpo->callback([dpo_o] { run_training(*dpo_o, true); });
}

}  // namespace laser::cli
