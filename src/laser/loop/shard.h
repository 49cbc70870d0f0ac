// Data parallelism of the LASeR loop (one Run per rank): the contiguous share of a batch or an eval
// split that a rank takes, and the gathers that give every rank the whole batch's contexts and
// step outcome in batch order, so every rank's strategy takes the same decisions and learns the
// same (no broadcast of decisions). In a world of one each is the identity, without copies of
// values. Not the collectives themselves (train::Distributed) and not the loop (run.cpp).
#pragma once
#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "laser/loop/strategy.h"
#include "laser/train/distributed.h"

namespace laser::loop {

// Items [begin, end) of a sequence of n for one rank: contiguous, in rank order, sizes differing by
// at most one (the first n % world ranks take one more).
struct Shard {
  size_t begin = 0, end = 0;
  size_t size() const { return end - begin; }
};
Shard shard_of(size_t n, int rank, int world);

// Every rank's JSON value, in rank order (CBOR on the wire: doubles, NaN included, come back exact).
std::vector<nlohmann::json> all_gather_json(train::Distributed& dist, const nlohmann::json& mine, const char* what);

// local rows (b,d) -> every rank's rows stacked in rank order (B,d).
Eigen::MatrixXd gather_rows(train::Distributed& dist, const Eigen::MatrixXd& local, const char* what);

// A batch's choice restricted to a shard's prompts (ensembles carry no per-prompt arm: unchanged).
BatchChoice slice_choice(const BatchChoice& c, const Shard& s);

// What the strategy's feedback and the logs need from a step, over the whole batch: the rank's
// Scored and StepOutcome concatenated in rank order (item indices shifted by the items of earlier
// ranks; an ensemble member that failed on any rank is empty) and the number of pairs.
struct GatheredStep {
  Scored scored;
  StepOutcome outcome;
  size_t pairs = 0;
};
GatheredStep gather_step(train::Distributed& dist, const Scored& scored, const StepOutcome& outcome, size_t items, size_t pairs);

// {arm: {calls, items, tokens, seconds}} summed over ranks (Arms::cost_json of each).
nlohmann::json sum_cost(train::Distributed& dist, const nlohmann::json& cost);
// The total over arms of such a cost.
reward::RewardCost total_cost_of(const nlohmann::json& cost);

// Every rank's strings concatenated in rank order.
std::vector<std::string> gather_strings(train::Distributed& dist, const std::vector<std::string>& mine, const char* what);

// Agreement on a condition checked on every rank: when any rank's `error` is non-empty, every rank
// throws laser::Error with the first one (prefixed by its rank), so no rank is left waiting.
void check_all_ranks(train::Distributed& dist, const std::string& error, const std::string& where, const std::string& hint);

}  // namespace laser::loop
