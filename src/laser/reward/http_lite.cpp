// Minimal HTTP/1.1 over POSIX sockets (see http_lite.h). Follows RFC 9112 for the message
// framing it supports: Content-Length or chunked bodies, or read-until-close on the client side.
#include "laser/reward/http_lite.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "laser/core/error.h"
#include "laser/core/strings.h"

namespace laser::reward::http {

namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return d <= 0 ? 0 : static_cast<int>(std::min<long long>(d, 1 << 30));
}

// Waits for fd to become readable/writable before the deadline.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  while (true) {
    int left = ms_left(deadline);
    if (left == 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, left);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

// Sends everything or returns an error string.
std::string send_all(int fd, const std::string& data, Clock::time_point deadline) {
  size_t off = 0;
  while (off < data.size()) {
    if (!wait_fd(fd, POLLOUT, deadline)) return "timed out sending";
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return std::string("send: ") + std::strerror(errno);
    }
    off += static_cast<size_t>(n);
  }
  return "";
}

// Reads more bytes into buf; returns >0 bytes read, 0 on EOF, -1 on timeout, -2 on error.
ssize_t recv_some(int fd, std::string& buf, Clock::time_point deadline) {
  if (!wait_fd(fd, POLLIN, deadline)) return -1;
  char tmp[16384];
  while (true) {
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      if (!wait_fd(fd, POLLIN, deadline)) return -1;
      continue;
    }
    if (n < 0) return -2;
    buf.append(tmp, static_cast<size_t>(n));
    return n;
  }
}

struct Head {
  std::string first_line;
  std::map<std::string, std::string> headers;
};

Head parse_head(const std::string& head) {
  Head h;
  auto lines = split(head, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string l = lines[i];
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (i == 0) { h.first_line = l; continue; }
    size_t c = l.find(':');
    if (c == std::string::npos) continue;
    h.headers[ascii_lower(trim(l.substr(0, c)))] = trim(l.substr(c + 1));
  }
  return h;
}

// Decodes a complete chunked body; returns false while incomplete.
bool dechunk(const std::string& in, std::string& out) {
  out.clear();
  size_t p = 0;
  while (true) {
    size_t e = in.find("\r\n", p);
    if (e == std::string::npos) return false;
    size_t len = std::strtoul(in.substr(p, e - p).c_str(), nullptr, 16);
    p = e + 2;
    if (len == 0) return true;
    if (in.size() < p + len + 2) return false;
    out.append(in, p, len);
    p += len + 2;
  }
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK); }

