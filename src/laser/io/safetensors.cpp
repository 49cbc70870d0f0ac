// safetensors: the mmap reader (header validated with overflow-checked shapes and offsets) and the writer (see safetensors.h).
#include "laser/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/json_parse.h"

namespace laser::io {

using json = nlohmann::json;

namespace {

// Product of `shape` times `elem_bytes`, or false when a dimension is negative or the product
// does not fit in int64 (a hostile header must not wrap around into a small, "valid" size).
bool checked_bytes(const std::vector<int64_t>& shape, int64_t elem_bytes, int64_t& out) {
  int64_t n = elem_bytes;
  for (auto s : shape)
    if (s < 0 || __builtin_mul_overflow(n, s, &n)) return false;
  out = n;
  return true;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 0;
  if (!checked_bytes(shape, 1, n))
    throw Error("shape " + shape_str(shape) + " has a negative dimension or more than 2^63 elements", "tensor", "the file is corrupted");
  return n;
}

size_t dtype_size(const std::string& d, const std::string& where) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  throw Error("unknown dtype '" + d + "'", where, "supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL");
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw Error("cannot open safetensors file: " + std::string(std::strerror(errno)), path, "check the path");
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw Error("cannot stat file", path, "check the path");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ < 8) {
    ::close(fd);
    throw Error("file is " + std::to_string(size_) + " bytes, too short for a safetensors header (8)", path,
                "the file is truncated; re-save or re-download it");
  }
  map_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw Error("cannot mmap file", path, "check memory limits");
  }
  const uint8_t* base = static_cast<const uint8_t*>(map_);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = (hlen << 8) | base[i];
  if (hlen > size_ - 8) {
    std::string msg = "header length " + std::to_string(hlen) + " is beyond the file size " + std::to_string(size_);
    ::munmap(map_, size_);
    map_ = nullptr;
    throw Error(msg, path, "the file is truncated or not a safetensors file");
  }
  json h;
  try {
    h = parse_json(std::string_view(reinterpret_cast<const char*>(base + 8), hlen), path + " header", /*where_is_file=*/false);
  } catch (const Error& e) {
    ::munmap(map_, size_);
    map_ = nullptr;
    throw Error("header is not valid JSON: " + e.what_msg(), path, "the file is corrupted");
  }
  if (!h.is_object()) {
    ::munmap(map_, size_);
    map_ = nullptr;
    throw Error("header is not a JSON object", path, "the file is corrupted");
  }
  const uint8_t* data = base + 8 + hlen;
  size_t data_size = size_ - 8 - hlen;
  std::vector<std::pair<size_t, size_t>> ranges;
  try {
    for (auto it = h.begin(); it != h.end(); ++it) {
      const std::string& name = it.key();
      std::string where = path + " tensor '" + name + "'";
      if (name == "__metadata__") {
        if (it->is_object())
          for (auto m = it->begin(); m != it->end(); ++m)
            metadata_[m.key()] = m->is_string() ? m->get<std::string>() : m->dump();
        continue;
      }
      const json& e = *it;
      if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
        throw Error("entry lacks dtype, shape or data_offsets", where, "the file is corrupted");
      TensorView v;
      if (!e["dtype"].is_string()) throw Error("dtype must be a string, found " + std::string(e["dtype"].type_name()), where, "the file is corrupted");
      v.dtype = e["dtype"].get<std::string>();
      const json& shape = e["shape"];
      if (!shape.is_array()) throw Error("shape must be an array of dimensions", where, "the file is corrupted");
      for (auto& s : shape) {
        if (!s.is_number_integer()) throw Error("malformed shape: dimension " + s.dump() + " is not an integer", where, "the file is corrupted");
        if (s.is_number_unsigned() ? s.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) : s.get<int64_t>() < 0)
          throw Error("negative or oversized dimension " + s.dump(), where, "the file is corrupted");
        v.shape.push_back(s.get<int64_t>());
      }
      const json& off = e["data_offsets"];
      if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        throw Error("data_offsets must be [begin, end] with non-negative integers", where, "the file is corrupted");
      uint64_t b64 = off[0].get<uint64_t>(), en64 = off[1].get<uint64_t>();
      if (b64 > en64 || en64 > data_size)
        throw Error("data_offsets [" + std::to_string(b64) + ", " + std::to_string(en64) + "] outside the data (" +
                        std::to_string(data_size) + " bytes)",
                    where, "the file is truncated or corrupted");
      size_t b = static_cast<size_t>(b64), en = static_cast<size_t>(en64);
      int64_t need = 0;
      if (!checked_bytes(v.shape, static_cast<int64_t>(dtype_size(v.dtype, where)), need))
        throw Error(v.dtype + " shape " + shape_str(v.shape) + " needs more than 2^63 bytes", where, "the file is corrupted");
      size_t expect = static_cast<size_t>(need);
      if (en - b != expect)
        throw Error("holds " + std::to_string(en - b) + " bytes but " + v.dtype + " shape needs " + std::to_string(expect),
                    where, "the file is corrupted");
      v.data = data + b;
      v.nbytes = en - b;
      ranges.push_back({b, en});
      tensors_[name] = v;
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second && ranges[i].first != ranges[i].second)
        throw Error("tensor data ranges overlap", path, "the file is corrupted");
  } catch (const Error&) {
    ::munmap(map_, size_);
    map_ = nullptr;
    throw;
  } catch (const std::exception& e) {
    ::munmap(map_, size_);
    map_ = nullptr;
    throw Error(std::string("malformed header: ") + e.what(), path, "the file is corrupted");
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, size_);
  map_ = nullptr;
}

const TensorView& SafetensorsFile::get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw Error("missing tensor '" + name + "'", path_, "the checkpoint does not match the config");
  return it->second;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (auto& kv : tensors_) out.push_back(kv.first);
  return out;
}

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorToWrite*> sorted;
  for (auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  json h = json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  size_t off = 0;
  for (auto* t : sorted) {
    int64_t need = 0;
    bool fits = checked_bytes(t->shape, static_cast<int64_t>(dtype_size(t->dtype, path + " tensor '" + t->name + "'")), need);
    size_t expect = static_cast<size_t>(need);
    if (!fits || expect != t->bytes.size())
      throw Error("tensor '" + t->name + "' has " + std::to_string(t->bytes.size()) + " bytes, shape needs " + std::to_string(expect),
                  path, "internal error: shape and data disagree");
    h[t->name] = {{"dtype", t->dtype}, {"shape", t->shape}, {"data_offsets", {off, off + t->bytes.size()}}};
    off += t->bytes.size();
  }
  std::string hs = h.dump();
  while ((hs.size() + 8) % 8 != 0) hs += ' ';
  std::string out;
  out.reserve(8 + hs.size() + off);
  uint64_t hl = hs.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((hl >> (8 * i)) & 0xff);
  out += hs;
  for (auto* t : sorted) out += t->bytes;
  write_file_atomic(path, out);
}

}  // namespace laser::io
