// Allocator policy (see allocator.h): glibc mallopt thresholds, set once by main() and the
// benchmarks. Follows the mmap/trim tuning glibc's manual describes (mallopt(3)).
#include "laser/core/allocator.h"

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace laser {

std::string apply_allocator_policy() {
  const char* env = std::getenv("LASER_MALLOC");
  if (env && std::strcmp(env, "system") == 0) return "system";
#if defined(__GLIBC__)
  static bool done = false;
  if (!done) {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // the largest glibc accepts on 64-bit
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
    mallopt(M_TOP_PAD, 64 * 1024 * 1024);
    done = true;
  }
  return "tuned";
#else
  return "unavailable";
#endif
}

}  // namespace laser
