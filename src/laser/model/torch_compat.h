// The libtorch version laser is compiled against, for the few places where the C++ API differs
// between Debian's 1.13 and the 2.x releases (autocast's per-device calls, scaled-dot-product
// attention, c10d backends). One macro, so every guard reads the same way.
#pragma once
#include <torch/version.h>

// True when the libtorch in use is at least MAJOR.MINOR.
#define LASER_TORCH_AT_LEAST(MAJOR, MINOR) \
  (TORCH_VERSION_MAJOR > (MAJOR) || (TORCH_VERSION_MAJOR == (MAJOR) && TORCH_VERSION_MINOR >= (MINOR)))
