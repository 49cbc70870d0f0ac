// KVCache (see kv_cache.h): in-place appends into preallocated per-layer buffers, row selection
// that compacts dropped rows within them, and the per-row padding flags and real-token counts that
// let a decoding step skip the mask. Follows the "static cache" idea of llama.cpp / HF.
#include "laser/model/kv_cache.h"

#include "laser/core/error.h"

namespace laser::model {

void KVCache::clear() {
  k.clear();
  v.clear();
  pad_ = count_ = torch::Tensor();
  mask_rows_ = mask_len_ = len_ = reserve_ = 0;
}

std::pair<torch::Tensor, torch::Tensor> KVCache::append(size_t layer, const torch::Tensor& k_new, const torch::Tensor& v_new) {
  LASER_CHECK(layer < k.size(), "KVCache::append", "layer " + std::to_string(layer) + " but the cache has " + std::to_string(k.size()) + " layers",
              "size k and v to the number of layers first");
  const int64_t B = k_new.size(0), T = k_new.size(2), need = len_ + T;
  auto& kb = k[layer];
  auto& vb = v[layer];
  if (!kb.defined() || kb.size(2) < need) {
    int64_t cap = kb.defined() ? std::max(need, 2 * kb.size(2)) : std::max(need, reserve_);
    auto nk = torch::empty({B, k_new.size(1), cap, k_new.size(3)}, k_new.options());
    auto nv = torch::empty({B, v_new.size(1), cap, v_new.size(3)}, v_new.options());
    if (kb.defined() && len_ > 0) {
      nk.narrow(2, 0, len_).copy_(kb.narrow(2, 0, len_));
      nv.narrow(2, 0, len_).copy_(vb.narrow(2, 0, len_));
    }
    kb = nk;
    vb = nv;
  }
  LASER_CHECK(kb.size(0) == B, "KVCache::append", "batch " + std::to_string(B) + " but the cache holds " + std::to_string(kb.size(0)) + " rows",
              "select_rows the cache to the batch first");
  kb.narrow(2, len_, T).copy_(k_new);
  vb.narrow(2, len_, T).copy_(v_new);
  return {kb.narrow(2, 0, need), vb.narrow(2, 0, need)};
}

void KVCache::select_rows(const torch::Tensor& index) {
  auto idx = index.to(torch::kCPU, torch::kLong).contiguous().reshape({-1});
  const int64_t* p = idx.data_ptr<int64_t>();
  select_rows(std::vector<int64_t>(p, p + idx.numel()));
}

void KVCache::select_rows(const std::vector<int64_t>& index) {
  if (k.empty() || !k[0].defined()) return;
  const int64_t B = k[0].size(0), Bn = static_cast<int64_t>(index.size());
  bool increasing = Bn <= B;
  for (int64_t i = 0; i < Bn; ++i) {
    LASER_CHECK(index[i] >= 0 && index[i] < B, "KVCache::select_rows",
                "row " + std::to_string(index[i]) + " but the cache holds " + std::to_string(B) + " rows", "select existing rows");
    increasing &= i == 0 || index[i] > index[i - 1];
  }
  if (at::GradMode::is_enabled() && k[0].requires_grad()) {  // keep autograd's saved views intact: out of place
    auto idx = torch::tensor(index, torch::kLong).to(k[0].device());
    for (size_t l = 0; l < k.size(); ++l) {
      k[l] = k[l].index_select(0, idx);
      v[l] = v[l].index_select(0, idx);
    }
  } else {
    auto row = [&](const torch::Tensor& buf, int64_t r) { return buf.select(0, r).narrow(1, 0, len_); };  // (H,len,D)
    for (auto* bufs : {&k, &v})
      for (auto& buf : *bufs) {
        if (increasing) {
          // Dropping rows: row i takes row index[i] >= i, so copying upwards never reads a row
          // already overwritten; rows that stay where they are are not touched.
          if (len_ > 0)
            for (int64_t i = 0; i < Bn; ++i)
              if (index[i] != i) row(buf, i).copy_(row(buf, index[i]));
          buf = buf.narrow(0, 0, Bn);
        } else {
          auto nb = torch::empty({Bn, buf.size(1), buf.size(2), buf.size(3)}, buf.options());
          if (len_ > 0)
            for (int64_t i = 0; i < Bn; ++i) row(nb, i).copy_(row(buf, index[i]));
          buf = nb;
        }
      }
  }
  const bool mask_ok = mask_rows_ == B;
  if (mask_ok) {  // the padding rows (only the described positions) and counts follow their rows; no index tensor, no sync
    auto pad_row = [&](const torch::Tensor& buf, int64_t r) { return buf.select(0, r).narrow(0, 0, mask_len_); };
    if (increasing) {
      for (int64_t i = 0; i < Bn; ++i)
        if (index[i] != i) {
          pad_row(pad_, i).copy_(pad_row(pad_, index[i]));
          count_.select(0, i).copy_(count_.select(0, index[i]));
        }
    } else {
      auto np = torch::empty({Bn, pad_.size(1)}, pad_.options());
      auto nc = torch::empty({Bn}, count_.options());
      for (int64_t i = 0; i < Bn; ++i) {
        pad_row(np, i).copy_(pad_row(pad_, index[i]));
        nc.select(0, i).copy_(count_.select(0, index[i]));
      }
      pad_ = np;
      count_ = nc;
    }
  }
  mask_rows_ = mask_ok ? Bn : 0;
}

bool KVCache::has_mask(int64_t rows) const { return mask_rows_ == rows && mask_len_ == len_ && batch() == rows; }

void KVCache::grow_mask(int64_t B, int64_t need, torch::Device dev) {
  if (pad_.defined() && pad_.size(0) >= B && pad_.size(1) >= need) return;
  const int64_t cap_now = pad_.defined() ? pad_.size(1) : 0;
  const int64_t cap = cap_now >= need ? cap_now : std::max({need, reserve_, 2 * cap_now});
  auto np = torch::empty({B, cap}, torch::TensorOptions().dtype(torch::kBool).device(dev));
  auto nc = torch::empty({B}, torch::TensorOptions().dtype(torch::kLong).device(dev));
  if (mask_rows_ == B && mask_len_ > 0) {  // keep what the state describes
    np.narrow(1, 0, mask_len_).copy_(pad_.narrow(0, 0, B).narrow(1, 0, mask_len_));
    nc.copy_(count_.narrow(0, 0, B));
  }
  pad_ = np;
  count_ = nc;
}

void KVCache::set_mask(const torch::Tensor& mask) {
  const int64_t B = mask.size(0), n = mask.size(1);
  if (pad_.defined() && pad_.device() != mask.device()) pad_ = count_ = torch::Tensor();
  if (!pad_.defined()) mask_rows_ = 0;
  grow_mask(B, n, mask.device());
  pad_.narrow(0, 0, B).narrow(1, 0, n).copy_(mask.eq(0));
  count_.narrow(0, 0, B).copy_(mask.sum(1));
  mask_rows_ = B;
  mask_len_ = n;
}

torch::Tensor KVCache::real_count() const { return count_.narrow(0, 0, mask_rows_); }

void KVCache::mark_real(int64_t T) {
  LASER_CHECK(mask_rows_ > 0 && mask_len_ == len_, "KVCache::mark_real", "the cache does not know its padding",
              "give the first step's mask (or none for all-real rows) through CausalLM::hidden_states");
  grow_mask(mask_rows_, len_ + T, pad_.device());
  pad_.narrow(0, 0, mask_rows_).narrow(1, len_, T).fill_(false);
  count_.narrow(0, 0, mask_rows_).add_(T);
  mask_len_ = len_ + T;
}

torch::Tensor KVCache::padding(int64_t n) const { return pad_.narrow(0, 0, mask_rows_).narrow(1, 0, n); }

}  // namespace laser::model
