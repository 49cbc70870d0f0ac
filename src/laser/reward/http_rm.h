// HTTP RM: POSTs items as JSON to a remote reward server in OpenRLHF's remote-RM format
// ({"query": [prompt+response...], "prompts": [...], "labels": [...]} -> {"rewards": [...]}),
// with timeouts, retries with exponential backoff and batch splitting. Not a server (rm_server.h).
// Follows OpenRLHF's remote_rm_fn / serve_rm request layout.
#pragma once
#include <string>

#include "laser/reward/reward_model.h"

namespace laser::reward {

class HttpRM : public RewardModel {
 public:
  struct Options {
    std::string url;              // http://host:port/path
    double timeout_s = 30.0;      // connect, read and write timeout of one request
    int retries = 3;              // extra attempts after a failed one (connection, timeout, 5xx, 429)
    double backoff_s = 0.5;       // wait before the first retry; doubles each time, at most 8 s
    int batch_size = 64;          // items per request
    std::string token;            // bearer token ("" = none)
  };
  HttpRM(std::string name, Options o);
  // Throws RewardModelFailure after the retries, or at once on a reply that is not
  // {"rewards": [one number per item]} or a 4xx status other than 429.
  std::vector<double> score(const std::vector<RewardItem>& items) override;
  std::string kind() const override { return "http"; }
  // The request body for a batch (exposed for tests and for serve-rm's round trip).
  static std::string request_body(const std::vector<RewardItem>& items, size_t begin, size_t end);

 private:
  std::vector<double> post_batch(const std::vector<RewardItem>& items, size_t begin, size_t end);
  Options o_;
};

}  // namespace laser::reward
