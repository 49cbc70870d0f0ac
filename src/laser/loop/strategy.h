// Strategies: who decides which reward model (RM) ranks a batch's responses, and how. LASeR's
// bandit and the paper's baselines share this interface: each strategy chooses (contexts ->
// choice), scores the batch with the RMs it chose, builds each prompt's pairs and takes feedback.
// The loop never branches on the kind: adding a baseline is one class and one line in
// make_strategy. Follows Vowpal Wabbit's cb_explore_adf reductions (small state, validated setup).
// Kinds: laser (a contextual bandit), fixed:NAME, random, sequential (bandit_strategy.h: single-RM
// strategies are bandit algorithms, so every decision is logged with its exact probability), and
// score-ensemble, agreement-ensemble, online-ensemble (ensembles.h).
#pragma once
#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "laser/bandit/bandit_config.h"
#include "laser/loop/arms.h"
#include "laser/train/pairs.h"

namespace laser::loop {

enum class Combine { Single, ScoreEnsemble, AgreementEnsemble, OnlineEnsemble };

struct BatchChoice {
  Combine combine = Combine::Single;
  std::vector<int> arm;        // per prompt (Single); empty for ensembles
  std::vector<double> prob;    // probability of that arm
  std::vector<double> weights; // OnlineEnsemble: weight per RM
};

struct StrategyOptions {
  std::string name = "laser";          // strategy.name
  bool per_batch = false;              // strategy.mode == "per-batch"
  std::string normalizer = "auto";      // auto: zscore (percentile for exp3); the paper: percentile
  bandit::BanditConfig bandit;         // for "laser"
  int context_dim = 0;                 // random projection; 0 = off
  bool context_l2 = true;              // L2-normalize contexts (after the projection); the paper: raw
  double online_lr = 0.5;
};

// A batch's responses as the strategies see them: the reward items (one per response) and, for
// each prompt of the batch, the indices of its items.
struct BatchItems {
  std::vector<reward::RewardItem> items;
  std::vector<std::vector<size_t>> of_prompt;
};

// How a batch was scored.
struct Scored {
  std::vector<double> score;                // per item: what the prompt's pairs are ranked by
  std::vector<int> arm;                     // per prompt: the arm whose scores were used (-1: an ensemble)
  std::vector<int> chosen;                  // per prompt: the arm the strategy chose (-1: an ensemble)
  std::vector<double> prob;                 // per prompt: probability of the chosen arm (1: ensembles)
  std::vector<std::vector<double>> member;  // ensembles: each arm's scores per item (empty row: that arm failed)
  bool fallback(size_t b) const { return arm[b] != chosen[b]; }
};

// What one step taught, for feedback: the bandit reward per prompt (NaN: none), the trained pairs
// of each prompt (item indices), and the verifier's score of each item (NaN: no reference).
struct StepOutcome {
  std::vector<double> raw;
  std::vector<std::vector<std::pair<size_t, size_t>>> pairs;
  std::vector<double> verifier;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // contexts (B,d) -> the choice for this batch.
  virtual BatchChoice choose(const Eigen::MatrixXd& contexts) = 0;
  // Scores the batch as `choice` says, running only the RMs it needs.
  virtual Scored score(const BatchChoice& choice, const BatchItems& batch, Arms& arms) = 0;
  // The pairs (chosen, rejected) among one prompt's items (indices into `prompt_items`).
  virtual std::vector<std::pair<size_t, size_t>> pairs(const Scored& s, const std::vector<size_t>& prompt_items,
                                                       const train::PairConfig& pc) const;
  // Learns from the step; returns the normalized reward per prompt (NaN where none was used).
  virtual std::vector<double> feedback(const Eigen::MatrixXd& contexts, const Scored& s, const StepOutcome& o) = 0;
  // Whether feedback needs the verifier's item scores even when the bandit signal is not "verifier".
  virtual bool needs_verifier_scores() const { return false; }
  // strategy.labelled_feedback = all-rms: whether this strategy learns from the rewards of arms it
  // did not choose (a contextual bandit in per-query mode); the run spends no RM call on them
  // otherwise. feedback_arms learns one (context row, arm, raw reward) per entry, normalized as
  // feedback() does.
  virtual bool learns_other_arms() const { return false; }
  virtual void feedback_arms(const Eigen::MatrixXd& /*contexts*/, const std::vector<int>& /*arms*/, const std::vector<double>& /*raw*/) {}
  const std::string& name() const { return name_; }
  virtual nlohmann::json save() const;
  virtual void load(const nlohmann::json& j, const std::string& where);

 protected:
  explicit Strategy(std::string name) : name_(std::move(name)) {}
  virtual void save_state(nlohmann::json& j) const = 0;
  virtual void load_state(const nlohmann::json& j, const std::string& where) = 0;

 private:
  std::string name_;
};

// Validates a strategy name against the RM names ("fixed:NAME" must name one); throws with a hint.
void validate_strategy_name(const std::string& name, const std::vector<std::string>& rm_names, const std::string& where);

// The strategy `o.name` over `rm_names` (the arms, in config order) for contexts of dimension d.
std::unique_ptr<Strategy> make_strategy(const StrategyOptions& o, const std::vector<std::string>& rm_names, int context_dim,
                                        uint64_t seed);

}  // namespace laser::loop
