// HTTP RM (see http_rm.h) on http_lite's blocking client: one connection per attempt, every
// attempt bounded by timeout_s, so a dead server costs at most (retries+1) * timeout + backoff.
#include "laser/reward/http_rm.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "laser/core/log.h"
#include "laser/core/strings.h"
#include "laser/core/timer.h"
#include "laser/io/json_parse.h"
#include "laser/reward/http_lite.h"

namespace laser::reward {

using json = nlohmann::json;

HttpRM::HttpRM(std::string name, Options o) : RewardModel(std::move(name)), o_(std::move(o)) {
  http::parse_url(o_.url, "reward model '" + this->name() + "' url");  // validates early
  LASER_CHECK(o_.timeout_s > 0, "timeout_s", "must be positive", "use 30");
  LASER_CHECK(o_.retries >= 0, "retries", "must be >= 0", "use 3");
  LASER_CHECK(o_.batch_size > 0, "batch_size", "must be positive", "use 64");
}

std::string HttpRM::request_body(const std::vector<RewardItem>& items, size_t begin, size_t end) {
  json q = json::array(), p = json::array(), l = json::array(), c = json::array();
  bool any_category = false;
  for (size_t i = begin; i < end; ++i) {
    q.push_back(items[i].prompt + items[i].response);
    p.push_back(items[i].prompt);
    l.push_back(items[i].reference ? json(*items[i].reference) : json(nullptr));
    c.push_back(items[i].category);
    any_category |= !items[i].category.empty();
  }
  json body = {{"query", q}, {"prompts", p}, {"labels", l}};
  if (any_category) body["categories"] = c;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);  // model text may hold invalid UTF-8
}

namespace {

// One failed attempt: its description and whether another attempt may help.
struct Attempt {
  std::string error;
  bool retryable = false;
};

}  // namespace

std::vector<double> HttpRM::post_batch(const std::vector<RewardItem>& items, size_t begin, size_t end) {
  const std::string where = "reward model '" + name() + "' (" + o_.url + ")";
  std::string body = request_body(items, begin, end);
  size_t n = end - begin;
  auto url = http::parse_url(o_.url, where);
  std::vector<std::pair<std::string, std::string>> headers;
  if (!o_.token.empty()) headers.emplace_back("Authorization", "Bearer " + o_.token);
  Attempt last;
  double wait = o_.backoff_s;
  for (int attempt = 0; attempt <= o_.retries; ++attempt) {
    if (attempt > 0) {
      log::warn("{}: attempt {} failed ({}); retrying in {:.2f} s", where, attempt, last.error, wait);
      std::this_thread::sleep_for(std::chrono::duration<double>(wait));
      wait = std::min(wait * 2, 8.0);
    }
    auto res = http::post(url, headers, body, o_.timeout_s);
    if (res.status == 0) {
      last = {"request failed: " + res.error, true};
      continue;
    }
    if (res.status != 200) {
      std::string snippet = res.body.substr(0, 200);
      last = {"HTTP " + std::to_string(res.status) + (snippet.empty() ? "" : ": " + snippet),
              res.status >= 500 || res.status == 429 || res.status == 408};
      if (!last.retryable) break;
      continue;
    }
    json j;
    try {
      j = io::parse_json(res.body, "reply", /*where_is_file=*/false);
    } catch (const std::exception& e) {
      last = {"malformed JSON reply (" + std::string(e.what()).substr(0, 120) + ")", false};
      break;
    }
    if (!j.is_object() || !j.contains("rewards") || !j["rewards"].is_array()) {
      last = {"reply has no \"rewards\" array", false};
      break;
    }
    const auto& r = j["rewards"];
    if (r.size() != n) {
      last = {"reply has " + std::to_string(r.size()) + " rewards for " + std::to_string(n) + " items", false};
      break;
    }
    std::vector<double> out(n);
    bool ok = true;
    for (size_t i = 0; i < n; ++i) {
      if (!r[i].is_number()) { ok = false; break; }
      out[i] = r[i].get<double>();
    }
    if (!ok) {
      last = {"reply has a reward that is not a number", false};
      break;
    }
    return out;
  }
  std::string hint = last.retryable ? "gave up after " + std::to_string(o_.retries + 1) + " attempts; is the server up?"
                     : starts_with(last.error, "HTTP 413") ? "the request is over the server's size limits: lower this RM's batch_size"
                     : starts_with(last.error, "HTTP 4") ? "the server refused the request: see its message"
                                                         : "the server's reply breaks the {\"rewards\": [...]} protocol";
  throw RewardModelFailure(last.error, where, hint);
}

std::vector<double> HttpRM::score(const std::vector<RewardItem>& items) {
  Timer t;
  std::vector<double> out;
  out.reserve(items.size());
  for (size_t s = 0; s < items.size(); s += static_cast<size_t>(o_.batch_size)) {
    size_t e = std::min(items.size(), s + static_cast<size_t>(o_.batch_size));
    auto part = post_batch(items, s, e);
    out.insert(out.end(), part.begin(), part.end());
  }
  add_cost(static_cast<int64_t>(items.size()), 0, t.seconds());
  return out;
}

}  // namespace laser::reward
