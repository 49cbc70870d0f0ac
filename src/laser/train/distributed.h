// Data parallelism on PyTorch's own distributed engine (c10d): a ProcessGroupGloo over a TCPStore
// rendezvous (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, as torchrun sets them), gradient
// all-reduce (mean), broadcast of parameters from rank 0, and a local launcher for `--nproc N`.
// Not a collective implementation of its own: every byte moves through c10d.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace laser::train {

class Distributed {
 public:
  // World of one: no process group, every call is a no-op.
  Distributed() = default;
  // Joins the group: rank 0 hosts the TCPStore at addr:port.
  Distributed(const std::string& addr, int port, int rank, int world_size);
  // From MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE; a world of one when WORLD_SIZE is unset or 1.
  static std::shared_ptr<Distributed> from_env();

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  bool is_main() const { return rank_ == 0; }
  // Sums the tensors over ranks, in place (one flattened buffer per call).
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // Sum of a scalar over ranks.
  double all_reduce_sum(double x);
  // Copies rank 0's tensors to every rank, in place.
  void broadcast(std::vector<torch::Tensor>& tensors);
  void barrier();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  int rank_ = 0, world_ = 1;
};

// `--nproc N`: re-runs this program (argv with the --nproc option removed) as N local workers with
// MASTER_ADDR=127.0.0.1, a free MASTER_PORT, RANK and WORLD_SIZE set, waits for all, and returns
// the first non-zero exit status (0 when all succeed). Call it only when RANK is not already set.
int launch_local_workers(int nproc, const std::vector<std::string>& argv);

}  // namespace laser::train