std::string status_text(int s) {
  switch (s) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

Url parse_url(const std::string& url, const std::string& where) {
  LASER_CHECK(!starts_with(url, "https://"), where, "https is not supported", "serve the RM on http://127.0.0.1 or put a local TLS proxy in front");
  LASER_CHECK(starts_with(url, "http://"), where, "url '" + url + "' does not start with http://", "write http://host:port/path");
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string hp = slash == std::string::npos ? rest : rest.substr(0, slash);
  Url u;
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hp.rfind(':');
  if (colon != std::string::npos) {
    u.host = hp.substr(0, colon);
    std::string ps = hp.substr(colon + 1);
    char* end = nullptr;
    long p = std::strtol(ps.c_str(), &end, 10);
    LASER_CHECK(!ps.empty() && *end == '\0' && p > 0 && p < 65536, where, "bad port in url '" + url + "'", "write http://host:port/path");
    u.port = static_cast<int>(p);
  } else {
    u.host = hp;
  }
  LASER_CHECK(!u.host.empty(), where, "url '" + url + "' has no host", "write http://host:port/path");
  return u;
}

std::string Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

ClientResponse post(const Url& url, const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                    double timeout_s, const std::string& content_type) {
  ClientResponse r;
  auto deadline = Clock::now() + std::chrono::microseconds(static_cast<long long>(timeout_s * 1e6));
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int gai = ::getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &res);
  if (gai != 0 || !res) {
    r.error = "resolve " + url.host + ": " + gai_strerror(gai);
    return r;
  }
  int fd = -1;
  std::string err = "connect: no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    set_nonblocking(fd);
    int c = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (c == 0) break;
    if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline)) {
      int so = 0;
      socklen_t len = sizeof so;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len);
      if (so == 0) break;
      err = std::string("connect: ") + std::strerror(so);
    } else {
      err = errno == EINPROGRESS ? "connect: timed out" : std::string("connect: ") + std::strerror(errno);
    }
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    r.error = err;
    return r;
  }
  std::string req = "POST " + url.path + " HTTP/1.1\r\nHost: " + url.host + ":" + std::to_string(url.port) +
                    "\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  req += body;
  std::string e = send_all(fd, req, deadline);
  if (!e.empty()) {
    ::close(fd);
    r.error = e;
    return r;
  }
  std::string buf;
  size_t head_end = std::string::npos;
  Head h;
  while (true) {
    if (head_end == std::string::npos) {
      head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos) h = parse_head(buf.substr(0, head_end));
    }
    if (head_end != std::string::npos) {
      std::string rest = buf.substr(head_end + 4);
      auto te = ascii_lower(h.headers["transfer-encoding"]);
      if (te.find("chunked") != std::string::npos) {
        if (dechunk(rest, r.body)) break;
      } else if (h.headers.count("content-length")) {
        size_t cl = std::strtoull(h.headers["content-length"].c_str(), nullptr, 10);
        if (rest.size() >= cl) {
          r.body = rest.substr(0, cl);
          break;
        }
      }
    }
    ssize_t n = recv_some(fd, buf, deadline);
    if (n == 0) {  // closed: the body is whatever came (read-until-close framing)
      if (head_end == std::string::npos) {
        ::close(fd);
        r.error = "connection closed before a response";
        return r;
      }
      r.body = buf.substr(head_end + 4);
      break;
    }
    if (n < 0) {
      ::close(fd);
      r.error = n == -1 ? "timed out after " + std::to_string(timeout_s) + " s waiting for the response" : std::string("recv: ") + std::strerror(errno);
      return r;
    }
  }
  ::close(fd);
  // "HTTP/1.1 200 OK"
  auto parts = split(h.first_line, ' ');
  if (parts.size() < 2 || !starts_with(parts[0], "HTTP/")) {
    r.error = "not an HTTP response: '" + h.first_line.substr(0, 60) + "'";
    return r;
  }
  r.status = std::atoi(parts[1].c_str());
  return r;
}

Server::Server(Handler handler, size_t max_body_bytes, double read_timeout_s) : handler_(std::move(handler)) {
  o_.max_body_bytes = max_body_bytes;
  o_.read_timeout_s = read_timeout_s;
}

Server::Server(Handler handler, ServerOptions o) : handler_(std::move(handler)), o_(std::move(o)) {
  LASER_CHECK(o_.workers >= 1, "http::Server", "workers must be >= 1", "use 4");
  LASER_CHECK(o_.read_timeout_s > 0, "http::Server", "read_timeout_s must be positive", "use 30");
  LASER_CHECK(o_.max_connections >= 1 && o_.max_queue >= 1, "http::Server", "max_connections and max_queue must be >= 1", "use 512 and 256");
}

Server::~Server() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

int Server::bind(const std::string& host, int port) {
  if (listen_fd_ >= 0) return port_;
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  LASER_CHECK(gai == 0 && res, where, std::string("cannot resolve the bind address: ") + gai_strerror(gai), "use 127.0.0.1");
  int fd = ::socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = fd >= 0 && ::bind(fd, res->ai_addr, res->ai_addrlen) == 0 && ::listen(fd, 64) == 0;
  std::string why = std::strerror(errno);
  ::freeaddrinfo(res);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    throw Error("cannot bind the reward server (" + why + ")", where, "is the port in use? port 0 picks a free one");
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port) : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  set_nonblocking(fd);
  listen_fd_ = fd;
  return port_;
}

