// c10d data parallelism (see distributed.h). Debian's libtorch 1.13 exports ProcessGroupGloo and
// TCPStore from libtorch_cpu; the Gloo headers come from libgloo-dev. USE_C10D_GLOO enables the
// ProcessGroupGloo declaration in the header, as PyTorch's own build does. Failure handling: each
// rank publishes, from a side thread, the number and name of the collective it last entered under
// laser/at/<rank> in the store; a rank whose collective fails or outlasts the timeout reads them
// and names the ranks that never arrived. Under torchrun the store is its agent's
// (TORCHELASTIC_USE_AGENT_STORE), keyed per restart attempt as PyTorch's own env:// init does.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include "laser/train/distributed.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <thread>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(USE_C10D_NCCL)  // a CUDA libtorch: gradients of CUDA tensors go through NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "laser/core/error.h"
#include "laser/core/log.h"

namespace laser::train {

// Where this rank is (the collective it last entered), published by a side thread so that a hung
// store never blocks the collectives themselves. (Outside the anonymous namespace: Distributed::Impl
// holds one.)
struct CollectiveProgress {
  std::mutex mu;
  std::condition_variable cv;
  int64_t seq = 0, published = 0;
  std::string what;
  bool stop = false;
};

namespace {
using ms = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

void publish_loop(std::shared_ptr<CollectiveProgress> p, c10::intrusive_ptr<c10d::Store> store,
                  int rank) {
  std::unique_lock<std::mutex> lk(p->mu);
  while (!p->stop) {
    p->cv.wait(lk, [&] { return p->stop || p->seq != p->published; });
    if (p->stop) break;
    int64_t seq = p->seq;
    std::string v = std::to_string(seq) + " " + p->what;
    lk.unlock();
    try {
      store->set("laser/at/" + std::to_string(rank), std::vector<uint8_t>(v.begin(), v.end()));
    } catch (const std::exception&) {  // the store's host is gone: the failing collective says so
    }
    lk.lock();
    p->published = seq;
  }
}
}  // namespace

struct Distributed::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
#if defined(USE_C10D_NCCL)
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  std::shared_ptr<CollectiveProgress> progress = std::make_shared<CollectiveProgress>();
  std::string addr;
  int port = 0, rank = 0, world = 1;
  bool agent_store = false;  // torchrun's agent hosts the store (not rank 0)
  double timeout_s = 300;
  bool broken = false;

  ~Impl() {
    {
      std::lock_guard<std::mutex> lk(progress->mu);
      progress->stop = true;
    }
    progress->cv.notify_all();
    if (broken) {  // a collective may still be in flight: its threads would block the destructor
      pg.release();
      store.release();
    }
  }

  // Marks the start of a collective (the side thread publishes it).
  void enter(const char* what) {
    {
      std::lock_guard<std::mutex> lk(progress->mu);
      ++progress->seq;
      progress->what = what;
    }
    progress->cv.notify_all();
  }

