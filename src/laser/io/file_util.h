// Whole-file reads and atomic writes (temporary file or directory, fsync, then rename), so that a
// crash mid-write never leaves a half-written file where a good one was. Not a format parser.
#pragma once
#include <functional>
#include <string>

namespace laser::io {

// Reads a whole file; throws laser::Error naming the path when it cannot.
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);
void make_dirs(const std::string& path);
// Writes `data` to path.tmp-<pid>, fsyncs it, then renames it over `path`.
void write_file_atomic(const std::string& path, const std::string& data);
// Calls fill(tmpdir) to populate a fresh temporary directory next to `dir`, then replaces `dir`
// by it with renames (the old one is removed only after the new one is in place). Siblings
// "<dir>.tmp-<pid>" and "<dir>.old-<pid>" of writers that were killed (pid gone) are removed:
// temporaries first, moved-aside old versions once the new one is in place.
void write_dir_atomic(const std::string& dir, const std::function<void(const std::string&)>& fill);
void remove_all(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);

}  // namespace laser::io
