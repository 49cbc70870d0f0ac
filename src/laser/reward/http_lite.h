// A minimal HTTP/1.1 client (one POST per connection) and server (Connection: close) on POSIX
// sockets for the HTTP RM and serve-rm: one poll loop reads every connection (an idle client costs
// a poll slot, not a thread; Debian's cpp-httplib 0.11 gives each one a pool thread) and a small
// worker pool runs complete requests. Timeouts and size limits everywhere; no TLS, no keep-alive.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace laser::reward::http {

struct Url {
  std::string host;
  int port = 80;
  std::string path = "/";
};
// "http://host[:port][/path]"; throws laser::Error naming `where` otherwise.
Url parse_url(const std::string& url, const std::string& where);

struct ClientResponse {
  int status = 0;          // 0: no HTTP response (see error)
  std::string body;
  std::string error;       // "connect: Connection refused", "timed out", ...
};

// POSTs `body`; the whole exchange (connect, send, receive) must finish within timeout_s.
ClientResponse post(const Url& url, const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                    double timeout_s, const std::string& content_type = "application/json");

struct Request {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string header(const std::string& lower_name) const;
};
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};
using Handler = std::function<Reply(const Request&)>;

struct ServerOptions {
  size_t max_body_bytes = 8u << 20;  // larger bodies get HTTP 413 before they are read
  double read_timeout_s = 30.0;      // per connection: the whole request must arrive within this (else 408)
  int workers = 4;                   // threads running the handler (it must be thread-safe)
  size_t max_connections = 512;      // connections being read at once; more wait in the listen backlog
  size_t max_queue = 256;            // complete requests waiting for a worker; more get HTTP 503
  // Requests for which this returns true are answered on the reading thread and never wait for a
  // worker: cheap handlers only (for example GET /health). Null: none.
  std::function<bool(const Request&)> answer_inline;
};

class Server {
 public:
  Server(Handler handler, size_t max_body_bytes = 8u << 20, double read_timeout_s = 30.0);
  Server(Handler handler, ServerOptions o);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Binds and listens; port 0 picks a free port. Returns the port; throws laser::Error.
  int bind(const std::string& host, int port);
  // Reads connections and answers requests (on o.workers threads) until stop(); then lets the
  // workers finish the requests already read and returns.
  void serve();
  void stop() { stop_ = true; }
  int port() const { return port_; }

 private:
  struct Job {
    int fd = -1;
    Request req;
  };
  void work();
  Handler handler_;
  ServerOptions o_;
  int listen_fd_ = -1;
  int port_ = -1;
  std::atomic<bool> stop_{false};
  // worker pool: jobs in, finished connections (to close gracefully) out
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::vector<int> finished_;
  bool draining_workers_ = false;
  int wake_w_ = -1;  // written by workers to wake the poll loop
};

}  // namespace laser::reward::http
