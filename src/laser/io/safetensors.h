// safetensors files (https://huggingface.co/docs/safetensors): a u64 little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}}, then raw little-endian tensor bytes.
// Reading memory-maps the file and validates every entry before any tensor is used; writing is
// atomic. Torch-free: tensors are (dtype string, shape, bytes); model/ converts them to torch.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace laser::io {

struct TensorView {
  std::string dtype;             // "F32", "BF16", "F16", "I64", ...
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // points into the mapped file
  size_t nbytes = 0;
  int64_t numel() const;
};

// Bytes per element of a safetensors dtype name; throws for unknown names.
size_t dtype_size(const std::string& dtype, const std::string& where = "safetensors");

class SafetensorsFile {
 public:
  // Maps and validates `path`; throws laser::Error naming the file (and tensor) on any defect:
  // too short, header length beyond the file, bad JSON, unknown dtype, offsets outside the data,
  // overlapping or size-mismatched entries.
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  bool has(const std::string& name) const { return tensors_.count(name) > 0; }
  // Throws naming the file and tensor when absent.
  const TensorView& get(const std::string& name) const;
  std::vector<std::string> names() const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* map_ = nullptr;
  size_t size_ = 0;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

struct TensorToWrite {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;  // little-endian raw data, numel * dtype_size bytes
};

// Writes tensors (sorted by name, 8-byte aligned header) atomically to `path`.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace laser::io
