// RewardServer (see rm_server.h) on http_lite: POST <path> scores on the worker pool, GET /health
// answers "ok" on the reading thread. Scoring is serialized with a mutex (one model, one batch).
#include "laser/reward/rm_server.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/core/strings.h"
#include "laser/io/json_parse.h"
#include "laser/reward/http_lite.h"

namespace laser::reward {

using json = nlohmann::json;

RewardServer::RewardServer(RewardModel& rm, ServeOptions o) : rm_(rm), o_(std::move(o)) {
  LASER_CHECK(o_.workers >= 1, "serve.workers", "must be >= 1", "use 4");
  LASER_CHECK(o_.max_chars >= 1, "serve.max_chars", "must be >= 1", "use 262144");
  http::ServerOptions so;
  so.max_body_bytes = o_.max_body_bytes;
  so.read_timeout_s = o_.read_timeout_s;
  so.workers = o_.workers;
  so.answer_inline = [](const http::Request& req) { return req.method == "GET" && req.path == "/health"; };
  svr_ = std::make_unique<http::Server>(
      [this](const http::Request& req) -> http::Reply {
        if (req.method == "GET" && req.path == "/health") return {200, "ok", "text/plain"};
        if (req.path != o_.path) return {404, json{{"error", "unknown path " + req.path + "; POST to " + o_.path}}.dump()};
        if (req.method != "POST") return {405, json{{"error", "use POST"}}.dump()};
        auto [status, body] = handle(req.body, req.header("authorization"));
        return {status, body};
      },
      std::move(so));
}

RewardServer::~RewardServer() { stop(); }

std::pair<int, std::string> RewardServer::handle(const std::string& body, const std::string& authorization) {
  auto err = [](int status, const std::string& msg) { return std::make_pair(status, json{{"error", msg}}.dump(-1, ' ', false, json::error_handler_t::replace)); };
  if (!o_.token.empty() && authorization != "Bearer " + o_.token) return err(401, "missing or wrong bearer token");
  if (body.size() > o_.max_body_bytes) return err(413, "request larger than " + std::to_string(o_.max_body_bytes) + " bytes");
  json j;
  try {
    j = io::parse_json(body, "request body", /*where_is_file=*/false);
  } catch (const std::exception&) {
    return err(400, "request body is not JSON");
  }
  if (!j.is_object() || !j.contains("query") || !j["query"].is_array()) return err(400, "request needs a \"query\" array of strings");
  const auto& q = j["query"];
  size_t n = q.size();
  if (n > o_.max_items) return err(413, std::to_string(n) + " items; the limit is " + std::to_string(o_.max_items));
  auto optional_array = [&](const char* key) -> const json* {
    if (!j.contains(key) || j[key].is_null()) return nullptr;
    return &j[key];
  };
  const json* prompts = optional_array("prompts");
  const json* labels = optional_array("labels");
  const json* cats = optional_array("categories");
  for (const auto* a : {prompts, labels, cats})
    if (a && (!a->is_array() || a->size() != n)) return err(400, "\"prompts\", \"labels\" and \"categories\" must be arrays as long as \"query\"");
  size_t chars = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!q[i].is_string()) return err(400, "query[" + std::to_string(i) + "] is not a string");
    chars += q[i].get_ref<const std::string&>().size();
  }
  if (chars > o_.max_chars)
    return err(413, std::to_string(n) + " items of " + std::to_string(chars / std::max<size_t>(n, 1)) + " characters on average (" +
                        std::to_string(chars) + " in all) exceed this server's limit of " + std::to_string(o_.max_chars) +
                        " characters per request; send fewer or shorter items per request (the http RM's batch_size) or raise "
                        "[serve] max_chars / --max-chars");
  std::vector<RewardItem> items(n);
  for (size_t i = 0; i < n; ++i) {
    if (!q[i].is_string()) return err(400, "query[" + std::to_string(i) + "] is not a string");
    std::string query = q[i].get<std::string>();
    if (prompts) {
      if (!(*prompts)[i].is_string()) return err(400, "prompts[" + std::to_string(i) + "] is not a string");
      items[i].prompt = (*prompts)[i].get<std::string>();
      items[i].response = starts_with(query, items[i].prompt) ? query.substr(items[i].prompt.size()) : query;
    } else {
      items[i].response = query;
    }
    if (labels && !(*labels)[i].is_null()) {
      const auto& l = (*labels)[i];
      items[i].reference = l.is_string() ? l.get<std::string>() : l.dump();
    }
    if (cats && (*cats)[i].is_string()) items[i].category = (*cats)[i].get<std::string>();
  }
  try {
    std::vector<double> r;
    {
      std::lock_guard<std::mutex> g(score_mu_);
      r = rm_.score(items);
    }
    return {200, json{{"rewards", r}}.dump()};
  } catch (const RewardModelFailure& e) {
    return err(502, e.what());
  } catch (const Error& e) {
    return err(400, e.what());
  } catch (const std::exception& e) {
    return err(500, e.what());
  }
}

int RewardServer::bind() {
  if (port_ > 0) return port_;
  port_ = svr_->bind(o_.host, o_.port);
  return port_;
}

void RewardServer::serve() {
  bind();
  log::info("serving reward model '{}' on http://{}:{}{}", rm_.name(), o_.host, port_, o_.path);
  svr_->serve();
}

int RewardServer::start() {
  int p = bind();
  th_ = std::thread([this] { svr_->serve(); });
  return p;
}

void RewardServer::stop() {
  if (svr_) svr_->stop();
  if (th_.joinable()) th_.join();
}

}  // namespace laser::reward
