// The progress bar with rate and ETA on stderr (see progress.h).
#include "laser/core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace laser {

namespace {
std::string fmt_secs(double s) {
  char buf[32];
  if (s < 0 || s > 1e7) return "?";
  int t = static_cast<int>(s + 0.5);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, (t / 60) % 60);
  else std::snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
  return buf;
}
}  // namespace

Progress::Progress(std::string label, long total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && !std::getenv("LASER_NO_PROGRESS")),
      tty_(isatty(2)) {}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::tick(long n, const std::string& extra) {
  done_ += n;
  extra_ = extra;
  draw(false);
}

void Progress::finish(const std::string& extra) {
  if (finished_) return;
  if (!extra.empty()) extra_ = extra;
  finished_ = true;
  draw(true);
}

void Progress::draw(bool final) {
  if (!enabled_) return;
  double t = timer_.seconds();
  double min_gap = tty_ ? 0.1 : 5.0;
  if (!final && t - last_draw_ < min_gap) return;
  last_draw_ = t;
  double frac = total_ > 0 ? static_cast<double>(done_) / total_ : 0;
  if (frac > 1) frac = 1;
  double rate = t > 0 ? done_ / t : 0;
  double eta = rate > 0 && total_ > 0 ? (total_ - done_) / rate : -1;
  const int width = 24;
  int filled = static_cast<int>(frac * width);
  std::string bar(filled, '#');
  bar += std::string(width - filled, '.');
  std::fprintf(stderr, "%s%s [%s] %ld/%ld %.1f/s elapsed %s eta %s %s%s", tty_ ? "\r\033[K" : "",
               label_.c_str(), bar.c_str(), done_, total_, rate, fmt_secs(t).c_str(),
               final ? "0:00" : fmt_secs(eta).c_str(), extra_.c_str(), (final || !tty_) ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace laser
