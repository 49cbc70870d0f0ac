// The process's allocator policy, set once at start-up: glibc malloc keeps freed memory for reuse
// instead of returning large blocks to the kernel, so a decoding loop's per-step tensors are not
// page-faulted afresh every step. Not an allocator of its own; glibc's mallopt only.
#pragma once
#include <string>

namespace laser {

// Sets glibc's mmap threshold to its maximum (32 MiB: blocks up to that size come from the heap
// and are reused) and the trim threshold and top pad so that freed heap memory stays mapped
// (up to 1 GiB kept). LASER_MALLOC=system in the environment leaves glibc's defaults. Idempotent;
// returns what it did ("tuned", "system", or "unavailable" off glibc).
std::string apply_allocator_policy();

}  // namespace laser
