// A progress bar with rate and ETA on stderr for long work (training, generation, scoring).
// Redraws in place on a terminal; on a pipe it prints a line at most every few seconds.
// Not a logger: messages go through laser::log.
#pragma once
#include <string>

#include "laser/core/timer.h"

namespace laser {

class Progress {
 public:
  Progress(std::string label, long total, bool enabled = true);
  ~Progress();
  // Advance by n units; `extra` is shown after the bar (for example "loss 0.69").
  void tick(long n = 1, const std::string& extra = "");
  void finish(const std::string& extra = "");

 private:
  void draw(bool final);
  std::string label_, extra_;
  long total_, done_ = 0;
  bool enabled_, tty_, finished_ = false;
  Timer timer_;
  double last_draw_ = -1e9;
};

}  // namespace laser
