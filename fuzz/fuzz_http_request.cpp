// libFuzzer target: request parsing of reward::http's server (request line, headers,
// Content-Length, body size limit), fed over a loopback connection to a running http::Server
// whose handler parses the body with io::parse_json, as serve-rm does. Read-only use of
// http_lite: the bytes are the whole request the client sends before half-closing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "fuzz/fuzz_util.h"
#include "laser/io/json_parse.h"
#include "laser/reward/http_lite.h"

namespace {

int server_port() {
  static int port = [] {
    // Never destroyed: the serving thread outlives every input and runs until the process exits.
    static auto* server = new laser::reward::http::Server(
        [](const laser::reward::http::Request& req) -> laser::reward::http::Reply {
          try {
            auto j = laser::io::parse_json(req.body, "request body", false);
            return {200, j.is_object() && j.contains("query") ? "{\"rewards\": []}" : "{}"};
          } catch (const laser::Error& e) {
            return {400, nlohmann::json{{"error", e.what()}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
          }
        },
        /*max_body_bytes=*/1 << 16, /*read_timeout_s=*/2.0);
    int p = server->bind("127.0.0.1", 0);
    std::thread([] { server->serve(); }).detach();
    return p;
  }();
  return port;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int port = server_port();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413, 431) and close before reading everything
    off += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  // Read the answer until the server closes. A server that hangs is reported by libFuzzer's
  // -timeout (scripts/fuzz.sh: 10 s) before this 30 s guard.
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) {
      std::fprintf(stderr, "server did not answer or close within 30 s (input of %zu bytes, %zu sent)\n", size, off);
      std::abort();
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
  }
  ::close(fd);
  return 0;
}
