// Percentile (two-heap quantiles), z-score (Welford), per-arm moving z-score and identity reward
// normalizers.
#include "laser/bandit/normalizer.h"

#include <algorithm>
#include <cmath>

#include "laser/bandit/bandit.h"
#include "laser/core/error.h"
#include "laser/core/strings.h"

namespace laser::bandit {

namespace {
void check_raw(double raw, const std::string& who) {
  LASER_CHECK(std::isfinite(raw), "normalizer " + who, "reward is not finite", "check the training loss");
}
}  // namespace

void QuantileTracker::insert(double x) {
  if (!lower_.empty() && x < lower_.top()) lower_.push(x);
  else upper_.push(x);
  size_t n = size();
  size_t want = static_cast<size_t>(std::floor(q_ * static_cast<double>(n - 1))) + 1;
  while (lower_.size() > want) {
    upper_.push(lower_.top());
    lower_.pop();
  }
  while (lower_.size() < want && !upper_.empty()) {
    lower_.push(upper_.top());
    upper_.pop();
  }
}

double QuantileTracker::value() const {
  size_t n = size();
  double pos = q_ * static_cast<double>(n - 1);
  double lo = std::floor(pos);
  double a = lower_.top();
  if (upper_.empty() || pos == lo) return a;
  return a + (pos - lo) * (upper_.top() - a);
}

PercentileNormalizer::PercentileNormalizer(double low_q, double high_q)
    : low_q_(low_q), high_q_(high_q), low_(low_q), high_(high_q) {
  LASER_CHECK(low_q >= 0 && low_q < high_q && high_q <= 1, "percentile normalizer", "quantiles must satisfy 0 <= low < high <= 1",
              "the paper uses 0.2 and 0.8");
}

double PercentileNormalizer::normalize(double raw) {
  check_raw(raw, "percentile");
  history_.push_back(raw);
  low_.insert(raw);
  high_.insert(raw);
  if (history_.size() < 2) return raw;
  double lo = low_.value(), hi = high_.value();
  if (raw <= lo && raw < hi) return 0.0;
  if (raw >= hi && raw > lo) return 1.0;
  if (hi <= lo) return 0.5;
  return std::min(1.0, std::max(0.0, (raw - lo) / (hi - lo)));
}

nlohmann::json PercentileNormalizer::save_state() const {
  return {{"low_q", low_q_}, {"high_q", high_q_}, {"history", history_}};
}

void PercentileNormalizer::load_state(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.contains("low_q") && j.contains("high_q") && j.contains("history") && j["history"].is_array(), where,
              "percentile state lacks low_q/high_q/history", "the state file is corrupted");
  *this = PercentileNormalizer(j["low_q"].get<double>(), j["high_q"].get<double>());
  auto h = doubles_from_json(j["history"], j["history"].size(), where + ".history");
  for (double x : h) {
    history_.push_back(x);
    low_.insert(x);
    high_.insert(x);
  }
}

double ZScoreNormalizer::normalize(double raw) {
  check_raw(raw, "zscore");
  ++n_;
  double d = raw - mean_;
  mean_ += d / static_cast<double>(n_);
  m2_ += d * (raw - mean_);
  if (n_ < 2) return 0.0;
  double sd = std::sqrt(m2_ / static_cast<double>(n_ - 1));
  if (!(sd > 0)) return 0.0;
  return (raw - mean_) / sd;
}

nlohmann::json ZScoreNormalizer::save_state() const { return {{"count", n_}, {"mean", mean_}, {"m2", m2_}}; }

void ZScoreNormalizer::load_state(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.contains("count") && j.contains("mean") && j.contains("m2"), where, "zscore state lacks count/mean/m2",
              "the state file is corrupted");
  n_ = j["count"].get<int64_t>();
  mean_ = j["mean"].get<double>();
  m2_ = j["m2"].get<double>();
  LASER_CHECK(n_ >= 0 && std::isfinite(mean_) && std::isfinite(m2_) && m2_ >= 0, where, "invalid zscore state",
              "the state file is corrupted");
}

ArmZScoreNormalizer::ArmZScoreNormalizer(double rate, double clip, int warmup) : rate_(rate), clip_(clip), warmup_(warmup) {
  LASER_CHECK(rate > 0 && rate <= 1 && clip > 0 && warmup >= 2, "arm-zscore normalizer",
              "needs 0 < rate <= 1, clip > 0 and warmup >= 2", "BayesianRouter uses rate 0.01, clip 2, warmup 5");
}