  // The ranks that did not reach this rank's current collective, from their published progress;
  // bounded by a few seconds (the store's host may be the rank that hangs).
  std::string laggards() {
    int64_t mine;
    {
      std::lock_guard<std::mutex> lk(progress->mu);
      mine = progress->seq;
    }
    auto st = store;
    int me = rank, W = world;
    auto task = std::make_shared<std::packaged_task<std::string()>>([st, me, W, mine] {
      std::string out, inside;
      for (int r = 0; r < W; ++r) {
        if (r == me) continue;
        std::string key = "laser/at/" + std::to_string(r);
        if (!st->check({key})) {
          out += (out.empty() ? "" : ", ") + ("rank " + std::to_string(r) + " (never reached a collective)");
          continue;
        }
        auto b = st->get(key);
        std::string v(b.begin(), b.end());
        int64_t seq = std::atoll(v.c_str());
        if (seq >= mine) inside += (inside.empty() ? "rank " : ", rank ") + std::to_string(r);
        if (seq < mine) {
          auto sp = v.find(' ');
          out += (out.empty() ? "" : ", ") + ("rank " + std::to_string(r) + " (last at collective #" + std::to_string(seq) + " '" +
                                              (sp == std::string::npos ? "" : v.substr(sp + 1)) + "')");
        }
      }
      // Every rank entered this collective: one of them stopped answering inside it.
      return out.empty() && !inside.empty() ? inside + " (entered it too, then stopped answering)" : out;
    });
    auto fut = task->get_future();
    std::thread([task] {
      try {
        (*task)();
      } catch (...) {
      }
    }).detach();
    std::string host = agent_store ? "torchrun's agent (it hosts the store at " + addr + ":" + std::to_string(port) + ")"
                                   : "rank 0 (it hosts the store at " + addr + ":" + std::to_string(port) + ")";
    if ((rank != 0 || agent_store) && fut.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return host.substr(0, host.size() - 1) + "; it does not answer)";
    else fut.wait();
    try {
      return fut.get();
    } catch (const std::exception&) {
      return host.substr(0, host.size() - 1) + "; it is gone)";
    }
  }

  // Waits for `w`, saying every so often what it waits for; a failure or a wait past the timeout
  // throws laser::Error naming the ranks that did not arrive.
  void finish(const c10::intrusive_ptr<c10d::Work>& w, const char* what) {
    const auto start = Clock::now();
    const auto slice = ms(static_cast<int64_t>(1000 * std::clamp(timeout_s / 4, 1.0, 60.0)));
    const auto limit = ms(static_cast<int64_t>(1000 * (timeout_s + 10)));  // Gloo's own timeout fires first
    for (;;) {
      std::string why;
      try {
        w->wait(slice);
        return;
      } catch (const std::exception& e) {
        if (w->isCompleted()) why = e.what();
        else if (Clock::now() - start >= limit) why = "no answer within " + std::to_string(static_cast<int>(timeout_s)) + " s";
      }
      std::string who = laggards();
      double waited = std::chrono::duration<double>(Clock::now() - start).count();
      if (why.empty()) {
        log::warn("rank {}: waiting {:.0f} s at '{}' for {}", rank, waited, what, who.empty() ? std::string("the other ranks") : who);
        continue;
      }
      broken = true;
      auto nl = why.find('\n');
      if (nl != std::string::npos) why.resize(nl);
      throw Error("rank " + std::to_string(rank) + ": '" + std::string(what) + "' failed after " + std::to_string(static_cast<int>(waited)) +
                      " s: " + (who.empty() ? std::string("a peer") : who) + " died or hangs (" + why + ")",
                  "data parallelism, world of " + std::to_string(world),
                  "rerun the same command with --resume (it continues from the last checkpoint); run.dist_timeout bounds the wait");
    }
  }
};

Distributed::Distributed(const std::string& addr, int port, int rank, int world_size, double timeout_s) : rank_(rank), world_(world_size) {
  LASER_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "RANK/WORLD_SIZE",
              "rank " + std::to_string(rank) + " is outside a world of " + std::to_string(world_size), "0 <= RANK < WORLD_SIZE");
  if (world_size == 1) return;
  LASER_CHECK(port > 0 && port < 65536, "MASTER_PORT", "port " + std::to_string(port) + " is out of range", "use 29500");
  LASER_CHECK(timeout_s > 0, "run.dist_timeout", "the timeout must be positive", "use 300");
  impl_ = std::make_shared<Impl>();
  impl_->addr = addr;
  impl_->port = port;
  impl_->rank = rank;
  impl_->world = world_size;
  impl_->timeout_s = timeout_s;
  const auto timeout = ms(static_cast<int64_t>(1000 * timeout_s));
  const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  impl_->agent_store = agent && std::string(agent) == "True";
  if (impl_->agent_store) log::info("rank {}: joining torchrun's store at {}:{}, waiting up to {:.0f} s for {} rank(s)", rank, addr, port, timeout_s, world_size);
  else if (rank == 0) log::info("rank 0: hosting the rendezvous at {}:{}, waiting up to {:.0f} s for {} more rank(s)", addr, port, timeout_s, world_size - 1);
  else log::info("rank {}: joining the rendezvous at {}:{} (rank 0 hosts it), waiting up to {:.0f} s", rank, addr, port, timeout_s);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(port);
    so.isServer = rank == 0 && !impl_->agent_store;
    // Every rank counts itself in at rank 0's store, whose host waits for all; torchrun's agent
    // store has done its own rendezvous.
    if (!impl_->agent_store) so.numWorkers = world_size;
    so.waitWorkers = !impl_->agent_store;
    so.timeout = timeout;
    c10::intrusive_ptr<c10d::Store> tcp = c10::make_intrusive<c10d::TCPStore>(addr, so);
    if (impl_->agent_store) {  // keys of this restart attempt only
      const char* attempt = std::getenv("TORCHELASTIC_RESTART_COUNT");
      tcp = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::string(attempt ? attempt : "0"), tcp);
    }
    impl_->store = tcp;
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(addr));
    impl_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", impl_->store), rank, world_size, opts);
