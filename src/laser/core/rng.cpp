// The seeded random number generator and seed mixing (see rng.h).
#include "laser/core/rng.h"

#include <cmath>
#include <sstream>

#include "laser/core/error.h"

namespace laser {

double Rng::uniform() {
  // 53 random bits -> [0,1)
  return static_cast<double>(eng_() >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t Rng::below(uint64_t n) {
  LASER_CHECK(n > 0, "Rng::below", "empty range", "n must be positive");
  // Rejection sampling for an unbiased result.
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do { x = eng_(); } while (x >= limit);
  return x % n;
}

double Rng::normal(double mean, double stddev) {
  // Box-Muller, so the stream does not depend on the standard library's distribution code.
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

size_t Rng::categorical(const std::vector<double>& w) {
  double total = 0;
  for (double x : w) {
    LASER_CHECK(x >= 0 && std::isfinite(x), "Rng::categorical", "negative or non-finite weight", "weights must be >= 0");
    total += x;
  }
  LASER_CHECK(total > 0, "Rng::categorical", "all weights are zero", "give at least one positive weight");
  double r = uniform() * total, acc = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    acc += w[i];
    if (r < acc) return i;
  }
  for (size_t i = w.size(); i-- > 0;)
    if (w[i] > 0) return i;
  return 0;
}

uint64_t mix_seed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rng::fork_seed() { return mix_seed(eng_()); }

std::string Rng::state() const {
  std::ostringstream os;
  os << eng_;
  return os.str();
}

void Rng::set_state(const std::string& s) {
  std::istringstream is(s);
  is >> eng_;
  LASER_CHECK(!is.fail(), "rng state", "cannot parse random generator state", "the checkpoint may be corrupted");
}

}  // namespace laser
