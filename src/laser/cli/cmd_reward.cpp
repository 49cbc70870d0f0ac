// `laser score` (score a JSONL file of prompt/response lines with one RM or an ensemble) and
// `laser serve-rm` (expose a configured RM over OpenRLHF's remote-RM HTTP API).
#include <iostream>
#include <memory>

#include "laser/cli/commands.h"
#include "laser/core/error.h"
#include "laser/core/log.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/model/torch_util.h"
#include "laser/reward/ensemble.h"
#include "laser/reward/reward_factory.h"
#include "laser/reward/rm_server.h"

namespace laser::cli {

namespace {

void add_score(CLI::App& app) {
  struct Opts {
    std::string rm, data, out;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("score", "score a JSONL file of {prompt, response[, reference, category]} lines with a reward model");
  c->add_option("--rm", o->rm, "TOML file with the reward model (top-level table with `kind`, or an [rm] table)")->required();
  c->add_option("--data", o->data, "input JSONL")->required();
  c->add_option("--out", o->out, "output JSONL: each input line plus \"score\" (and \"member_scores\" for ensembles)")->required();
  c->add_option("--threads", o->threads, "torch intra-op threads (0: LASER_THREADS or every core)")->capture_default_str();
  c->callback([o] {
    model::set_threads(o->threads);
    auto rm = reward::load_reward_model(o->rm);
    std::vector<io::json> lines;
    std::vector<reward::RewardItem> items;
    io::for_each_jsonl(o->data, [&](const io::json& j, const std::string& where) {
      LASER_CHECK(j.is_object(), where, "line is not a JSON object", "write {\"prompt\": ..., \"response\": ...}");
      reward::RewardItem it;
      it.prompt = io::json_str(j, "prompt", where);
      it.response = io::json_str(j, "response", where);
      if (j.contains("reference") && !j["reference"].is_null()) {
        const auto& r = j["reference"];
        it.reference = r.is_string() ? r.get<std::string>() : r.dump();
      }
      if (j.contains("category") && j["category"].is_string()) it.category = j["category"].get<std::string>();
      items.push_back(std::move(it));
      lines.push_back(j);
    });
    std::vector<double> scores;
    std::vector<std::vector<double>> members;
    if (auto* ens = dynamic_cast<reward::EnsembleRM*>(rm.get())) {
      members = ens->member_scores(items);
      scores = ens->combine(members, items);
    } else {
      scores = rm->score(items);
    }
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      io::json j = lines[i];
      j["score"] = scores[i];
      if (!members.empty()) {
        auto* ens = dynamic_cast<reward::EnsembleRM*>(rm.get());
        io::json ms = io::json::object();
        for (size_t k = 0; k < members.size(); ++k) ms[ens->member(k).name()] = members[k][i];
        j["member_scores"] = ms;
      }
      out += j.dump() + "\n";
    }
    io::write_file_atomic(o->out, out);
    auto cost = rm->cost();
    std::cerr << "scored " << items.size() << " items with '" << rm->name() << "' (" << rm->kind() << "): " << cost.calls << " calls, "
              << cost.tokens << " tokens, " << cost.seconds << " s\n";
  });
}

void add_serve(CLI::App& app) {
  struct Opts {
    std::string config, host, token;
    int port = -1, threads = 0, workers = 0;
    long long max_chars = 0;
    double read_timeout = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* c = app.add_subcommand("serve-rm", "serve a configured reward model over HTTP (OpenRLHF remote RM API: POST /get_reward)");
  c->add_option("--config", o->config, "TOML file: the RM (top-level or [rm]) and an optional [serve] table")->required();
  c->add_option("--host", o->host, "bind address (default 127.0.0.1; 0.0.0.0 exposes it to the network)");
  c->add_option("--port", o->port, "port (0: pick a free one; default 5000)");
  c->add_option("--token", o->token, "require 'Authorization: Bearer <token>'");
  c->add_option("--threads", o->threads, "torch intra-op threads (0: LASER_THREADS or every core)")->capture_default_str();
  c->add_option("--workers", o->workers, "threads answering requests; model calls still run one at a time (default 4 or [serve] workers)")
      ->check(CLI::Range(1, 256));
  c->add_option("--max-chars", o->max_chars,
                "most characters of query text (items x length) in one request, more get HTTP 413 (default 262144 or [serve] max_chars)")
      ->check(CLI::PositiveNumber);
  c->add_option("--read-timeout", o->read_timeout, "seconds a client has to send its whole request, else HTTP 408 (default 30 or [serve] read_timeout_s)")
      ->check(CLI::PositiveNumber);
  c->callback([o] {
    model::set_threads(o->threads);
    auto rm = reward::load_reward_model(o->config);
    toml::table t;
    try {
      t = toml::parse_file(o->config);
    } catch (const toml::parse_error& e) {
      throw Error(std::string(e.description()), o->config, "fix the TOML syntax");
    }
    auto opts = reward::parse_serve_options(t.get_as<toml::table>("serve"), o->config + " [serve]");
    if (!o->host.empty()) opts.host = o->host;
    if (o->port >= 0) opts.port = o->port;
    if (!o->token.empty()) opts.token = o->token;
    if (o->workers > 0) opts.workers = o->workers;
    if (o->max_chars > 0) opts.max_chars = static_cast<size_t>(o->max_chars);
    if (o->read_timeout > 0) opts.read_timeout_s = o->read_timeout;
    if (opts.host != "127.0.0.1" && opts.host != "localhost" && opts.token.empty())
      log::warn("serving on {} without a bearer token: anyone who can reach this address can use the RM", opts.host);
    reward::RewardServer srv(*rm, opts);
    int port = srv.bind();
    std::cout << "listening on http://" << opts.host << ":" << port << opts.path << std::endl;
    srv.serve();
  });
}

}  // namespace

void add_reward_commands(CLI::App& app) {
  add_score(app);
  add_serve(app);
}

}  // namespace laser::cli
