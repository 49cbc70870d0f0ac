// Bandit: the interface every arm-selection algorithm implements (select, update, add_arm, save/load),
// plus the shared state handling (arm count, context dimension, seeded random stream, JSON header
// with a format version). Not an algorithm itself; see linucb.h, linear_ts.h, ... and factory.h.
// Follows the disjoint-arm contextual bandit setting of Li et al. 2010 (LinUCB).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "laser/bandit/bandit_config.h"
#include "laser/core/rng.h"

namespace laser::bandit {

// Limits of the library: contexts of 1..kMaxDim dimensions, 1..kMaxArms arms (2..64 is the useful range).
constexpr int kMaxDim = 8192;
constexpr int kMaxArms = 64;
// Version of the JSON written by Bandit::save(); load() refuses any other.
constexpr int kBanditFormatVersion = 1;

// One decision. `probability` is the exact probability with which the policy that made the decision
// picks `arm` given the context and the state (1 for deterministic choices, 1/m when m arms tie and
// the tie is broken uniformly), so decisions can be evaluated off-policy. `scores[k]` is what the
// algorithm ranks arm k by (documented per algorithm); scores.size() == num_arms().
struct Decision {
  int arm = 0;
  double probability = 1.0;
  std::vector<double> scores;
};

// Not thread-safe: one bandit per thread (or a lock around select/update).
class Bandit {
 public:
  virtual ~Bandit() = default;

  // Picks an arm for `context` (size dim(); contextual algorithms check it, the others ignore it).
  // Uses the random stream only where the algorithm randomizes or to break exact ties.
  virtual Decision select(const Eigen::VectorXd& context) = 0;
  // Feeds back the reward of `arm` chosen for `context`. Rewards must be finite; exp3 needs [0, 1].
  virtual void update(const Eigen::VectorXd& context, int arm, double reward) = 0;
  // Decisions for the rows of `contexts` (B x dim) against the same state, as per-query LASeR
  // chooses a whole batch before any feedback: the same decisions, probabilities and random
  // draws as calling select() on each row in order. Linear bandits share one pass over each
  // A_k^-1 among all rows.
  virtual std::vector<Decision> select_batch(const Eigen::MatrixXd& contexts);
  // Feeds back rewards[i] of arms[i] for row i of `contexts`: the same state (up to rounding) as
  // calling update() row by row. Linear bandits apply each arm's rows as one rank-m update.
  virtual void update_batch(const Eigen::MatrixXd& contexts, const std::vector<int>& arms, const std::vector<double>& rewards);
  // Adds one arm (a new reward model) at index num_arms(); the other arms keep what they learned.
  void add_arm();

  int num_arms() const { return num_arms_; }
  int dim() const { return dim_; }
  const BanditConfig& config() const { return config_; }
  std::string name() const { return config_.algorithm; }
  // Number of update() calls so far.
  int64_t updates() const { return updates_; }

  // The whole state as JSON: {"format": "laser.bandit", "format_version", "algorithm", "num_arms",
  // "dim", "config", "updates", "rng", "state"}. Matrices are stored as base64 of little-endian
  // doubles, so load() restores them bit for bit.
  nlohmann::json save() const;
  // Rebuilds a bandit from save()'s JSON; throws laser::Error naming `where` on a wrong format,
  // version, algorithm or a corrupted/mismatched state.
  static std::unique_ptr<Bandit> load(const nlohmann::json& j, const std::string& where);

 protected:
  Bandit(const BanditConfig& config, int num_arms, int dim);
  virtual void add_arm_state() = 0;
  virtual nlohmann::json save_state() const = 0;
  virtual void load_state(const nlohmann::json& state, const std::string& where) = 0;

  // Throws unless arm is in [0, num_arms) and reward is finite.
  void check_update(int arm, double reward) const;
  // Throws unless update_batch got one arm and one reward per context row.
  void check_batch(const Eigen::MatrixXd& contexts, const std::vector<int>& arms, const std::vector<double>& rewards) const;
  // Throws unless context.size() == dim() and every entry is finite (contextual algorithms only).
  void check_context(const Eigen::VectorXd& context) const;
  // Decision for a deterministic argmax of `scores`: exact ties (within 1e-12 relative) are broken
  // uniformly with the random stream, probability 1/(number tied).
  Decision argmax_decision(std::vector<double> scores);
  // Decision picking uniformly among the arms in `set` (non-empty), probability 1/|set|.
  Decision uniform_among(const std::vector<int>& set, std::vector<double> scores);
  // Decision drawn from `probs` (sums to 1): arm ~ probs, probability = probs[arm].
  Decision sample_decision(const std::vector<double>& probs, std::vector<double> scores);

  BanditConfig config_;
  int num_arms_;
  int dim_;
  int64_t updates_ = 0;
  Rng rng_;
};

// Same as Bandit::load.
std::unique_ptr<Bandit> load_bandit(const nlohmann::json& j, const std::string& where);

// JSON helpers shared by the algorithms (exact round trip).
nlohmann::json matrix_to_json(const Eigen::MatrixXd& m);
Eigen::MatrixXd matrix_from_json(const nlohmann::json& j, int rows, int cols, const std::string& where);
nlohmann::json vector_to_json(const Eigen::VectorXd& v);
Eigen::VectorXd vector_from_json(const nlohmann::json& j, int size, const std::string& where);
std::vector<double> doubles_from_json(const nlohmann::json& j, size_t size, const std::string& where);

}  // namespace laser::bandit
