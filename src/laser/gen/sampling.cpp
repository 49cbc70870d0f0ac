// Token sampling (see sampling.h): temperature, top-k, top-p and greedy on logits rows, with
// uniforms drawn from laser::Rng on the host so that results do not depend on torch's generator.
// Follows HF's TemperatureLogitsWarper -> TopKLogitsWarper -> TopPLogitsWarper order.
#include "laser/gen/sampling.h"

#include <algorithm>
#include <cmath>

#include "laser/core/error.h"

namespace laser::gen {

void SamplingParams::validate(const std::string& where) const {
  LASER_CHECK(n >= 1, where + ".n", "n must be at least 1, got " + std::to_string(n), "use n = 1 or more samples per prompt");
  LASER_CHECK(max_new_tokens >= 1, where + ".max_new_tokens", "max_new_tokens must be at least 1, got " + std::to_string(max_new_tokens),
              "use 150");
  LASER_CHECK(std::isfinite(temperature) && temperature >= 0, where + ".temperature",
              "temperature must be >= 0, got " + std::to_string(temperature), "0 is greedy, 0.8 is the default");
  LASER_CHECK(top_k >= 0, where + ".top_k", "top_k must be >= 0, got " + std::to_string(top_k), "0 turns it off");
  LASER_CHECK(top_p > 0 && top_p <= 1, where + ".top_p", "top_p must be in (0, 1], got " + std::to_string(top_p), "1 turns it off");
  LASER_CHECK(batch_size >= 1, where + ".batch_size", "batch_size must be at least 1, got " + std::to_string(batch_size), "use 32");
  for (auto& s : stop_strings) LASER_CHECK(!s.empty(), where + ".stop_strings", "empty stop string", "remove it");
}

torch::Tensor filtered_probs(const torch::Tensor& logits_in, double temperature, int top_k, double top_p) {
  LASER_CHECK(logits_in.dim() == 1 || logits_in.dim() == 2, "filtered_probs", "logits must be (V) or (B,V)", "pass one row or a batch");
  auto logits = logits_in.dim() == 1 ? logits_in.unsqueeze(0) : logits_in;
  logits = logits.to(torch::kFloat32);
  int64_t V = logits.size(1);
  torch::Tensor probs;
  if (temperature <= 0) {
    auto idx = logits.argmax(1, true);
    probs = torch::zeros_like(logits).scatter_(1, idx, 1.0);
  } else {
    auto z = logits / temperature;
    if (top_k > 0 && top_k < V) {
      auto idx = std::get<1>(z.topk(top_k, 1, true, true));
      auto keep = torch::zeros_like(z, torch::kBool).scatter_(1, idx, true);
      z = z.masked_fill(keep.logical_not(), -std::numeric_limits<float>::infinity());
    }
    probs = torch::softmax(z, 1);
    if (top_p < 1.0) {
      auto sorted = probs.sort(1, true);
      auto sp = std::get<0>(sorted), si = std::get<1>(sorted);
      auto before = sp.cumsum(1) - sp;  // mass strictly before each sorted token
      auto drop_sorted = before >= top_p;
      drop_sorted.select(1, 0).fill_(false);
      auto drop = torch::zeros_like(drop_sorted).scatter_(1, si, drop_sorted);
      probs = probs.masked_fill(drop, 0.0);
      probs = probs / probs.sum(1, true);
    }
  }
  return logits_in.dim() == 1 ? probs.squeeze(0) : probs;
}

int64_t inverse_cdf(const float* probs, int64_t V, double u) {
  // As the float64 cumsum it replaces: total = the last cumulative value, x < total strictly, and
  // the answer is the number of cumulative values <= x (the first index whose cumulative mass
  // exceeds x), clamped to V-1. The cumulative sums are non-decreasing, so the search stops there.
  double total = 0;
  for (int64_t i = 0; i < V; ++i) total += static_cast<double>(probs[i]);
  const double x = std::min(u * total, total * (1.0 - 1e-15));
  double c = 0;
  for (int64_t i = 0; i < V; ++i) {
    c += static_cast<double>(probs[i]);
    if (c > x) return i;
  }
  return V - 1;
}

torch::Tensor sample_from_probs(const torch::Tensor& probs_in, const std::vector<double>& u) {
  LASER_CHECK(probs_in.dim() == 2 && static_cast<size_t>(probs_in.size(0)) == u.size(), "sample_from_probs",
              "probs must be (B,V) with one uniform per row", "pass u.size() == B");
  auto probs = probs_in.to(torch::kCPU, torch::kFloat32).contiguous();  // (B,V)
  const int64_t B = probs.size(0), V = probs.size(1);
  auto ids = torch::empty({B}, torch::kLong);
  const float* pa = probs.data_ptr<float>();
  int64_t* ia = ids.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) ia[b] = inverse_cdf(pa + b * V, V, u[b]);
  return ids.to(probs_in.device());
}

