// PEFT adapter save/load (see peft.h); names and config keys follow PEFT's LoraConfig and
// get_peft_model_state_dict (adapter name "default" stripped, as PEFT saves it).
#include "laser/train/peft.h"

#include <set>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/model/torch_util.h"

namespace laser::train {

static std::string peft_name(const std::string& module, const char* which) {
  return "base_model.model." + module + "." + which + ".weight";
}

void save_adapter_weights(const AdapterWeights& w, const std::string& dir, const model::LoraSpec& spec,
                          const std::vector<std::string>& targets, const std::string& base_model) {
  std::vector<io::TensorToWrite> ts;
  for (auto& [name, a, b] : w) {
    ts.push_back(model::tensor_to_write(peft_name(name, "lora_A"), a.detach()));
    ts.push_back(model::tensor_to_write(peft_name(name, "lora_B"), b.detach()));
  }
  LASER_CHECK(!ts.empty(), dir, "the model has no LoRA adapters to save", "enable LoRA or save the full model");
  nlohmann::json cfg = {{"peft_type", "LORA"},         {"task_type", "CAUSAL_LM"},   {"r", spec.r},
                        {"lora_alpha", spec.alpha},    {"lora_dropout", spec.dropout}, {"target_modules", targets},
                        {"bias", "none"},              {"fan_in_fan_out", false},     {"inference_mode", true},
                        {"base_model_name_or_path", base_model}, {"modules_to_save", nullptr}};
  io::make_dirs(dir);
  io::write_safetensors(io::join_path(dir, "adapter_model.safetensors"), ts, {{"format", "pt"}});
  io::write_file_atomic(io::join_path(dir, "adapter_config.json"), cfg.dump(2) + "\n");
}

void save_adapter(model::CausalLM& m, const std::string& dir, const model::LoraSpec& spec,
                  const std::vector<std::string>& targets, const std::string& base_model) {
  AdapterWeights w;
  for (auto& [name, lin] : m->linears())
    if (lin->has_lora()) w.emplace_back(name, lin->lora_A, lin->lora_B);
  save_adapter_weights(w, dir, spec, targets, base_model);
}

std::vector<std::string> load_adapter(model::CausalLM& m, const std::string& dir) {
  std::string cfg_path = io::join_path(dir, "adapter_config.json");
  auto cfg = io::read_json(cfg_path);
  LASER_CHECK(cfg.value("peft_type", std::string("LORA")) == "LORA", cfg_path + ":peft_type",
              "only LoRA adapters are supported", "save a LoRA adapter");
  model::LoraSpec spec;
  spec.r = io::json_get(cfg, "r", cfg_path).get<int64_t>();
  spec.alpha = io::json_get(cfg, "lora_alpha", cfg_path).get<double>();
  spec.dropout = cfg.value("lora_dropout", 0.0);
  std::vector<std::string> targets;
  auto tm = io::json_get(cfg, "target_modules", cfg_path);
  if (tm.is_string()) targets.push_back(tm.get<std::string>());
  else targets = tm.get<std::vector<std::string>>();
  if (!m->has_lora()) m->add_lora(spec, targets);
  std::string st_path = io::join_path(dir, "adapter_model.safetensors");
  io::SafetensorsFile f(st_path);
  std::set<std::string> used;
  torch::NoGradGuard ng;
  for (auto& [name, lin] : m->linears()) {
    if (!lin->has_lora()) continue;
    LASER_CHECK(lin->lora_spec().r == spec.r && lin->lora_scaling() == spec.alpha / spec.r, cfg_path,
                "the model's adapters on " + name + " differ in rank or alpha from the file's", "load into a model without adapters");
    for (const char* which : {"lora_A", "lora_B"}) {
      std::string n = peft_name(name, which);
      std::string where = st_path + ":" + n;
      LASER_CHECK(f.has(n), where, "tensor missing from the adapter", "the adapter was saved for other target modules");
      auto t = model::tensor_from_view(f.get(n), where);
      auto& dst = std::string(which) == "lora_A" ? lin->lora_A : lin->lora_B;
      LASER_CHECK(t.sizes() == dst.sizes(), where, "shape mismatch: file " + c10::str(t.sizes()) + ", model " + c10::str(dst.sizes()),
                  "the adapter belongs to another model size or rank");
      dst.copy_(t.to(dst.device(), dst.scalar_type()));
      used.insert(n);
    }
  }
  for (auto& n : f.names())
    LASER_CHECK(used.count(n), st_path + ":" + n, "adapter tensor matches no adapted module of the model",
                "the adapter belongs to another architecture");
  return targets;
}

}  // namespace laser::train