double ArmZScoreNormalizer::normalize_for(int arm, double raw) {
  check_raw(raw, "arm-zscore");
  LASER_CHECK(arm >= 0, "normalizer arm-zscore", "negative arm index " + std::to_string(arm), "this is a bug in the caller");
  if (static_cast<size_t>(arm) >= arms_.size()) arms_.resize(static_cast<size_t>(arm) + 1);
  Arm& a = arms_[static_cast<size_t>(arm)];
  if (a.n < warmup_) {  // Welford on the sum of squares m2 = var * (n - 1); var is the sample variance
    double m2 = a.var * static_cast<double>(std::max<int64_t>(a.n - 1, 0));
    ++a.n;
    double d = raw - a.mean;
    a.mean += d / static_cast<double>(a.n);
    m2 += d * (raw - a.mean);
    a.var = a.n >= 2 ? m2 / static_cast<double>(a.n - 1) : 0.0;
    return NAN;
  }
  double sd = std::sqrt(a.var);
  double z = sd > 0 ? std::clamp((raw - a.mean) / sd, -clip_, clip_) : 0.0;
  ++a.n;
  double d = raw - a.mean;
  a.mean += rate_ * d;
  a.var = (1 - rate_) * (a.var + rate_ * d * d);
  return z;
}

int64_t ArmZScoreNormalizer::count() const {
  int64_t n = 0;
  for (const Arm& a : arms_) n += a.n;
  return n;
}

nlohmann::json ArmZScoreNormalizer::save_state() const {
  nlohmann::json arms = nlohmann::json::array();
  for (const Arm& a : arms_) arms.push_back({{"count", a.n}, {"mean", a.mean}, {"var", a.var}});
  return {{"rate", rate_}, {"clip", clip_}, {"warmup", warmup_}, {"arms", arms}};
}

void ArmZScoreNormalizer::load_state(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.contains("rate") && j.contains("clip") && j.contains("warmup") && j.contains("arms") && j["arms"].is_array(),
              where, "arm-zscore state lacks rate/clip/warmup/arms", "the state file is corrupted");
  *this = ArmZScoreNormalizer(j["rate"].get<double>(), j["clip"].get<double>(), j["warmup"].get<int>());
  for (const auto& a : j["arms"]) {
    LASER_CHECK(a.is_object() && a.contains("count") && a.contains("mean") && a.contains("var"), where + ".arms",
                "an arm lacks count/mean/var", "the state file is corrupted");
    Arm x{a["count"].get<int64_t>(), a["mean"].get<double>(), a["var"].get<double>()};
    LASER_CHECK(x.n >= 0 && std::isfinite(x.mean) && std::isfinite(x.var) && x.var >= 0, where + ".arms",
                "invalid arm state", "the state file is corrupted");
    arms_.push_back(x);
  }
}

double NoNormalizer::normalize(double raw) {
  check_raw(raw, "none");
  ++n_;
  return raw;
}

void NoNormalizer::load_state(const nlohmann::json& j, const std::string& where) {
  LASER_CHECK(j.contains("count") && j["count"].is_number_integer(), where, "state lacks count", "the state file is corrupted");
  n_ = j["count"].get<int64_t>();
}

nlohmann::json RewardNormalizer::save() const {
  return {{"format", "laser.normalizer"}, {"format_version", kNormalizerFormatVersion}, {"kind", name()}, {"state", save_state()}};
}

std::vector<std::string> normalizer_names() { return {"percentile", "zscore", "arm-zscore", "none"}; }

std::string resolve_normalizer(const std::string& name, const std::string& algorithm) {
  if (name != "auto") return name;
  return algorithm == "exp3" ? "percentile" : "zscore";
}

std::unique_ptr<RewardNormalizer> make_normalizer(const std::string& name) {
  if (name == "percentile") return std::make_unique<PercentileNormalizer>();
  if (name == "zscore") return std::make_unique<ZScoreNormalizer>();
  if (name == "arm-zscore") return std::make_unique<ArmZScoreNormalizer>();
  if (name == "none") return std::make_unique<NoNormalizer>();
  LASER_CHECK(name != "auto", "normalizer", "'auto' names no normalizer by itself", "resolve it with resolve_normalizer(name, algorithm)");
  std::string near = nearest(name, normalizer_names());
  throw Error("unknown reward normalizer '" + name + "'", "normalizer",
              (near.empty() ? "" : "did you mean '" + near + "'? ") + "choose percentile, zscore, arm-zscore or none");
}

std::unique_ptr<RewardNormalizer> RewardNormalizer::load(const nlohmann::json& j, const std::string& where) {
  try {
    LASER_CHECK(j.is_object() && j.value("format", "") == "laser.normalizer", where + ": format",
                "not a laser normalizer state", "expected \"format\": \"laser.normalizer\"");
    LASER_CHECK(j.contains("format_version") && j["format_version"].is_number_integer() &&
                    j["format_version"].get<int>() == kNormalizerFormatVersion,
                where + ": format_version", "unsupported normalizer state version",
                "this build reads version " + std::to_string(kNormalizerFormatVersion));
    LASER_CHECK(j.contains("kind") && j.contains("state") && j["state"].is_object(), where, "normalizer state lacks kind/state",
                "the state file is corrupted");
    auto n = make_normalizer(j["kind"].get<std::string>());
    n->load_state(j["state"], where + ": state");
    return n;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed normalizer state (") + e.what() + ")", where, "the state file is corrupted");
  }
}

std::unique_ptr<RewardNormalizer> load_normalizer(const nlohmann::json& j, const std::string& where) {
  return RewardNormalizer::load(j, where);
}

}  // namespace laser::bandit
