// Tests of HF directory load/save: bit-exact round trips (f32, bf16, untied, classifier, Qwen2),
// sharded loading through model.safetensors.index.json, and one-line errors for damaged files
// (truncated, corrupted, header length beyond the file, missing tensor, wrong shape, wrong dtype).
#include <gtest/gtest.h>

#include <torch/version.h>

#include <fstream>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/safetensors.h"
#include "laser/model/causal_lm.h"
#include "laser/model/torch_util.h"
#include "model/tiny_model.h"

using namespace laser;
using laser::testing::make_model;
using laser::testing::max_abs_diff;
using laser::testing::tiny_config;

namespace {

void expect_same_weights(model::CausalLM& a, model::CausalLM& b) {
  auto pa = a->named_parameters(true), pb = b->named_parameters(true);
  ASSERT_EQ(pa.size(), pb.size());
  for (auto& p : pa) {
    ASSERT_TRUE(pb.contains(p.key())) << p.key();
    EXPECT_EQ(p.value().scalar_type(), pb[p.key()].scalar_type()) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  }
}

// Rewrites `dir`/model.safetensors with `edit` applied to the list of tensors.
void rewrite(const std::string& dir, const std::function<void(std::vector<io::TensorToWrite>&)>& edit) {
  std::string path = io::join_path(dir, "model.safetensors");
  std::vector<io::TensorToWrite> ts;
  {
    io::SafetensorsFile f(path);
    for (auto& n : f.names()) {
      auto& v = f.get(n);
      ts.push_back({n, v.dtype, v.shape, std::string(reinterpret_cast<const char*>(v.data), v.nbytes)});
    }
  }
  edit(ts);
  io::write_safetensors(path, ts);
}

// Loads `dir` expecting a laser::Error whose one-line message contains every needle.
void expect_dir_load_error(const std::string& dir, const std::vector<std::string>& needles) {
  try {
    model::load_model(dir);
    FAIL() << "load_model(" << dir << ") did not throw";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
}

void expect_load_error_dtype(const std::string& dir, DType dt, const std::vector<std::string>& needles) {
  try {
    model::load_model(dir, {}, dt);
    FAIL() << "load_model(" << dir << ") did not throw";
  } catch (const Error& e) {
    for (auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << "'" << n << "' not in: " << e.what();
  }
}

std::string saved_tiny(const std::string& name) {
  auto d = laser::testing::tmp_dir(name);
  auto m = make_model(tiny_config(), 21);
  model::save_model(m, d);
  return d;
}

}  // namespace

TEST(HfIo, SaveThenLoadIsBitExact) {
  for (std::string arch : {"llama", "qwen2", "mistral"}) {
    auto c = tiny_config(arch);
    auto m = make_model(c, 22);
    auto d = laser::testing::tmp_dir("rt_" + arch);
    model::save_model(m, d);
    auto back = model::load_model(d);
    expect_same_weights(m, back);
    EXPECT_EQ(back->config().model_type, arch);
    EXPECT_EQ(back->config().architecture, c.architecture);
  }
  // Tied embeddings: no lm_head tensor on disk; a classifier keeps its score head.
  auto c = tiny_config();
  c.tie_word_embeddings = true;
  auto tied = make_model(c, 23);
  auto d = laser::testing::tmp_dir("rt_tied");
  model::save_model(tied, d);
  io::SafetensorsFile f(io::join_path(d, "model.safetensors"));
  EXPECT_FALSE(f.has("lm_head.weight"));
  EXPECT_TRUE(f.has("model.embed_tokens.weight"));
  EXPECT_TRUE(f.has("model.layers.1.mlp.down_proj.weight"));
  auto tb = model::load_model(d);
  expect_same_weights(tied, tb);
  c.architecture = "LlamaForSequenceClassification";
  c.num_labels = 2;
  auto cls = make_model(c, 24);
  model::save_model(cls, d);
  auto cb = model::load_model(d);
  expect_same_weights(cls, cb);
  EXPECT_TRUE(cb->config().is_classifier());
}

TEST(HfIo, Bf16WeightsLoadAndRun) {
  auto m = make_model(tiny_config(), 25);
  auto d = laser::testing::tmp_dir("bf16");
  m->to(torch::kBFloat16);
  model::save_model(m, d);
  io::SafetensorsFile f(io::join_path(d, "model.safetensors"));
  EXPECT_EQ(f.get("model.embed_tokens.weight").dtype, "BF16");
  EXPECT_EQ(model::load_model(d)->config().torch_dtype, "bfloat16");
  // Loaded as bf16: bit-exact; loaded as f32: exact widening of the same values.
  auto b = model::load_model(d, {}, DType::BF16);
  expect_same_weights(m, b);
  EXPECT_EQ(b->dtype(), torch::kBFloat16);
  auto f32 = model::load_model(d, {}, DType::F32);
  EXPECT_TRUE(torch::equal(f32->model->embed_tokens->weight, m->model->embed_tokens->weight.to(torch::kFloat32)));
  torch::NoGradGuard ng;
  auto ids = laser::testing::ids_tensor({1, 5, 9, 44, 120});
  auto lb = b->forward(ids), lf = f32->forward(ids);
  EXPECT_EQ(lb.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::isfinite(lb).all().item<bool>());
  // bf16 arithmetic stays close to f32 on the same weights (loose: ~3 significant digits).
  EXPECT_LT(max_abs_diff(lb, lf), 0.05 * lf.abs().max().item<double>());
  // The rotary frequencies stay f32 whatever the weights' dtype.
  EXPECT_EQ(b->rope_inv_freq().scalar_type(), torch::kFloat32);
  // f16 compute on the CPU: libtorch 1.x lacks the kernels, so loading says so up front.
#if TORCH_VERSION_MAJOR < 2
  expect_load_error_dtype(d, DType::F16, {d, "f16", "bf16"});
#else
  auto h = model::load_model(d, {}, DType::F16);
  EXPECT_EQ(h->dtype(), torch::kFloat16);
  EXPECT_TRUE(torch::isfinite(h->forward(ids)).all().item<bool>());
#endif
}

TEST(HfIo, ShardedLoadThroughIndex) {
  auto m = make_model(tiny_config(), 26);
  auto d = laser::testing::tmp_dir("sharded");
  std::vector<io::TensorToWrite> a, b;
  nlohmann::json wm = nlohmann::json::object();
  int i = 0;
  for (auto& [n, t] : m->hf_state()) {
    bool first = (i++ % 2) == 0;
    (first ? a : b).push_back(model::tensor_to_write(n, t));
    wm[n] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  io::write_safetensors(io::join_path(d, "model-00001-of-00002.safetensors"), a);
  io::write_safetensors(io::join_path(d, "model-00002-of-00002.safetensors"), b);
  io::write_file_atomic(io::join_path(d, "model.safetensors.index.json"), nlohmann::json{{"metadata", {}}, {"weight_map", wm}}.dump());
  io::write_file_atomic(io::join_path(d, "config.json"), m->config().to_json().dump());
  auto back = model::load_model(d);
  expect_same_weights(m, back);
  // An index that points a tensor at the wrong shard is an error naming the shard and tensor.
  wm["model.norm.weight"] = wm["model.norm.weight"] == "model-00001-of-00002.safetensors" ? "model-00002-of-00002.safetensors"
                                                                                           : "model-00001-of-00002.safetensors";
  io::write_file_atomic(io::join_path(d, "model.safetensors.index.json"), nlohmann::json{{"weight_map", wm}}.dump());
  expect_dir_load_error(d, {"model.norm.weight", "model-0000"});
}

TEST(HfIo, TruncatedFileIsAOneLineError) {
  auto d = saved_tiny("trunc");
  std::string p = io::join_path(d, "model.safetensors");
  std::string data = io::read_file(p);
  io::write_file_atomic(p, data.substr(0, data.size() - 100));
  // The last tensor in the file (sorted by name) now ends beyond the data.
  expect_dir_load_error(d, {p, "tensor '", "outside the data"});
}

TEST(HfIo, HeaderLengthBeyondTheFile) {
  auto d = saved_tiny("hlen");
  std::string p = io::join_path(d, "model.safetensors");
  std::string data = io::read_file(p);
  io::write_file_atomic(p, data.substr(0, 40));
  expect_dir_load_error(d, {p, "header length", "beyond the file size 40"});
  io::write_file_atomic(p, std::string("\x05\x00", 2));
  expect_dir_load_error(d, {p, "too short"});
}

TEST(HfIo, CorruptedHeaderIsAOneLineError) {
  auto d = saved_tiny("corrupt");
  std::string p = io::join_path(d, "model.safetensors");
  std::string data = io::read_file(p);
  for (int i = 8; i < 40; ++i) data[i] = '#';
  io::write_file_atomic(p, data);
  expect_dir_load_error(d, {p, "not valid JSON"});
}

TEST(HfIo, MissingTensorNamesFileTensorAndExpectedShape) {
  auto d = saved_tiny("missing");
  rewrite(d, [](std::vector<io::TensorToWrite>& ts) {
    ts.erase(std::remove_if(ts.begin(), ts.end(), [](auto& t) { return t.name == "model.layers.1.mlp.up_proj.weight"; }), ts.end());
  });
  expect_dir_load_error(d, {io::join_path(d, "model.safetensors"), "model.layers.1.mlp.up_proj.weight", "missing", "[64, 32]"});
}

TEST(HfIo, WrongShapeNamesExpectedAndFound) {
  auto d = saved_tiny("shape");
  rewrite(d, [](std::vector<io::TensorToWrite>& ts) {
    for (auto& t : ts)
      if (t.name == "model.layers.0.self_attn.k_proj.weight") t.shape = {32, 16};  // same bytes, transposed shape
  });
  expect_dir_load_error(d, {"model.safetensors", "model.layers.0.self_attn.k_proj.weight", "expected [16, 32]", "found [32, 16]"});
}

TEST(HfIo, WrongDtypeNamesExpectedAndFound) {
  auto d = saved_tiny("dtype");
  rewrite(d, [](std::vector<io::TensorToWrite>& ts) {
    for (auto& t : ts)
      if (t.name == "model.norm.weight") t.dtype = "I32";  // same byte count, integer type
  });
  expect_dir_load_error(d, {"model.safetensors", "model.norm.weight", "expected a float type", "found I32"});
}

TEST(HfIo, MissingDirectoryAndWeights) {
  expect_dir_load_error(std::string(LASER_TEST_TMP) + "/no_such_model_dir", {"no_such_model_dir", "not found"});
  auto d = laser::testing::tmp_dir("noweights");
  io::write_file_atomic(io::join_path(d, "config.json"), tiny_config().to_json().dump());
  expect_dir_load_error(d, {d, "no model.safetensors"});
}