namespace {

void send_reply(int fd, const Reply& rep, Clock::time_point deadline) {
  std::string out = "HTTP/1.1 " + std::to_string(rep.status) + " " + status_text(rep.status) + "\r\nContent-Type: " + rep.content_type +
                    "\r\nContent-Length: " + std::to_string(rep.body.size()) + "\r\nConnection: close\r\n\r\n" + rep.body;
  send_all(fd, out, deadline);
}

Reply error_reply(int status, const std::string& msg) { return {status, "{\"error\": \"" + msg + "\"}", "application/json"}; }

// Reads what is there without waiting: >0 bytes, 0 on EOF, -1 nothing yet, -2 error.
ssize_t read_now(int fd, std::string& buf) {
  char tmp[16384];
  ssize_t n = ::recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : -2;
  buf.append(tmp, static_cast<size_t>(n));
  return n;
}

// A connection the poll loop owns: being read, or draining after our answer (lingering close:
// we stop writing and discard what the client still sends, for example the rest of a refused
// large body, so that closing does not reset the connection before the client read the answer).
struct Conn {
  int fd = -1;
  std::string buf;
  Clock::time_point deadline;
  bool draining = false;
  size_t head_end = std::string::npos;  // once the head is complete
  size_t content_length = 0;
  Head head;
};

constexpr auto kLinger = std::chrono::milliseconds(500);
constexpr auto kSendTimeout = std::chrono::seconds(10);

void start_draining(Conn& c) {
  ::shutdown(c.fd, SHUT_WR);
  c.draining = true;
  c.buf.clear();
  c.buf.shrink_to_fit();
  c.deadline = Clock::now() + kLinger;
}

}  // namespace

void Server::work() {
  while (true) {
    Job j;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return draining_workers_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and nothing left
      j = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Reply rep;
    try {
      rep = handler_(j.req);
    } catch (const std::exception&) {
      rep = error_reply(500, "handler failed");
    }
    send_reply(j.fd, rep, Clock::now() + kSendTimeout);
    {
      std::lock_guard<std::mutex> g(mu_);
      finished_.push_back(j.fd);
    }
    char x = 'x';
    if (::write(wake_w_, &x, 1) < 0) { /* the loop wakes within 50 ms anyway */ }
  }
}

