// Leveled logging to stderr (see log.h).
#include "laser/core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "laser/core/error.h"

namespace laser::log {
namespace {
Level initial_level() {
  const char* e = std::getenv("LASER_LOG");
  if (!e) return Level::Info;
  try { return parse_level(e); } catch (...) { return Level::Info; }
}
std::atomic<int> g_level{static_cast<int>(initial_level())};
std::mutex g_mu;
const auto g_start = std::chrono::steady_clock::now();
}  // namespace

void set_level(Level l) { g_level = static_cast<int>(l); }
Level level() { return static_cast<Level>(g_level.load()); }

Level parse_level(const std::string& s) {
  if (s == "debug") return Level::Debug;
  if (s == "info") return Level::Info;
  if (s == "warn") return Level::Warn;
  if (s == "error") return Level::Error;
  if (s == "off") return Level::Off;
  throw Error("unknown log level '" + s + "'", "log level", "use debug, info, warn, error or off");
}

void write(Level l, const std::string& msg) {
  static const char* names[] = {"debug", "info", "warn", "error", "off"};
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  std::lock_guard<std::mutex> lk(g_mu);
  std::fprintf(stderr, "[%8.2fs %-5s] %s\n", t, names[static_cast<int>(l)], msg.c_str());
  std::fflush(stderr);
}

}  // namespace laser::log
