// Left padding of token sequences into the (B,T) id and mask tensors the model takes: row b holds
// sequence b at its right end (so every row's last token sits in column T-1), id 0 and mask 0 in
// front. Positions are counted from the mask (CausalLM), so padding does not shift them.
// Not a tokenizer and not a collator for training pairs (train/sequence_logprobs right-pads responses).
#pragma once
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace laser::model {

struct LeftPadded {
  torch::Tensor ids;   // (B,T) int64 on the CPU
  torch::Tensor mask;  // (B,T) int64, 1 for real tokens
  int64_t length = 0;  // T, the longest row
};

LeftPadded left_pad(const std::vector<const std::vector<int32_t>*>& rows);
LeftPadded left_pad(const std::vector<std::vector<int32_t>>& rows);

}  // namespace laser::model
