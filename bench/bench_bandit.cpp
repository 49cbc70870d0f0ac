// bench_bandit: time per LinUCB decision (select + update) at large context dimension, with A^-1 kept
// by Sherman-Morrison (this library) next to the same policy inverting every A_k per step, as the
// LASeR authors' code does; prints both and their ratio from one run, and the time per decision when
// a per-query batch of 16 prompts is chosen and fed back together (select_batch/update_batch).
// Not a test (no assertions).
// Usage: bench_bandit [--dim 4096] [--arms 4,16] [--decisions 20] [--inverse-decisions 1]
//                     [--batch 16] [--inverse-arms M]  (invert only M arms per step and scale by K/M: every arm's
//                     inversion is the same O(d^3) work, and one 4096^2 inverse takes seconds)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <Eigen/Dense>

#include "laser/bandit/factory.h"
#include "laser/core/rng.h"
#include "laser/core/strings.h"
#include "laser/core/timer.h"

using namespace laser;

namespace {

Eigen::VectorXd unit(Rng& rng, int d) {
  Eigen::VectorXd v(d);
  for (int i = 0; i < d; ++i) v[i] = rng.normal();
  return v / v.norm();
}

// LinUCB as the reference code does it: keep A_k, invert it for every arm at every step.
struct InvertingLinUCB {
  std::vector<Eigen::MatrixXd> A;
  std::vector<Eigen::VectorXd> b;
  double alpha;
  InvertingLinUCB(int K, int d, double alpha) : A(K, Eigen::MatrixXd::Identity(d, d)), b(K, Eigen::VectorXd::Zero(d)), alpha(alpha) {}
  int select(const Eigen::VectorXd& c, size_t arms_to_invert) {
    int best = 0;
    double best_s = -INFINITY;
    for (size_t k = 0; k < std::min(arms_to_invert, A.size()); ++k) {
      Eigen::MatrixXd inv = A[k].inverse();  // O(d^3) per arm per step
      Eigen::VectorXd theta = inv * b[k];
      double s = c.dot(theta) + alpha * std::sqrt(c.dot(inv * c));
      if (s > best_s) best_s = s, best = static_cast<int>(k);
    }
    return best;
  }
  void update(const Eigen::VectorXd& c, int arm, double r) {
    A[arm].noalias() += c * c.transpose();
    b[arm] += r * c;
  }
};

}  // namespace

int main(int argc, char** argv) {
  int dim = 4096, decisions = 20, inv_decisions = 1, inv_arms = 1 << 30, batch = 16;
  std::vector<int> arms = {4, 16};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--dim") dim = std::atoi(v.c_str());
    else if (k == "--decisions") decisions = std::atoi(v.c_str());
    else if (k == "--inverse-decisions") inv_decisions = std::atoi(v.c_str());
    else if (k == "--inverse-arms") inv_arms = std::atoi(v.c_str());
    else if (k == "--batch") batch = std::atoi(v.c_str());
    else if (k == "--arms") {
      arms.clear();
      for (auto& a : split(v, ',')) arms.push_back(std::atoi(a.c_str()));
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  const char* omp = std::getenv("OMP_NUM_THREADS");
  std::printf("LinUCB decision = select + update, d=%d, Eigen %d.%d.%d with BLAS products, BLAS threads %s\n", dim, EIGEN_WORLD_VERSION,
              EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION, omp ? omp : std::to_string(std::thread::hardware_concurrency()).c_str());
  std::printf("%6s %6s %22s %24s %10s %18s\n", "d", "K", "sherman_morrison_ms", "inverse_per_step_ms", "ratio", "batch_of_16_ms");
  for (int K : arms) {
    Rng rng(1);
    bandit::BanditConfig cfg;
    auto b = bandit::make_bandit(cfg, K, dim);
    // warm-up: two decisions (first touch of the matrices)
    for (int i = 0; i < 2; ++i) {
      auto c = unit(rng, dim);
      auto d = b->select(c);
      b->update(c, d.arm, rng.uniform());
    }
    Timer t;
    for (int i = 0; i < decisions; ++i) {
      auto c = unit(rng, dim);
      auto d = b->select(c);
      b->update(c, d.arm, rng.uniform());
    }
    double sm_ms = t.seconds() * 1000.0 / decisions;
    // Per-query LASeR: a batch of `batch` prompts chosen against the same state, then fed back
    // (select_batch + update_batch); time per decision.
    double batch_ms = NAN;
    {
      auto bb = bandit::make_bandit(cfg, K, dim);
      auto round = [&] {
        Eigen::MatrixXd C(batch, dim);
        for (int i = 0; i < batch; ++i) C.row(i) = unit(rng, dim).transpose();
        auto ds = bb->select_batch(C);
        std::vector<int> arms;
        std::vector<double> r;
        for (auto& d : ds) arms.push_back(d.arm), r.push_back(rng.uniform());
        bb->update_batch(C, arms, r);
      };
      round();  // warm-up
      int rounds = std::max(1, decisions / batch);
      Timer tb;
      for (int i = 0; i < rounds; ++i) round();
      batch_ms = tb.seconds() * 1000.0 / (rounds * batch);
    }
    b.reset();
    double inv_ms = NAN;
    if (inv_decisions > 0) {
      InvertingLinUCB ref(K, dim, cfg.alpha);
      int measured = std::min(K, inv_arms);
      double sel_s = 0, upd_s = 0;
      for (int i = 0; i < inv_decisions; ++i) {
        auto c = unit(rng, dim);
        Timer t2;
        int a = ref.select(c, measured);
        sel_s += t2.seconds();
        t2.reset();
        ref.update(c, a, rng.uniform());
        upd_s += t2.seconds();
      }
      inv_ms = (sel_s * K / measured + upd_s) * 1000.0 / inv_decisions;
      if (measured < K) std::printf("  (inverse per step: %d of %d arms inverted per step, scaled by %d/%d)\n", measured, K, K, measured);
    }
    std::printf("%6d %6d %22.3f %24.1f %10.1f %18.3f\n", dim, K, sm_ms, inv_ms, inv_ms / sm_ms, batch_ms);
    std::fflush(stdout);
  }
  return 0;
}
