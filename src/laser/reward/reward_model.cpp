// RewardModel base: cost bookkeeping (see reward_model.h).
#include "laser/reward/reward_model.h"

namespace laser::reward {

RewardCost& RewardCost::operator+=(const RewardCost& o) {
  calls += o.calls;
  items += o.items;
  tokens += o.tokens;
  seconds += o.seconds;
  return *this;
}

RewardCost RewardModel::cost() const {
  std::lock_guard<std::mutex> g(cost_mu_);
  return cost_;
}

void RewardModel::reset_cost() {
  std::lock_guard<std::mutex> g(cost_mu_);
  cost_ = RewardCost{};
}

void RewardModel::add_cost(int64_t items, int64_t tokens, double seconds) {
  std::lock_guard<std::mutex> g(cost_mu_);
  cost_.calls += 1;
  cost_.items += items;
  cost_.tokens += tokens;
  cost_.seconds += seconds;
}

}  // namespace laser::reward
