// Seeded random numbers for everything in laser that samples (generation, bandits, splits, noise).
// One engine type (mt19937_64) so that a seed means the same stream everywhere; state is
// serializable so that checkpoints resume exactly. Not thread-safe: one Rng per user.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace laser {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : eng_(seed) {}
  void seed(uint64_t s) { eng_.seed(s); }
  uint64_t next_u64() { return eng_(); }
  // Uniform in [0, 1).
  double uniform();
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n);
  double normal(double mean = 0.0, double stddev = 1.0);
  // Index drawn from unnormalized non-negative weights (throws if all are zero).
  size_t categorical(const std::vector<double>& weights);
  // Derive an independent child seed (splitmix64 of the next draw) for a sub-component.
  uint64_t fork_seed();
  std::string state() const;
  void set_state(const std::string& s);
  std::mt19937_64& engine() { return eng_; }

 private:
  std::mt19937_64 eng_;
};

// splitmix64: a well-mixed 64-bit hash, used to derive seeds from (seed, index).
uint64_t mix_seed(uint64_t seed, uint64_t index = 0);

}  // namespace laser
