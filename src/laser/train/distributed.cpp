// c10d data parallelism (see distributed.h). Debian's libtorch 1.13 exports ProcessGroupGloo and
// TCPStore from libtorch_cpu; the Gloo headers come from libgloo-dev. USE_C10D_GLOO enables the
// ProcessGroupGloo declaration in the header, as PyTorch's own build does.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include "laser/train/distributed.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "laser/core/error.h"
#include "laser/core/log.h"

namespace laser::train {

struct Distributed::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

Distributed::Distributed(const std::string& addr, int port, int rank, int world_size) : rank_(rank), world_(world_size) {
  LASER_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "RANK/WORLD_SIZE",
              "rank " + std::to_string(rank) + " is outside a world of " + std::to_string(world_size), "0 <= RANK < WORLD_SIZE");
  if (world_size == 1) return;
  LASER_CHECK(port > 0 && port < 65536, "MASTER_PORT", "port " + std::to_string(port) + " is out of range", "use 29500");
  impl_ = std::make_shared<Impl>();
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = world_size;
    so.timeout = std::chrono::milliseconds(120000);
    impl_->store = c10::make_intrusive<c10d::TCPStore>(addr, so);
    auto opts = c10d::ProcessGroupGloo::Options::create();
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(addr));
    impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rank, world_size, opts);
  } catch (const std::exception& e) {
    throw Error(std::string("c10d rendezvous failed: ") + e.what(), addr + ":" + std::to_string(port),
                "check MASTER_ADDR/MASTER_PORT and that every rank starts");
  }
}

std::shared_ptr<Distributed> Distributed::from_env() {
  const char* ws = std::getenv("WORLD_SIZE");
  if (!ws || std::atoi(ws) <= 1) return std::make_shared<Distributed>();
  const char* r = std::getenv("RANK");
  const char* a = std::getenv("MASTER_ADDR");
  const char* p = std::getenv("MASTER_PORT");
  LASER_CHECK(r && a && p, "environment", "WORLD_SIZE is set but RANK, MASTER_ADDR or MASTER_PORT is not",
              "set all four, as torchrun does");
  return std::make_shared<Distributed>(a, std::atoi(p), std::atoi(r), std::atoi(ws));
}

void Distributed::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (!impl_ || tensors.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  for (auto& t : tensors) flat_parts.push_back(t.reshape({-1}).to(torch::kFloat32));
  std::vector<torch::Tensor> buf{torch::cat(flat_parts)};
  impl_->pg->allreduce(buf)->wait();
  int64_t off = 0;
  torch::NoGradGuard ng;
  for (auto& t : tensors) {
    int64_t n = t.numel();
    t.copy_(buf[0].narrow(0, off, n).view(t.sizes()));
    off += n;
  }
}

double Distributed::all_reduce_sum(double x) {
  if (!impl_) return x;
  std::vector<torch::Tensor> buf{torch::full({1}, x, torch::kFloat64)};
  impl_->pg->allreduce(buf)->wait();
  return buf[0].item<double>();
}

void Distributed::broadcast(std::vector<torch::Tensor>& tensors) {
  if (!impl_) return;
  torch::NoGradGuard ng;
  for (auto& t : tensors) {
    std::vector<torch::Tensor> buf{t.detach().contiguous()};
    impl_->pg->broadcast(buf)->wait();
    if (buf[0].data_ptr() != t.data_ptr()) t.copy_(buf[0]);
  }
}

void Distributed::barrier() {
  if (impl_) impl_->pg->barrier()->wait();
}

static int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = 0;
  int port = 29500;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    socklen_t len = sizeof sa;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) port = ntohs(sa.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

int launch_local_workers(int nproc, const std::vector<std::string>& argv) {
  LASER_CHECK(nproc >= 1, "--nproc", "--nproc must be at least 1", "use 2");
  LASER_CHECK(!argv.empty(), "--nproc", "no program to run", "pass argv");
  int port = free_port();
  std::vector<pid_t> pids;
  for (int r = 0; r < nproc; ++r) {
    pid_t pid = ::fork();
    LASER_CHECK(pid >= 0, "--nproc", "fork failed", "lower --nproc");
    if (pid == 0) {
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv("/proc/self/exe", args.data());
      std::perror("laser: execv");
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  int first_bad = 0;
  for (auto pid : pids) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    if (code != 0 && first_bad == 0) first_bad = code;
  }
  return first_bad;
}

}  // namespace laser::train
