// The HTTP RM against a local test server (127.0.0.1, ephemeral port): success with batch
// splitting, retry after HTTP 500, timeout, persistent 500, malformed JSON and a wrong number of
// rewards; then serve-rm (RewardServer) round-tripping with the HTTP RM, auth and size limits,
// concurrency (idle clients and long scoring never block /health), and the `laser serve-rm` /
// `laser score` programs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/reward/http_lite.h"
#include "laser/reward/http_rm.h"
#include "laser/reward/lm_likelihood.h"
#include "laser/reward/rm_server.h"
#include "laser/reward/verifier.h"
#include "reward/reward_test_util.h"

using namespace laser;
using namespace laser::reward;
using json = nlohmann::json;

namespace {

// A scripted reward server: `reply` decides each answer from the request count and body.
class ScriptedServer {
 public:
  using ReplyFn = std::function<void(int n, const json& req, http::Reply& res)>;
  explicit ScriptedServer(ReplyFn reply)
      : reply_(std::move(reply)), svr_([this](const http::Request& req) {
          http::Reply res;
          int n = ++count_;
          reply_(n, json::parse(req.body), res);
          return res;
        }) {
    port_ = svr_.bind("127.0.0.1", 0);
    th_ = std::thread([this] { svr_.serve(); });
  }
  ~ScriptedServer() {
    svr_.stop();
    th_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/get_reward"; }
  int requests() const { return count_; }

 private:
  ReplyFn reply_;
  std::atomic<int> count_{0};
  http::Server svr_;
  std::thread th_;
  int port_ = -1;
};

// Reward = length of the response part of each query.
void good_reply(const json& req, http::Reply& res) {
  json r = json::array();
  for (size_t i = 0; i < req["query"].size(); ++i)
    r.push_back(static_cast<double>(req["query"][i].get<std::string>().size() - req["prompts"][i].get<std::string>().size()));
  res.body = json{{"rewards", r}}.dump();
}

std::vector<RewardItem> items(int n) {
  std::vector<RewardItem> v;
  for (int i = 0; i < n; ++i) v.push_back({"p" + std::to_string(i) + ": ", std::string(i + 1, 'y'), std::string("ref"), ""});
  return v;
}

HttpRM::Options opts(const std::string& url) {
  HttpRM::Options o;
  o.url = url;
  o.timeout_s = 2.0;
  o.retries = 2;
  o.backoff_s = 0.01;
  o.batch_size = 4;
  return o;
}

// A TCP connection to 127.0.0.1:port (-1 on failure).
int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `raw` and reads until the server closes or timeout_s passes; returns what came back
// ("" on timeout or error).
std::string exchange(int port, const std::string& raw, double timeout_s) {
  int fd = connect_local(port);
  if (fd < 0) return "";
  if (::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(raw.size())) {
    ::close(fd);
    return "";
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
  while (true) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) { out.clear(); break; }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) { out.clear(); break; }
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string get_health(int port, double timeout_s) { return exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", timeout_s); }

// An RM whose score() waits until release() (bounded), counting how many calls overlap.
class GateRM : public RewardModel {
 public:
  GateRM() : RewardModel("gate") {}
  std::vector<double> score(const std::vector<RewardItem>& items) override {
    std::unique_lock<std::mutex> lk(mu_);
    ++inside_;
    ++entered_;
    max_inside_ = std::max(max_inside_, inside_);
    cv_.notify_all();
    cv_.wait_for(lk, std::chrono::seconds(60), [&] { return released_; });
    --inside_;
    return std::vector<double>(items.size(), 1.0);
  }
  std::string kind() const override { return "gate"; }
  bool wait_entered(int n) {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(30), [&] { return entered_ >= n; });
  }
  void release() {
    std::lock_guard<std::mutex> g(mu_);
    released_ = true;
    cv_.notify_all();
  }
  int max_inside() {
    std::lock_guard<std::mutex> g(mu_);
    return max_inside_;
  }
  int entered() {
    std::lock_guard<std::mutex> g(mu_);
    return entered_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int inside_ = 0, entered_ = 0, max_inside_ = 0;
  bool released_ = false;
};

std::string failure_of(HttpRM& rm, const std::vector<RewardItem>& it) {
  try {
    rm.score(it);
  } catch (const RewardModelFailure& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected RewardModelFailure";
  return "";
}

}  // namespace

TEST(HttpRM, SuccessSplitsBatchesAndSendsOpenRlhfFields) {
  json first;
  ScriptedServer srv([&](int n, const json& req, http::Reply& res) {
    if (n == 1) first = req;
    good_reply(req, res);
  });
  HttpRM rm("remote", opts(srv.url()));
  auto it = items(10);
  auto s = rm.score(it);
  ASSERT_EQ(s.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s[i], i + 1.0);
  EXPECT_EQ(srv.requests(), 3);  // 4 + 4 + 2
  EXPECT_EQ(first["query"][0], "p0: y");
  EXPECT_EQ(first["prompts"][0], "p0: ");
  EXPECT_EQ(first["labels"][0], "ref");
  EXPECT_EQ(rm.cost().calls, 1);
  EXPECT_EQ(rm.cost().items, 10);
}

TEST(HttpRM, RetriesAfterHttp500) {
  ScriptedServer srv([](int n, const json& req, http::Reply& res) {
    if (n <= 2) {
      res.status = 500;
      res.body = "boom";
    } else {
      good_reply(req, res);
    }
  });
  HttpRM rm("remote", opts(srv.url()));
  auto s = rm.score(items(3));
  EXPECT_EQ(s, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(srv.requests(), 3);
}

TEST(HttpRM, PersistentHttp500FailsAfterRetries) {
  ScriptedServer srv([](int, const json&, http::Reply& res) { res.status = 500; });
  HttpRM rm("remote", opts(srv.url()));
  auto m = failure_of(rm, items(2));
  EXPECT_NE(m.find("HTTP 500"), std::string::npos) << m;
  EXPECT_NE(m.find("3 attempts"), std::string::npos) << m;
  EXPECT_EQ(srv.requests(), 3);
  EXPECT_EQ(rm.cost().calls, 0);
}

TEST(HttpRM, TimeoutIsRetriedThenFails) {
  ScriptedServer srv([](int, const json& req, http::Reply& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    good_reply(req, res);
  });
  auto o = opts(srv.url());
  o.timeout_s = 0.1;
  o.retries = 1;
  HttpRM rm("remote", o);
  auto m = failure_of(rm, items(1));
  EXPECT_NE(m.find("timed out"), std::string::npos) << m;
  EXPECT_NE(m.find("after 2 attempts"), std::string::npos) << m;
}

TEST(HttpRM, MalformedJsonAndWrongCountFailAtOnce) {
  ScriptedServer bad([](int, const json&, http::Reply& res) { res.body = "{\"rewards\": [1, 2"; });
  HttpRM a("remote", opts(bad.url()));
  auto m = failure_of(a, items(2));
  EXPECT_NE(m.find("malformed JSON"), std::string::npos) << m;
  EXPECT_EQ(bad.requests(), 1);

  ScriptedServer wrong([](int, const json&, http::Reply& res) { res.body = "{\"rewards\": [1]}"; });
  HttpRM b("remote", opts(wrong.url()));
  m = failure_of(b, items(3));
  EXPECT_NE(m.find("1 rewards for 3 items"), std::string::npos) << m;

  ScriptedServer nokey([](int, const json&, http::Reply& res) { res.body = "{\"scores\": [1]}"; });
  HttpRM c("remote", opts(nokey.url()));
  m = failure_of(c, items(1));
  EXPECT_NE(m.find("no \"rewards\""), std::string::npos) << m;
}

TEST(HttpRM, ConnectionRefusedFails) {
  int port;
  {
    http::Server tmp([](const http::Request&) { return http::Reply{}; });
    port = tmp.bind("127.0.0.1", 0);
  }  // closed again: nothing listens there now
  auto o = opts("http://127.0.0.1:" + std::to_string(port) + "/get_reward");
  o.retries = 1;
  HttpRM rm("remote", o);
  auto m = failure_of(rm, items(1));
  EXPECT_NE(m.find("connect: Connection refused"), std::string::npos) << m;
}

TEST(ServeRm, RoundTripsWithHttpRM) {
  VerifierRM inner("math", {VerifierType::Gsm8k, 4});
  ServeOptions so;
  so.port = 0;
  so.token = "secret";
  RewardServer srv(inner, so);
  int port = srv.start();
  ASSERT_GT(port, 0);
  std::vector<RewardItem> it = {{"Q1 ", "Final answer: 18", std::string("#### 18"), ""},
                                {"Q2 ", "Final answer: 17", std::string("#### 18"), ""},
                                {"Q3 ", "so 1,200", std::string("1200"), ""}};
  auto o = opts("http://127.0.0.1:" + std::to_string(port) + "/get_reward");
  o.token = "secret";
  HttpRM rm("remote", o);
  EXPECT_EQ(rm.score(it), inner.score(it));
  EXPECT_EQ(rm.score(it), (std::vector<double>{1, 0, 1}));
  // wrong token: 401, not retried
  o.token = "nope";
  HttpRM wrong("remote", o);
  auto m = failure_of(wrong, it);
  EXPECT_NE(m.find("HTTP 401"), std::string::npos) << m;
  // an item without a reference: the verifier's error comes back as HTTP 400
  o.token = "secret";
  HttpRM noref("remote", o);
  m = failure_of(noref, {{"Q", "Final answer: 1", std::nullopt, ""}});
  EXPECT_NE(m.find("HTTP 400"), std::string::npos) << m;
  EXPECT_NE(m.find("reference"), std::string::npos) << m;
  srv.stop();
}

TEST(ServeRm, RequestSizeLimits) {
  VerifierRM inner("exact", {VerifierType::Exact, 4});
  ServeOptions so;
  so.port = 0;
  so.max_body_bytes = 2000;
  so.max_items = 3;
  RewardServer srv(inner, so);
  int port = srv.start();
  auto o = opts("http://127.0.0.1:" + std::to_string(port) + "/get_reward");
  o.batch_size = 10;
  HttpRM rm("remote", o);
  auto m = failure_of(rm, {{"q", std::string(5000, 'z'), std::string("z"), ""}});
  EXPECT_NE(m.find("HTTP 413"), std::string::npos) << m;
  m = failure_of(rm, items(5));
  EXPECT_NE(m.find("HTTP 413"), std::string::npos) << m;
  EXPECT_EQ(rm.score(items(3)).size(), 3u);
  // the handler alone: bad bodies are 400s
  EXPECT_EQ(srv.handle("not json", "").first, 400);
  EXPECT_EQ(srv.handle("{\"query\": [\"a\"], \"prompts\": [\"a\", \"b\"]}", "").first, 400);
  EXPECT_EQ(srv.handle("{\"query\": [\"ab\"], \"prompts\": [\"a\"], \"labels\": [\"b\"]}", "").second, "{\"rewards\":[1.0]}");
}

// An idle connection (connected, nothing sent) and a half-sent request must not hold the server:
// /health and scoring answer at once while both stay open (read timeout 30 s).
TEST(ServeRm, IdleConnectionsDoNotBlockOthers) {
  VerifierRM inner("exact", {VerifierType::Exact, 4});
  ServeOptions so;
  so.port = 0;
  so.workers = 2;
  RewardServer srv(inner, so);
  int port = srv.start();
  int idle = connect_local(port);
  ASSERT_GE(idle, 0);
  int half = connect_local(port);
  ASSERT_GE(half, 0);
  std::string part = "POST /get_reward HTTP/1.1\r\nContent-Length: 500\r\n\r\n{\"query\": [";
  ASSERT_EQ(::send(half, part.data(), part.size(), MSG_NOSIGNAL), static_cast<ssize_t>(part.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the server accept both first
  for (int i = 0; i < 3; ++i) {
    auto h = get_health(port, 10.0);
    EXPECT_EQ(h.find("HTTP/1.1 200"), 0u) << "no /health answer while idle connections are open: '" << h << "'";
    EXPECT_NE(h.find("\r\n\r\nok"), std::string::npos) << h;
  }
  auto o = opts("http://127.0.0.1:" + std::to_string(port) + "/get_reward");
  o.timeout_s = 10.0;
  o.retries = 0;
  HttpRM rm("remote", o);
  EXPECT_EQ(rm.score({{"q", "z", std::string("z"), ""}}), (std::vector<double>{1}));
  ::close(idle);
  ::close(half);
  srv.stop();
}

// A client that never completes its request gets 408 after the read timeout, then the close.
TEST(ServeRm, IncompleteRequestTimesOutWith408) {
  VerifierRM inner("exact", {VerifierType::Exact, 4});
  ServeOptions so;
  so.port = 0;
  so.read_timeout_s = 0.3;
  RewardServer srv(inner, so);
  int port = srv.start();
  auto r = exchange(port, "POST /get_reward HTTP/1.1\r\nContent-Length: 100\r\n\r\n{", 20.0);
  EXPECT_EQ(r.find("HTTP/1.1 408"), 0u) << r;
  srv.stop();
}

// While one batch is being scored (and a second waits for the model), /health answers; the
// model never runs two batches at once.
TEST(ServeRm, HealthAnswersWhileScoringAndScoringIsSerialized) {
  for (int workers : {1, 3}) {
    GateRM gate;
    ServeOptions so;
    so.port = 0;
    so.workers = workers;
    RewardServer srv(gate, so);
    int port = srv.start();
    auto o = opts("http://127.0.0.1:" + std::to_string(port) + "/get_reward");
    o.timeout_s = 60.0;
    o.retries = 0;
    std::vector<double> a, b;
    std::thread ta([&] {
      HttpRM rm("remote", o);
      a = rm.score(items(2));
    });
    ASSERT_TRUE(gate.wait_entered(1)) << "the first batch never reached the model";
    std::thread tb([&] {
      HttpRM rm("remote", o);
      b = rm.score(items(3));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto h = get_health(port, 10.0);
    EXPECT_EQ(h.find("HTTP/1.1 200"), 0u) << "workers " << workers << ": /health blocked by scoring: '" << h << "'";
    EXPECT_EQ(gate.entered(), 1) << "a second batch entered the model while the first was scoring";
    gate.release();
    ta.join();
    tb.join();
    EXPECT_EQ(a.size(), 2u);
    EXPECT_EQ(b.size(), 3u);
    EXPECT_EQ(gate.max_inside(), 1);
    srv.stop();
  }
}

// More characters of query text than max_chars (items x length) in one request: HTTP 413 with a
// body that says what was sent, the limit and what to do.
TEST(ServeRm, ItemsTimesLengthLimit) {
  VerifierRM inner("exact", {VerifierType::Exact, 4});
  ServeOptions so;
  so.port = 0;
  so.max_chars = 1000;
  RewardServer srv(inner, so);
  json big = {{"query", json::array()}, {"labels", json::array()}};
  for (int i = 0; i < 10; ++i) {
    big["query"].push_back(std::string(101, 'a'));
    big["labels"].push_back("a");
  }
  auto [status, body] = srv.handle(big.dump(), "");
  EXPECT_EQ(status, 413);
  const std::string& e = body;
  EXPECT_NE(e.find("10 items of 101 characters on average (1010 in all)"), std::string::npos) << e;
  EXPECT_NE(e.find("limit of 1000 characters"), std::string::npos) << e;
  EXPECT_NE(e.find("max_chars"), std::string::npos) << e;
  big["query"][0] = "a";
  EXPECT_EQ(srv.handle(big.dump(), "").first, 200);
  int port = srv.start();
  auto o = opts("http://127.0.0.1:" + std::to_string(port) + "/get_reward");
  o.batch_size = 64;
  HttpRM rm("remote", o);
  std::vector<RewardItem> many(20, RewardItem{"p", std::string(60, 'x'), std::string("x"), ""});
  auto m = failure_of(rm, many);
  EXPECT_NE(m.find("HTTP 413"), std::string::npos) << m;
  EXPECT_NE(m.find("lower this RM's batch_size"), std::string::npos) << m;
  srv.stop();
}

// Runs `laser serve-rm` as a child process on a free port and scores through it.
TEST(ServeRmProgram, ServesAConfiguredLmRm) {
  auto dir = reward::testing::make_tiny_model("serve_lm", 21);
  std::string cfg = io::join_path(reward::testing::scratch("serve_cfg"), "rm.toml");
  io::write_file_atomic(cfg, "[rm]\nname = \"lm\"\nkind = \"lm-likelihood\"\nmodel = \"" + dir + "\"\n[serve]\nport = 0\ntoken = \"t0k\"\n");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    execl(LASER_BIN, LASER_BIN, "--log", "warn", "serve-rm", "--config", cfg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  char buf[512] = {0};
  bool got = fgets(buf, sizeof buf, out) != nullptr;  // "listening on http://127.0.0.1:PORT/get_reward"
  std::string line(buf);
  if (got && line.find("listening on ") == 0) {
    std::string url = line.substr(13);
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    auto o = opts(url);
    o.token = "t0k";
    o.timeout_s = 30;
    HttpRM remote("remote", o);
    LmLikelihoodRM::Options lo;
    lo.src.model_dir = dir;
    LmLikelihoodRM local("lm", lo);
    auto it = items(5);
    auto a = remote.score(it), b = local.score(it);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5);  // f32 forward, thread counts may differ
  }
  kill(pid, SIGTERM);
  int st = 0;
  waitpid(pid, &st, 0);
  fclose(out);
  EXPECT_TRUE(got) << "serve-rm printed nothing";
  EXPECT_EQ(line.find("listening on http://127.0.0.1:"), 0u) << line;
}

TEST(ScoreProgram, ScoresAJsonlFile) {
  std::string d = reward::testing::scratch("score_cli");
  std::string cfg = io::join_path(d, "rm.toml"), data = io::join_path(d, "in.jsonl"), out = io::join_path(d, "out.jsonl");
  io::write_file_atomic(cfg, "name = \"yn\"\nkind = \"verifier\"\ntype = \"yesno\"\n");
  io::write_file_atomic(data,
                        "{\"prompt\": \"Is water wet?\", \"response\": \"Final answer: yes\", \"reference\": \"Yes.\"}\n"
                        "{\"prompt\": \"Is fire cold?\", \"response\": \"Final answer: yes\", \"reference\": \"No.\", \"id\": 7}\n");
  std::string cmd = std::string(LASER_BIN) + " --log warn score --rm " + cfg + " --data " + data + " --out " + out + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto lines = io::read_jsonl(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["score"], 1.0);
  EXPECT_EQ(lines[1]["score"], 0.0);
  EXPECT_EQ(lines[1]["id"], 7);
  // a bad key in the config is a clear error (exit code 1)
  io::write_file_atomic(cfg, "kind = \"verifier\"\ntyp = \"yesno\"\n");
  EXPECT_NE(std::system(cmd.c_str()), 0);
}
