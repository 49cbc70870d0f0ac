// Count sketch of a gradient: a fixed random projection of a long vector (the concatenation of a
// model's parameter gradients, P entries) to `dims` entries that keeps inner products in
// expectation (Charikar, Chen and Farach-Colton 2002). grad-coherence compares prompts' gradient
// directions by cosine; above a few million trainable parameters it compares their sketches, so
// its per-RM sums and memory cost RMs x dims instead of RMs x P. The error of a sketched cosine of
// two unit vectors has a standard deviation of about sqrt((1 + cos^2) / dims).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace laser::train {

// out (dims) f64 on the CPU: out[h(i)] += s(i) * v[i], where v is the concatenation of `parts`
// flattened (each part's entries in row-major order, parts in the given order), i the index into
// v, and h(i) in [0, dims), s(i) in {-1, +1} fixed hashes of i (grad_sketch.cpp; the same on
// every process and in every run). Parts on a device are copied to the CPU a chunk at a time, so
// the temporaries are bounded whatever the part sizes. dims must be positive.
torch::Tensor count_sketch(const std::vector<torch::Tensor>& parts, int64_t dims);

// The vector grad-coherence compares for a gradient split in `parts` (P entries in all): the
// flattened gradient in f64 on the CPU when dims is 0 or P <= dims, else its count sketch.
torch::Tensor gradient_direction_vector(const std::vector<torch::Tensor>& parts, int64_t dims);

// Its length: P when dims is 0 or P <= dims, else dims.
int64_t gradient_direction_length(int64_t P, int64_t dims);

}  // namespace laser::train
