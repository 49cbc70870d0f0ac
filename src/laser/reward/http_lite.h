// A minimal HTTP/1.1 client (one POST per connection) and server (sequential, Connection: close)
// on POSIX sockets, for the HTTP RM and serve-rm. Every socket operation is bounded by a timeout,
// request bodies by a size limit. Not a general web server: no TLS, no keep-alive, no pipelining.
// Written here because Debian's cpp-httplib ships as a shared library that laser does not link.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <string>
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

class Server {
 public:
  Server(Handler handler, size_t max_body_bytes = 8u << 20, double read_timeout_s = 30.0);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Binds and listens; port 0 picks a free port. Returns the port; throws laser::Error.
  int bind(const std::string& host, int port);
  // Accepts and answers connections one at a time until stop().
  void serve();
  void stop() { stop_ = true; }
  int port() const { return port_; }

 private:
  void handle_connection(int fd);
  Handler handler_;
  size_t max_body_;
  double read_timeout_s_;
  int listen_fd_ = -1;
  int port_ = -1;
  std::atomic<bool> stop_{false};
};

}  // namespace laser::reward::http
