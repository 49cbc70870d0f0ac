// The RewardModel interface every arm of LASeR implements: score a batch of (prompt, response)
// items, report a name and the cost spent so far, load lazily and unload on demand.
// Not a factory (see reward_factory.h) and not an ensemble (see ensemble.h). Torch-free header.
// The item layout follows OpenRLHF's remote RM API (query/prompt/label) plus a category.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "laser/core/error.h"

namespace laser::reward {

struct RewardItem {
  std::string prompt, response;
  std::optional<std::string> reference;  // gold answer (verifiers need it, others ignore it)
  std::string category;                  // task or domain label ("" when unknown)
};

// What an RM has spent since it was built (or since reset_cost()).
struct RewardCost {
  int64_t calls = 0;    // score() calls that returned
  int64_t items = 0;    // items scored
  int64_t tokens = 0;   // tokens run through a model (prompt + response, per model; 0 for rules/HTTP)
  double seconds = 0;   // wall time inside score()
  RewardCost& operator+=(const RewardCost& o);
};

// Thrown when an RM cannot produce scores for a batch after its retries (HTTP RM, or a model that
// fails to load); the training loop can catch it and score that batch with another arm.
class RewardModelFailure : public Error {
 public:
  RewardModelFailure(std::string what, std::string where, std::string hint) : Error(std::move(what), std::move(where), std::move(hint)) {}
};

class RewardModel {
 public:
  explicit RewardModel(std::string name) : name_(std::move(name)) {}
  virtual ~RewardModel() = default;
  RewardModel(const RewardModel&) = delete;
  RewardModel& operator=(const RewardModel&) = delete;

  // One score per item, in order (higher is better). Loads the RM first if it is not loaded.
  virtual std::vector<double> score(const std::vector<RewardItem>& items) = 0;
  virtual std::string name() const { return name_; }
  // The config kind ("lm-likelihood", "verifier", ...).
  virtual std::string kind() const = 0;
  // Spent so far; wrappers and ensembles add up their members.
  virtual RewardCost cost() const;
  virtual void reset_cost();
  // Lazy loading: score() calls load() when needed; unload() frees the weights (no-op for rules).
  virtual void load() {}
  virtual void unload() {}
  virtual bool loaded() const { return true; }
  // Random state that later scores depend on (the noise wrapper's RNG), as an opaque string, so a
  // checkpointed run resumes with the same scores; "" = stateless. load_state takes what
  // save_state returned (throws laser::Error naming `where` when it does not fit).
  virtual std::string save_state() const { return ""; }
  virtual void load_state(const std::string& state, const std::string& where) { (void)state; (void)where; }

 protected:
  // Adds one call's cost (thread-safe).
  void add_cost(int64_t items, int64_t tokens, double seconds);

 private:
  std::string name_;
  mutable std::mutex cost_mu_;
  RewardCost cost_;
};

}  // namespace laser::reward
