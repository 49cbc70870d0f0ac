// Logging to stderr with levels and timestamps. Not a metrics sink (see loop/ for metrics.jsonl).
#pragma once
#include <fmt/core.h>
#include <string>

namespace laser::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

void set_level(Level l);
Level level();
// Parses "debug|info|warn|error|off"; throws laser::Error on anything else.
Level parse_level(const std::string& s);
void write(Level l, const std::string& msg);

template <typename... A>
void debug(fmt::format_string<A...> f, A&&... a) { if (level() <= Level::Debug) write(Level::Debug, fmt::format(f, std::forward<A>(a)...)); }
template <typename... A>
void info(fmt::format_string<A...> f, A&&... a) { if (level() <= Level::Info) write(Level::Info, fmt::format(f, std::forward<A>(a)...)); }
template <typename... A>
void warn(fmt::format_string<A...> f, A&&... a) { if (level() <= Level::Warn) write(Level::Warn, fmt::format(f, std::forward<A>(a)...)); }
template <typename... A>
void error(fmt::format_string<A...> f, A&&... a) { if (level() <= Level::Error) write(Level::Error, fmt::format(f, std::forward<A>(a)...)); }

}  // namespace laser::log
