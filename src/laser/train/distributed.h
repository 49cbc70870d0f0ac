// Data parallelism on PyTorch's own distributed engine (c10d): a ProcessGroupGloo over a TCPStore
// rendezvous (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, as torchrun sets them), gradient
// all-reduce, broadcast from rank 0, all-gather of bytes, a bounded wait that names the rank that
// died or hangs, and a local launcher for `--nproc N`. NCCL (CUDA tensors) only where libtorch has it.
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
  // Joins the group: rank 0 hosts the TCPStore at addr:port. `timeout_s` bounds the rendezvous and
  // every collective: a rank that waits longer for a peer stops with laser::Error naming it.
  Distributed(const std::string& addr, int port, int rank, int world_size, double timeout_s = 300);
  // From MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE; a world of one when WORLD_SIZE is unset or 1.
  static std::shared_ptr<Distributed> from_env(double timeout_s = 300);

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  bool is_main() const { return rank_ == 0; }
  // Sums the tensors over ranks, in place (one flattened buffer per call: f64 when every tensor is
  // f64, else f32).
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // Sum of a scalar over ranks. `what` names the collective in messages.
  double all_reduce_sum(double x, const char* what = "all-reduce");
  // Copies rank 0's tensors to every rank, in place.
  void broadcast(std::vector<torch::Tensor>& tensors);
  // Every rank's bytes, in rank order (lengths may differ).
  std::vector<std::string> all_gather(const std::string& mine, const char* what = "all-gather");
  void barrier(const char* what = "barrier");

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  int rank_ = 0, world_ = 1;
};

// `--nproc N`: re-runs this program (argv with the --nproc option removed) as N local workers with
// MASTER_ADDR=127.0.0.1, a free MASTER_PORT, RANK, LOCAL_RANK, WORLD_SIZE and LOCAL_WORLD_SIZE
// set, waits for all (a rank still running 60 s after another failed is killed), and returns the
// first non-zero exit status (0 when all succeed). Call it
// only when RANK is not already set.
int launch_local_workers(int nproc, const std::vector<std::string>& argv);
// This process's argv (from /proc/self/cmdline) without `--nproc N` / `--nproc=N`.
std::vector<std::string> own_argv_without_nproc();
// Ranks that share this machine: LOCAL_WORLD_SIZE (torchrun, --nproc), else WORLD_SIZE, else 1.
int local_world_size();

}  // namespace laser::train
