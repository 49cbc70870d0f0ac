// Reward normalizers: map the raw bandit reward (LASeR: minus the mean training loss of a step) to a
// comparable scale using the history of rewards seen so far (METHOD.md step 7). Not the reward itself.
// percentile follows the LASeR paper: below the 20th percentile -> 0, above the 80th -> 1, linear in
// between (percentiles with linear interpolation, as numpy.percentile), raw value while < 2 entries.
// arm-zscore follows BayesianRouter (METHOD.md): each arm's rewards against that arm's own moving
// average, so a drift shared by every arm (the policy's loss falling) cancels.
#pragma once
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace laser::bandit {

constexpr int kNormalizerFormatVersion = 1;

class RewardNormalizer {
 public:
  virtual ~RewardNormalizer() = default;
  // Adds `raw` (finite, else laser::Error) to the history, then returns its normalized value.
  virtual double normalize(double raw) = 0;
  // The same for a reward of `arm` (0-based); NaN means "do not update the bandit with it yet". Only
  // per-arm normalizers use the arm; the others ignore it.
  virtual double normalize_for(int arm, double raw) { (void)arm; return normalize(raw); }
  virtual std::string name() const = 0;
  // Number of rewards seen.
  virtual int64_t count() const = 0;
  // {"format": "laser.normalizer", "format_version": 1, "kind": name(), ...state}
  nlohmann::json save() const;
  // Rebuilds a normalizer from save()'s JSON; laser::Error naming `where` on a bad format/version.
  static std::unique_ptr<RewardNormalizer> load(const nlohmann::json& j, const std::string& where);

 protected:
  virtual nlohmann::json save_state() const = 0;
  virtual void load_state(const nlohmann::json& j, const std::string& where) = 0;
};

// The value at quantile q in [0, 1] of a growing multiset, numpy-style linear interpolation between
// order statistics, maintained with two heaps: O(log n) per insert, O(1) per query.
class QuantileTracker {
 public:
  explicit QuantileTracker(double q) : q_(q) {}
  void insert(double x);
  // Requires size() >= 1.
  double value() const;
  size_t size() const { return lower_.size() + upper_.size(); }

 private:
  double q_;
  std::priority_queue<double> lower_;                                            // the lo+1 smallest
  std::priority_queue<double, std::vector<double>, std::greater<double>> upper_;  // the rest
};

// The paper's percentile normalizer (O(log n) per update; keeps the history for save/load).
// With p20 == p80: raw below -> 0, above -> 1, equal -> 0.5.
class PercentileNormalizer : public RewardNormalizer {
 public:
  PercentileNormalizer(double low_q = 0.2, double high_q = 0.8);
  double normalize(double raw) override;
  std::string name() const override { return "percentile"; }
  int64_t count() const override { return static_cast<int64_t>(history_.size()); }
  double low() const { return low_.value(); }
  double high() const { return high_.value(); }

 protected:
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& j, const std::string& where) override;

 private:
  double low_q_, high_q_;
  QuantileTracker low_, high_;
  std::vector<double> history_;
};

// Running z-score (Welford): (raw - mean) / sample std of the history including raw; 0 while the
// history has < 2 entries or zero spread. Not clipped.
class ZScoreNormalizer : public RewardNormalizer {
 public:
  double normalize(double raw) override;
  std::string name() const override { return "zscore"; }
  int64_t count() const override { return n_; }

 protected:
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& j, const std::string& where) override;

 private:
  int64_t n_ = 0;
  double mean_ = 0, m2_ = 0;
};

// Per-arm moving z-score (BayesianRouter): an arm's first `warmup` rewards only start its mean and
// variance (exact, Welford) and return NaN (no bandit update); after that a reward r returns
// clip((r - m_k) / s_k, -clip, clip) against the arm's stats before r, which then move by
// m += rate * (r - m), v = (1 - rate) * (v + rate * (r - m_old)^2). s_k = 0 gives 0. normalize(raw)
// alone treats the reward as arm 0's. An arm's mean is taken out, so what the bandit learns is where
// (in context space) an arm does better than it usually does.
class ArmZScoreNormalizer : public RewardNormalizer {
 public:
  ArmZScoreNormalizer(double rate = 0.01, double clip = 2.0, int warmup = 5);
  double normalize(double raw) override { return normalize_for(0, raw); }
  double normalize_for(int arm, double raw) override;
  std::string name() const override { return "arm-zscore"; }
  int64_t count() const override;

 protected:
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& j, const std::string& where) override;

 private:
  struct Arm {
    int64_t n = 0;
    double mean = 0, var = 0;  // var: the sample variance during warm-up, then the moving one
  };
  double rate_, clip_;
  int warmup_;
  std::vector<Arm> arms_;
};

// Identity (counts only).
class NoNormalizer : public RewardNormalizer {
 public:
  double normalize(double raw) override;
  std::string name() const override { return "none"; }
  int64_t count() const override { return n_; }

 protected:
  nlohmann::json save_state() const override { return {{"count", n_}}; }
  void load_state(const nlohmann::json& j, const std::string& where) override;

 private:
  int64_t n_ = 0;
};

// "auto" -> the normalizer that works best with `algorithm` in `laser bandit-sim`: "zscore" (centered
// rewards: an arm never tried, at theta = 0, then looks average instead of worst, which is what
// keeps LinUCB from collapsing), except "percentile" for exp3 (it needs rewards in [0, 1]). Any
// other name is returned unchanged (make_normalizer validates it).
std::string resolve_normalizer(const std::string& name, const std::string& algorithm);
// "percentile" | "zscore" | "arm-zscore" | "none" ("auto" must go through resolve_normalizer first); laser::Error
// (with a suggestion) otherwise.
std::unique_ptr<RewardNormalizer> make_normalizer(const std::string& name);
std::vector<std::string> normalizer_names();
// Same as RewardNormalizer::load.
std::unique_ptr<RewardNormalizer> load_normalizer(const nlohmann::json& j, const std::string& where);

}  // namespace laser::bandit