void Server::serve() {
  LASER_CHECK(listen_fd_ >= 0, "http::Server", "serve() before bind()", "call bind(host, port) first");
  int wake[2];
  LASER_CHECK(::pipe(wake) == 0, "http::Server", std::string("pipe: ") + std::strerror(errno), "raise the open-files limit (ulimit -n)");
  set_nonblocking(wake[0]);
  set_nonblocking(wake[1]);
  wake_w_ = wake[1];
  {
    std::lock_guard<std::mutex> g(mu_);
    draining_workers_ = false;
  }
  std::vector<std::thread> workers;
  for (int i = 0; i < o_.workers; ++i) workers.emplace_back([this] { work(); });

  std::vector<Conn> conns;
  const auto read_timeout = std::chrono::microseconds(static_cast<long long>(o_.read_timeout_s * 1e6));
  // Answers on this thread (errors, inline routes), then drains the connection.
  auto answer_here = [&](Conn& c, const Reply& rep) {
    send_reply(c.fd, rep, Clock::now() + std::chrono::seconds(1));
    start_draining(c);
  };
  // Parses what has arrived; returns true when the connection left the loop (handed to a worker).
  auto advance = [&](Conn& c) -> bool {
    if (c.head_end == std::string::npos) {
      size_t e = c.buf.find("\r\n\r\n");
      if (e == std::string::npos) {
        if (c.buf.size() > 65536) answer_here(c, error_reply(431, "request headers too large"));
        return false;
      }
      c.head_end = e;
      c.head = parse_head(c.buf.substr(0, e));
      auto parts = split(c.head.first_line, ' ');
      if (parts.size() < 2) { answer_here(c, error_reply(400, "bad request line")); return false; }
      if (c.head.headers.count("content-length")) c.content_length = std::strtoull(c.head.headers["content-length"].c_str(), nullptr, 10);
      else if (ascii_lower(c.head.headers["transfer-encoding"]).find("chunked") != std::string::npos) {
        answer_here(c, error_reply(411, "send a Content-Length"));
        return false;
      }
      if (c.content_length > o_.max_body_bytes) {
        answer_here(c, error_reply(413, "request body larger than " + std::to_string(o_.max_body_bytes) + " bytes"));
        return false;
      }
    }
    if (c.buf.size() - (c.head_end + 4) < c.content_length) return false;
    Request req;
    auto parts = split(c.head.first_line, ' ');
    req.method = parts[0];
    req.path = parts[1];
    req.headers = std::move(c.head.headers);
    req.body = c.buf.substr(c.head_end + 4, c.content_length);
    if (o_.answer_inline && o_.answer_inline(req)) {
      Reply rep;
      try {
        rep = handler_(req);
      } catch (const std::exception&) {
        rep = error_reply(500, "handler failed");
      }
      answer_here(c, rep);
      return false;
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      if (jobs_.size() < o_.max_queue) {
        jobs_.push_back({c.fd, std::move(req)});
        cv_.notify_one();
        return true;
      }
    }
    answer_here(c, error_reply(503, "server busy: " + std::to_string(o_.max_queue) + " requests are waiting; retry later"));
    return false;
  };

  std::vector<pollfd> ps;
  while (!stop_) {
    {
      std::lock_guard<std::mutex> g(mu_);
      for (int fd : finished_) {
        Conn c;
        c.fd = fd;
        start_draining(c);
        conns.push_back(std::move(c));
      }
      finished_.clear();
    }
    auto now = Clock::now();
    int timeout = 50;
    for (auto& c : conns) timeout = std::min(timeout, ms_left(c.deadline) + 1);
    bool accepting = conns.size() < o_.max_connections;
    ps.assign(2, pollfd{});
    ps[0] = {wake[0], POLLIN, 0};
    ps[1] = {accepting ? listen_fd_ : -1, POLLIN, 0};
    for (auto& c : conns) ps.push_back({c.fd, POLLIN, 0});
    int r = ::poll(ps.data(), ps.size(), timeout);
    if (r < 0 && errno != EINTR) break;
    if (r < 0) continue;
    if (ps[0].revents & POLLIN) {
      char sink[256];
      while (::read(wake[0], sink, sizeof sink) > 0) {}
    }
    now = Clock::now();
    std::vector<Conn> keep;
    keep.reserve(conns.size());
    for (size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      bool gone = false;
      if (ps[i + 2].revents & (POLLIN | POLLHUP | POLLERR)) {
        std::string* into = &c.buf;
        std::string discard;
        if (c.draining) into = &discard;
        ssize_t n = read_now(c.fd, *into);
        if (n == 0 || n == -2) {  // closed or failed: nothing more to say
          ::close(c.fd);
          gone = true;
        } else if (n > 0 && !c.draining) {
          gone = advance(c);
        }
      }
      if (!gone && now >= c.deadline) {
        if (c.draining) {
          ::close(c.fd);
          gone = true;
        } else {
          answer_here(c, error_reply(408, "request not complete within " + std::to_string(o_.read_timeout_s) + " s"));
        }
      }
      if (!gone) keep.push_back(std::move(c));
    }
    conns = std::move(keep);
    if (accepting && (ps[1].revents & POLLIN)) {
      while (conns.size() < o_.max_connections) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) break;
        set_nonblocking(fd);
        Conn c;
        c.fd = fd;
        c.deadline = Clock::now() + read_timeout;
        conns.push_back(std::move(c));
      }
    }
  }
  // Stop: the workers finish the requests already read, then every connection closes.
  {
    std::lock_guard<std::mutex> g(mu_);
    draining_workers_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers) t.join();
  for (auto& c : conns) ::close(c.fd);
  for (int fd : finished_) ::close(fd);
  finished_.clear();
  wake_w_ = -1;
  ::close(wake[0]);
  ::close(wake[1]);
}

}  // namespace laser::reward::http