#if defined(USE_C10D_NCCL)
    if (torch::cuda::is_available()) {
      auto nopts = c10d::ProcessGroupNCCL::Options::create();
      nopts->timeout = timeout;
      impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl", impl_->store), rank, world_size, nopts);
    }
#endif
  } catch (const std::exception& e) {
    std::string why = e.what();
    if (auto nl = why.find('\n'); nl != std::string::npos) why.resize(nl);
    throw Error("rank " + std::to_string(rank) + ": rendezvous of " + std::to_string(world_size) + " ranks failed within " +
                    std::to_string(static_cast<int>(timeout_s)) + " s: " + why,
                addr + ":" + std::to_string(port), "check MASTER_ADDR/MASTER_PORT and that every rank starts");
  }
  impl_->store->set("laser/at/" + std::to_string(rank), std::vector<uint8_t>{'0', ' ', 'j', 'o', 'i', 'n'});
  std::thread(publish_loop, impl_->progress, impl_->store, rank).detach();
}

std::shared_ptr<Distributed> Distributed::from_env(double timeout_s) {
  const char* ws = std::getenv("WORLD_SIZE");
  if (!ws || std::atoi(ws) <= 1) return std::make_shared<Distributed>();
  const char* r = std::getenv("RANK");
  const char* a = std::getenv("MASTER_ADDR");
  const char* p = std::getenv("MASTER_PORT");
  LASER_CHECK(r && a && p, "environment", "WORLD_SIZE is set but RANK, MASTER_ADDR or MASTER_PORT is not",
              "set all four, as torchrun does");
  return std::make_shared<Distributed>(a, std::atoi(p), std::atoi(r), std::atoi(ws), timeout_s);
}

void Distributed::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (!impl_ || tensors.empty()) return;
  // f64 when every tensor is (sums that must not lose digits), else f32 (gradients).
  const bool f64 = std::all_of(tensors.begin(), tensors.end(), [](const torch::Tensor& t) { return t.scalar_type() == torch::kFloat64; });
  std::vector<torch::Tensor> flat_parts;
  for (auto& t : tensors) flat_parts.push_back(t.reshape({-1}).to(f64 ? torch::kFloat64 : torch::kFloat32));
  std::vector<torch::Tensor> buf{torch::cat(flat_parts)};
  impl_->enter("all-reduce of tensors");
#if defined(USE_C10D_NCCL)
  if (impl_->nccl && buf[0].is_cuda()) impl_->finish(impl_->nccl->allreduce(buf), "all-reduce of tensors (NCCL)");
  else
#endif
  impl_->finish(impl_->pg->allreduce(buf), "all-reduce of tensors");
  int64_t off = 0;
  torch::NoGradGuard ng;
  for (auto& t : tensors) {
    int64_t n = t.numel();
    t.copy_(buf[0].narrow(0, off, n).view(t.sizes()));
    off += n;
  }
}

double Distributed::all_reduce_sum(double x, const char* what) {
  if (!impl_) return x;
  std::vector<torch::Tensor> buf{torch::full({1}, x, torch::kFloat64)};
  impl_->enter(what);
  impl_->finish(impl_->pg->allreduce(buf), what);
  return buf[0].item<double>();
}

