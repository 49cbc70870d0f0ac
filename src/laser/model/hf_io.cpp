// load_model / save_model: HF model directories (config.json + model.safetensors or shards with
// model.safetensors.index.json), validated fully before any weight is copied.
// Not a hub client; follows the HF safetensors layout and tensor names.
#include <map>
#include <memory>
#include <set>

#include <torch/version.h>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"

namespace laser::model {

namespace {
std::string shape_str(c10::IntArrayRef s) {
  std::string o = "[";
  for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
  return o + "]";
}
}  // namespace

CausalLM load_model(const std::string& dir, const DeviceSpec& device, DType dtype) {
#if TORCH_VERSION_MAJOR < 2
  // libtorch 1.x has no f16 matrix multiply on the CPU: refuse early rather than fail mid-forward.
  LASER_CHECK(!(dtype == DType::F16 && device.kind == DeviceKind::Cpu), dir,
              "f16 compute is not supported on the CPU by libtorch " TORCH_VERSION, "use --dtype bf16 or f32 on the CPU, or f16 on cuda");
#endif
  LASER_CHECK(io::dir_exists(dir), dir, "model directory not found", "create one with `laser init-model` or check the path");
  const std::string cfg_path = io::join_path(dir, "config.json");
  auto cfg = ModelConfig::load(cfg_path);
  cfg.check_fits_memory(cfg_path);
  RngNeutral keep_rng;  // the random init below is overwritten: it must not move the global stream
  CausalLM m(cfg);
  // Which file holds each tensor.
  std::map<std::string, std::string> where_is;
  std::string single = io::join_path(dir, "model.safetensors");
  std::string index = io::join_path(dir, "model.safetensors.index.json");
  std::map<std::string, std::unique_ptr<io::SafetensorsFile>> files;
  if (io::file_exists(single)) {
    files[single] = std::make_unique<io::SafetensorsFile>(single);
    for (auto& n : files[single]->names()) where_is[n] = single;
  } else if (io::file_exists(index)) {
    auto j = io::read_json(index);
    LASER_CHECK(j.contains("weight_map") && j["weight_map"].is_object(), index, "no weight_map object", "the index file is malformed");
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      LASER_CHECK(it->is_string(), index, "weight_map entry '" + it.key() + "' is not a file name", "the index file is malformed");
      std::string f = io::join_path(dir, it->get<std::string>());
      if (!files.count(f)) files[f] = std::make_unique<io::SafetensorsFile>(f);
      LASER_CHECK(files[f]->has(it.key()), f, "tensor '" + it.key() + "' listed in the index is not in this shard",
                  "the shards and the index do not match");
      where_is[it.key()] = f;
    }
  } else {
    throw Error("no model.safetensors or model.safetensors.index.json", dir, "the directory must hold HF safetensors weights");
  }
  // Validate everything first, then copy, so that a bad file never leaves a half-loaded model.
  std::vector<std::pair<torch::Tensor, const io::TensorView*>> todo;
  std::vector<std::string> todo_where;
  for (auto& p : m->named_parameters(true)) {
    const std::string& name = p.key();
    auto it = where_is.find(name);
    if (it == where_is.end()) {
      throw Error("missing tensor '" + name + "' (expected shape " + shape_str(p.value().sizes()) + ")",
                  io::file_exists(single) ? single : index, "the weights do not match config.json");
    }
    const auto& v = files[it->second]->get(name);
    std::string w = it->second + " tensor '" + name + "'";
    if (v.shape != p.value().sizes().vec())
      throw Error("shape mismatch: expected " + shape_str(p.value().sizes()) + ", found " + shape_str(v.shape), w,
                  "the weights do not match config.json");
    if (v.dtype != "F32" && v.dtype != "BF16" && v.dtype != "F16" && v.dtype != "F64")
      throw Error("dtype mismatch: expected a float type (F32, BF16, F16), found " + v.dtype, w, "re-save the weights as floats");
    todo.emplace_back(p.value(), &v);
    todo_where.push_back(w);
  }
  {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < todo.size(); ++i) todo[i].first.copy_(tensor_from_view(*todo[i].second, todo_where[i]).to(torch::kFloat32));
  }
  std::set<std::string> expected;
  for (auto& p : m->named_parameters(true)) expected.insert(p.key());
  for (auto& [n, f] : where_is)
    if (!expected.count(n) && n.find("rotary_emb") == std::string::npos && !(n == "lm_head.weight" && cfg.tie_word_embeddings))
      log::warn("{}: tensor '{}' is not used by this model", f, n);
  m->to(to_torch(device), to_torch(dtype));
  m->eval();
  return m;
}

void save_model(CausalLM& m, const std::string& dir) {
  io::make_dirs(dir);
  std::vector<io::TensorToWrite> ts;
  torch::Dtype dt = m->dtype();
  for (auto& [n, t] : m->hf_state()) ts.push_back(tensor_to_write(n, t));
  auto cfg = m->config();
  cfg.torch_dtype = dt == torch::kBFloat16 ? "bfloat16" : dt == torch::kFloat16 ? "float16" : "float32";
  io::write_safetensors(io::join_path(dir, "model.safetensors"), ts, {{"format", "pt"}});
  io::write_file_atomic(io::join_path(dir, "config.json"), cfg.to_json().dump(2) + "\n");
}

}  // namespace laser::model
