// RewardServer: exposes one RewardModel over HTTP in OpenRLHF's remote-RM format (POST
// {"query": [...], "prompts": [...], "labels": [...]} -> {"rewards": [...]}), for `laser serve-rm`
// and tests. Binds 127.0.0.1 unless told otherwise; optional bearer token; bounded request size and
// total characters; connections served concurrently (GET /health answers while a batch scores),
// model calls one at a time. Not a client (http_rm.h). OpenRLHF's serve_rm.py endpoint (/get_reward).
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "laser/reward/reward_model.h"

namespace laser::reward::http {
class Server;
}

namespace laser::reward {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 5000;                          // 0: an ephemeral port (see RewardServer::port())
  std::string path = "/get_reward";
  std::string token;                        // "" = no authentication; else "Authorization: Bearer <token>"
  size_t max_body_bytes = 8u << 20;         // larger requests get HTTP 413
  size_t max_items = 4096;                  // more items in one request get HTTP 413
  size_t max_chars = 262144;                // items x length: more characters (bytes) of "query" text in one
                                            // request get HTTP 413 (scoring time grows with it)
  double read_timeout_s = 30.0;             // per connection: the request must arrive within this (HTTP 408)
  int workers = 4;                          // threads answering requests (model calls still run one at a time)
};

class RewardServer {
 public:
  RewardServer(RewardModel& rm, ServeOptions o);
  ~RewardServer();
  // Binds the socket; returns the port (the chosen one when o.port == 0). Throws laser::Error.
  int bind();
  // Serves until stop() (binds first if needed).
  void serve();
  // bind() then serve() on a background thread; returns the port.
  int start();
  void stop();
  int port() const { return port_; }
  // The request handling without sockets: (body, Authorization header) -> (status, reply body).
  // Thread-safe: scoring is serialized with a mutex.
  std::pair<int, std::string> handle(const std::string& body, const std::string& authorization);

 private:
  RewardModel& rm_;
  ServeOptions o_;
  std::unique_ptr<http::Server> svr_;
  std::thread th_;
  std::mutex score_mu_;
  int port_ = -1;
};

}  // namespace laser::reward