torch::Tensor sample_tokens(const torch::Tensor& logits, const SamplingParams& p, const std::vector<Rng*>& rngs) {
  LASER_CHECK(logits.dim() == 2 && static_cast<size_t>(logits.size(0)) == rngs.size(), "sample_tokens",
              "logits must be (B,V) with one Rng per row", "pass rngs.size() == B");
  if (p.temperature <= 0) return logits.argmax(1);
  auto probs = filtered_probs(logits, p.temperature, p.top_k, p.top_p);
  std::vector<double> u(rngs.size());
  for (size_t b = 0; b < rngs.size(); ++b) u[b] = rngs[b]->uniform();
  return sample_from_probs(probs, u);
}

int64_t sample_token(const torch::Tensor& logits, const SamplingParams& p, Rng& rng) {
  std::vector<Rng*> r{&rng};
  return sample_tokens(logits.view({1, -1}), p, r).item<int64_t>();
}

void TokenSampler::sample(const torch::Tensor& logits_in, const std::vector<Rng*>& rngs, std::vector<int64_t>& ids,
                          std::vector<float>& logprobs) {
  LASER_CHECK(logits_in.dim() == 2 && static_cast<size_t>(logits_in.size(0)) == rngs.size(), "TokenSampler::sample",
              "logits must be (B,V) with one Rng per row", "pass rngs.size() == B");
  auto logits = logits_in.to(torch::kCPU, torch::kFloat32).contiguous();  // (B,V)
  const int64_t B = logits.size(0), V = logits.size(1);
  // Scratch sized to this step's rows: resize_ keeps the storage when the batch shrinks (and
  // the *_out kernels then find the shape they need, so they neither reallocate nor warn).
  if (!lse_.defined()) {
    lse_ = torch::empty({B}, logits.options());
    argmax_ = torch::empty({B}, logits.options().dtype(torch::kLong));
  }
  lse_.resize_({B});
  argmax_.resize_({B});
  ids.resize(static_cast<size_t>(B));
  logprobs.resize(static_cast<size_t>(B));
  if (p_.temperature <= 0) {
    at::argmax_out(argmax_, logits, 1);  // (B)
    const int64_t* a = argmax_.data_ptr<int64_t>();
    for (int64_t b = 0; b < B; ++b) ids[b] = a[b];
  } else if (p_.top_k > 0 || p_.top_p < 1.0) {
    auto probs = filtered_probs(logits, p_.temperature, p_.top_k, p_.top_p).contiguous();  // (B,V), allocates: sorts
    const float* pa = probs.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) ids[b] = inverse_cdf(pa + b * V, V, rngs[b]->uniform());
  } else {
    if (!z_.defined()) {
      z_ = torch::empty({B, V}, logits.options());
      probs_ = torch::empty({B, V}, logits.options());
    }
    z_.resize_({B, V});
    probs_.resize_({B, V});
    // The kernels filtered_probs runs (logits / T, softmax), written into the kept buffers.
    if (!temp_.defined()) {  // the wrapped scalar `logits / T` divides by, so the kernel is the same
      temp_ = c10::scalar_to_tensor(at::Scalar(p_.temperature));
      temp_.unsafeGetTensorImpl()->set_wrapped_number(true);
    }
    at::div_out(z_, logits, temp_);  // (B,V)
    at::softmax_out(probs_, z_, 1);           // (B,V)
    const float* pa = probs_.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) ids[b] = inverse_cdf(pa + b * V, V, rngs[b]->uniform());
  }
  // log p(id) = logit[id] - logsumexp(row), in float as log_softmax would give it.
  at::logsumexp_out(lse_, logits, {1});  // (B)
  const float* la = logits.data_ptr<float>();
  const float* sa = lse_.data_ptr<float>();
  for (int64_t b = 0; b < B; ++b) logprobs[b] = la[b * V + ids[b]] - sa[b];
}

}  // namespace laser::gen
