// Files and directories: existence, reads, atomic writes, directory trees (see file_util.h).
#include "laser/io/file_util.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "laser/core/error.h"

namespace fs = std::filesystem;

namespace laser::io {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open file: " + std::string(std::strerror(errno)), path, "check that the path exists and is readable");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool file_exists(const std::string& path) { return fs::is_regular_file(path); }
bool dir_exists(const std::string& path) { return fs::is_directory(path); }

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw Error("cannot create directory: " + ec.message(), path, "check permissions and free space");
}

static void fsync_path(const std::string& path, bool dir) {
  int fd = ::open(path.c_str(), dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void write_file_atomic(const std::string& path, const std::string& data) {
  fs::path p(path);
  if (p.has_parent_path()) make_dirs(p.parent_path().string());
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("cannot write file: " + std::string(std::strerror(errno)), tmp, "check permissions and free space");
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.flush();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw Error("write failed: " + std::string(std::strerror(errno)), tmp, "check free space");
    }
  }
  fsync_path(tmp, false);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("cannot rename into place: " + ec.message(), path, "check permissions");
  }
  fsync_path(p.has_parent_path() ? p.parent_path().string() : ".", true);
}

namespace {
// Removes "<dir><tag><pid>" siblings left by processes that are gone (killed mid-write).
void remove_dead_siblings(const fs::path& d, const std::string& tag) {
  std::error_code ec;
  fs::path parent = d.has_parent_path() ? d.parent_path() : fs::path(".");
  std::string prefix = d.filename().string() + tag;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string pid_s = name.substr(prefix.size());
    if (pid_s.find_first_not_of("0123456789") != std::string::npos || pid_s.size() > 9) continue;
    long pid = std::stol(pid_s);
    if (pid == ::getpid() || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code e2;
      fs::remove_all(it->path(), e2);
    }
  }
}
}  // namespace

void write_dir_atomic(const std::string& dir, const std::function<void(const std::string&)>& fill) {
  fs::path d(dir);
  remove_dead_siblings(d, ".tmp-");
  std::string tmp = dir + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  make_dirs(tmp);
  try {
    fill(tmp);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fsync_path(tmp, true);
  std::string old = dir + ".old-" + std::to_string(::getpid());
  bool had_old = fs::exists(d);
  if (had_old) {
    fs::rename(d, old, ec);
    if (ec) throw Error("cannot move old directory aside: " + ec.message(), dir, "check permissions");
  }
  fs::rename(tmp, d, ec);
  if (ec) {
    if (had_old) fs::rename(old, d, ec);
    throw Error("cannot rename new directory into place", dir, "check permissions");
  }
  if (had_old) fs::remove_all(old, ec);
  // The new version is in place: earlier versions moved aside by killed writers are stale now.
  remove_dead_siblings(d, ".old-");
  fsync_path(d.has_parent_path() ? d.parent_path().string() : ".", true);
}

void remove_all(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string join_path(const std::string& a, const std::string& b) { return (fs::path(a) / b).string(); }

}  // namespace laser::io