void Distributed::broadcast(std::vector<torch::Tensor>& tensors) {
  if (!impl_) return;
  torch::NoGradGuard ng;
  for (auto& t : tensors) {
    std::vector<torch::Tensor> buf{t.detach().contiguous()};
    impl_->enter("broadcast from rank 0");
#if defined(USE_C10D_NCCL)
    if (impl_->nccl && buf[0].is_cuda()) impl_->finish(impl_->nccl->broadcast(buf), "broadcast from rank 0 (NCCL)");
    else
#endif
    impl_->finish(impl_->pg->broadcast(buf), "broadcast from rank 0");
    if (buf[0].data_ptr() != t.data_ptr()) t.copy_(buf[0]);
  }
}

std::vector<std::string> Distributed::all_gather(const std::string& mine, const char* what) {
  if (!impl_) return {mine};
  // Lengths first, then every rank's bytes padded to the longest.
  std::vector<torch::Tensor> len_in{torch::full({1}, static_cast<int64_t>(mine.size()), torch::kLong)};
  std::vector<std::vector<torch::Tensor>> len_out(1);
  for (int r = 0; r < world_; ++r) len_out[0].push_back(torch::empty({1}, torch::kLong));
  impl_->enter(what);
  impl_->finish(impl_->pg->allgather(len_out, len_in), what);
  int64_t longest = 1;
  for (auto& t : len_out[0]) longest = std::max(longest, t.item<int64_t>());
  std::vector<torch::Tensor> in{torch::zeros({longest}, torch::kUInt8)};
  if (!mine.empty()) std::memcpy(in[0].data_ptr<uint8_t>(), mine.data(), mine.size());
  std::vector<std::vector<torch::Tensor>> out(1);
  for (int r = 0; r < world_; ++r) out[0].push_back(torch::empty({longest}, torch::kUInt8));
  impl_->enter(what);
  impl_->finish(impl_->pg->allgather(out, in), what);
  std::vector<std::string> res;
  for (int r = 0; r < world_; ++r) {
    auto n = static_cast<size_t>(len_out[0][r].item<int64_t>());
    res.emplace_back(reinterpret_cast<const char*>(out[0][r].data_ptr<uint8_t>()), n);
  }
  return res;
}

void Distributed::barrier(const char* what) {
  if (!impl_) return;
  impl_->enter(what);
  impl_->finish(impl_->pg->barrier(), what);
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
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv("/proc/self/exe", args.data());
      std::perror("laser: execv");
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  // Waits for every rank; once one has failed, the others get 60 s to stop by themselves (they
  // name the failed rank), then a rank still running (a hung one) is killed, as torchrun does.
  int first_bad = 0;
  size_t left = pids.size();
  std::vector<bool> done(pids.size(), false);
  auto failed_at = Clock::now();
  while (left > 0) {
    for (size_t r = 0; r < pids.size(); ++r) {
      if (done[r]) continue;
      int st = 0;
      pid_t got = ::waitpid(pids[r], &st, WNOHANG);
      if (got == 0) continue;
      done[r] = true;
      --left;
      int code = got < 0 ? 1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
      if (code != 0 && first_bad == 0) {
        first_bad = code;
        failed_at = Clock::now();
      }
    }
    if (left == 0) break;
    if (first_bad) {
      if (Clock::now() - failed_at > std::chrono::seconds(60)) {
        for (size_t r = 0; r < pids.size(); ++r)
          if (!done[r]) {
            log::error("--nproc: rank {} still runs 60 s after another rank failed: killing it", r);
            ::kill(pids[r], SIGKILL);
          }
        failed_at = Clock::now() + std::chrono::hours(1);  // reap them on the next passes
      }
    }
    std::this_thread::sleep_for(ms(100));
  }
  return first_bad;
}

std::vector<std::string> own_argv_without_nproc() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string cur;
  for (char ch : all) {
    if (ch == '\0') { args.push_back(cur); cur.clear(); }
    else cur.push_back(ch);
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--nproc") { ++i; continue; }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

int local_world_size() {
  for (const char* k : {"LOCAL_WORLD_SIZE", "WORLD_SIZE"})
    if (const char* v = std::getenv(k); v && std::atoi(v) >= 1) return std::atoi(v);
  return 1;
}

}  // namespace laser::train
