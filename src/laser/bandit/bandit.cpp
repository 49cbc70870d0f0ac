// Shared parts of every bandit: argument checks, tie-breaking, sampling, the JSON header and the
// exact (base64) encoding of matrices. Algorithms live in their own files.
#include "laser/bandit/bandit.h"

#include <cmath>
#include <cstring>

#include "laser/bandit/factory.h"
#include "laser/core/error.h"

namespace laser::bandit {

Bandit::Bandit(const BanditConfig& config, int num_arms, int dim)
    : config_(config), num_arms_(num_arms), dim_(dim), rng_(config.seed) {}

std::vector<Decision> Bandit::select_batch(const Eigen::MatrixXd& contexts) {
  std::vector<Decision> out;
  out.reserve(static_cast<size_t>(contexts.rows()));
  for (Eigen::Index b = 0; b < contexts.rows(); ++b) out.push_back(select(contexts.row(b).transpose()));
  return out;
}

void Bandit::check_batch(const Eigen::MatrixXd& contexts, const std::vector<int>& arms, const std::vector<double>& rewards) const {
  LASER_CHECK(arms.size() == static_cast<size_t>(contexts.rows()) && rewards.size() == arms.size(), "bandit " + name() + " update_batch",
              std::to_string(contexts.rows()) + " contexts, " + std::to_string(arms.size()) + " arms and " + std::to_string(rewards.size()) +
                  " rewards",
              "give one arm and one reward per context row");
}

void Bandit::update_batch(const Eigen::MatrixXd& contexts, const std::vector<int>& arms, const std::vector<double>& rewards) {
  check_batch(contexts, arms, rewards);
  for (Eigen::Index b = 0; b < contexts.rows(); ++b) update(contexts.row(b).transpose(), arms[b], rewards[b]);
}

void Bandit::add_arm() {
  LASER_CHECK(num_arms_ < kMaxArms, "bandit " + name(), "cannot add an arm beyond " + std::to_string(kMaxArms),
              "the bandit supports at most 64 arms");
  ++num_arms_;
  add_arm_state();
}

void Bandit::check_update(int arm, double reward) const {
  LASER_CHECK(arm >= 0 && arm < num_arms_, "bandit " + name() + " update",
              "arm " + std::to_string(arm) + " out of range [0, " + std::to_string(num_arms_) + ")",
              "pass the arm returned by select()");
  LASER_CHECK(std::isfinite(reward), "bandit " + name() + " update", "reward is not finite",
              "check the training loss that the reward comes from");
}

void Bandit::check_context(const Eigen::VectorXd& context) const {
  LASER_CHECK(context.size() == dim_, "bandit " + name() + " context",
              "context has " + std::to_string(context.size()) + " dimensions, expected " + std::to_string(dim_),
              "use the dimension the bandit was made with (or a context reducer)");
  LASER_CHECK(context.allFinite(), "bandit " + name() + " context", "context has a NaN or infinite entry",
              "check the prompt embedding");
}

Decision Bandit::argmax_decision(std::vector<double> scores) {
  double best = -INFINITY;
  for (double s : scores) best = std::max(best, s);
  double tol = 1e-12 * std::max(1.0, std::abs(best));
  std::vector<int> tied;
  for (int k = 0; k < static_cast<int>(scores.size()); ++k)
    if (scores[k] >= best - tol) tied.push_back(k);
  if (tied.empty()) tied.push_back(0);  // all -inf or NaN: should not happen, stay defined
  Decision d;
  d.arm = tied.size() == 1 ? tied[0] : tied[rng_.below(tied.size())];
  d.probability = 1.0 / static_cast<double>(tied.size());
  d.scores = std::move(scores);
  return d;
}

Decision Bandit::uniform_among(const std::vector<int>& set, std::vector<double> scores) {
  Decision d;
  d.arm = set.size() == 1 ? set[0] : set[rng_.below(set.size())];
  d.probability = 1.0 / static_cast<double>(set.size());
  d.scores = std::move(scores);
  return d;
}

Decision Bandit::sample_decision(const std::vector<double>& probs, std::vector<double> scores) {
  Decision d;
  d.arm = static_cast<int>(rng_.categorical(probs));
  d.probability = probs[d.arm];
  d.scores = std::move(scores);
  return d;
}

nlohmann::json Bandit::save() const {
  return {{"format", "laser.bandit"},
          {"format_version", kBanditFormatVersion},
          {"algorithm", name()},
          {"num_arms", num_arms_},
          {"dim", dim_},
          {"config", to_json(config_)},
          {"updates", updates_},
          {"rng", rng_.state()},
          {"state", save_state()}};
}

std::unique_ptr<Bandit> Bandit::load(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.is_object(), where, "bandit state is not a JSON object", "pass the JSON written by Bandit::save()");
  auto field = [&](const char* key) -> const nlohmann::json& {
    auto it = j.find(key);
    LASER_CHECK(it != j.end(), where + ": " + key, "bandit state lacks '" + std::string(key) + "'",
                "the file is truncated or not a laser bandit state");
    return *it;
  };
  LASER_CHECK(field("format").is_string() && field("format").get<std::string>() == "laser.bandit", where + ": format",
              "not a laser bandit state", "expected \"format\": \"laser.bandit\"");
  LASER_CHECK(field("format_version").is_number_integer() && field("format_version").get<int>() == kBanditFormatVersion,
              where + ": format_version",
              "unsupported bandit state version " + field("format_version").dump() + " (this build reads " +
                  std::to_string(kBanditFormatVersion) + ")",
              "write the state again with this version of laser");
  try {
    BanditConfig cfg = bandit_config_from_json(field("config"), where + ": config");
    LASER_CHECK(field("algorithm").get<std::string>() == cfg.algorithm, where + ": algorithm",
                "algorithm does not match its config", "the state file was edited or corrupted");
    int arms = field("num_arms").get<int>();
    int dim = field("dim").get<int>();
    std::unique_ptr<Bandit> b;
    try {
      b = make_bandit(cfg, arms, dim);
      b->rng_.set_state(field("rng").get<std::string>());
    } catch (const Error& e) {
      throw Error(e.what_msg(), where + ": " + e.where(), e.hint());
    }
    int64_t updates = field("updates").get<int64_t>();
    LASER_CHECK(updates >= 0, where + ": updates", "negative update count", "the state file is corrupted");
    b->updates_ = updates;
    b->load_state(field("state"), where + ": state");
    return b;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed bandit state (") + e.what() + ")", where, "the state file is corrupted");
  }
}

std::unique_ptr<Bandit> load_bandit(const nlohmann::json& j, const std::string& where) { return Bandit::load(j, where); }

// ---- exact JSON encoding ----
namespace {
const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64_encode(const unsigned char* p, size_t n) {
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i < n) {
    uint32_t v = p[i] << 16;
    if (i + 1 < n) v |= p[i + 1] << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < n ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<unsigned char> b64_decode(const std::string& s, const std::string& where) {
  static const std::vector<int> table = [] {
    std::vector<int> t(256, -1);
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64[i])] = i;
    return t;
  }();
  LASER_CHECK(s.size() % 4 == 0, where, "base64 data has a length that is not a multiple of 4", "the state file is corrupted");
  std::vector<unsigned char> out;
  out.reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      unsigned char c = s[i + k];
      if (c == '=' && i + 4 == s.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        LASER_CHECK(table[c] >= 0 && pad == 0, where, "invalid base64 character", "the state file is corrupted");
        v[k] = table[c];
      }
    }
    uint32_t x = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(x >> 16);
    if (pad < 2) out.push_back((x >> 8) & 255);
    if (pad < 1) out.push_back(x & 255);
  }
  return out;
}
}  // namespace

nlohmann::json matrix_to_json(const Eigen::MatrixXd& m) {
  static_assert(sizeof(double) == 8, "doubles must be 64-bit");
  return {{"rows", m.rows()}, {"cols", m.cols()},
          {"f64le_base64", b64_encode(reinterpret_cast<const unsigned char*>(m.data()), m.size() * sizeof(double))}};
}

Eigen::MatrixXd matrix_from_json(const nlohmann::json& j, int rows, int cols, const std::string& where) {
  LASER_CHECK(j.is_object() && j.contains("rows") && j.contains("cols") && j.contains("f64le_base64"), where,
              "matrix entry lacks rows/cols/f64le_base64", "the state file is corrupted");
  LASER_CHECK(j["rows"].get<int64_t>() == rows && j["cols"].get<int64_t>() == cols, where,
              "matrix is " + j["rows"].dump() + "x" + j["cols"].dump() + ", expected " + std::to_string(rows) + "x" +
                  std::to_string(cols),
              "the state does not match its num_arms/dim");
  auto bytes = b64_decode(j["f64le_base64"].get<std::string>(), where);
  LASER_CHECK(bytes.size() == static_cast<size_t>(rows) * cols * sizeof(double), where,
              "matrix data has " + std::to_string(bytes.size()) + " bytes, expected " +
                  std::to_string(static_cast<size_t>(rows) * cols * sizeof(double)),
              "the state file is truncated or corrupted");
  Eigen::MatrixXd m(rows, cols);
  if (!bytes.empty()) std::memcpy(m.data(), bytes.data(), bytes.size());
  LASER_CHECK(m.allFinite(), where, "matrix has a NaN or infinite entry", "the state file is corrupted");
  return m;
}

std::vector<double> doubles_from_json(const nlohmann::json& j, size_t size, const std::string& where) {
  LASER_CHECK(j.is_array() && j.size() == size, where,
              "expected an array of " + std::to_string(size) + " numbers", "the state does not match its num_arms/dim");
  std::vector<double> v(size);
  for (size_t i = 0; i < size; ++i) {
    LASER_CHECK(j[i].is_number(), where, "entry " + std::to_string(i) + " is not a number", "the state file is corrupted");
    v[i] = j[i].get<double>();
    LASER_CHECK(std::isfinite(v[i]), where, "entry " + std::to_string(i) + " is not finite", "the state file is corrupted");
  }
  return v;
}

nlohmann::json vector_to_json(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

Eigen::VectorXd vector_from_json(const nlohmann::json& j, int size, const std::string& where) {
  auto d = doubles_from_json(j, static_cast<size_t>(size), where);
  return Eigen::Map<Eigen::VectorXd>(d.data(), size);
}

}  // namespace laser::bandit
