// Rerank at inference never lets an RM see the gold answer: the items it builds carry no
// reference, and a run whose arms include a verifier (alone, noisy or in an ensemble) is refused
// with a one-line error naming the arm and the run's config, before any model loads.
#include <gtest/gtest.h>

#include <memory>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/loop/rerank.h"
#include "laser/reward/ensemble.h"
#include "laser/reward/noisy.h"
#include "laser/reward/verifier.h"
#include "loop/loop_test_util.h"

using namespace laser;
using laser::loop::testing::sh;
using laser::loop::testing::tmp;

namespace {

// Records every item it is asked to score; scores by response length.
class RecordingRM : public reward::RewardModel {
 public:
  explicit RecordingRM(std::string name) : reward::RewardModel(std::move(name)) {}
  std::vector<double> score(const std::vector<reward::RewardItem>& items) override {
    seen.insert(seen.end(), items.begin(), items.end());
    std::vector<double> s;
    for (auto& it : items) s.push_back(static_cast<double>(it.response.size()));
    return s;
  }
  std::string kind() const override { return "recording"; }
  std::vector<reward::RewardItem> seen;
};

std::string refusal(reward::RewardModel& rm) {
  try {
    loop::check_inference_rm(rm, "run/config.toml [[rm]] #2");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Rerank, ItemsNeverCarryTheReference) {
  data::Example ex;
  ex.prompt = "What is 6 * 7?";
  ex.answer = "42";
  ex.category = "arith";
  auto items = loop::rerank_items(ex, {"Final answer: 42", "Final answer: 41", ""});
  ASSERT_EQ(items.size(), 3u);
  RecordingRM rm("rec");
  auto s = rm.score(items);
  EXPECT_EQ(s, (std::vector<double>{16, 16, 0}));
  ASSERT_EQ(rm.seen.size(), 3u);
  for (auto& it : rm.seen) {
    EXPECT_FALSE(it.reference.has_value());
    EXPECT_EQ(it.prompt, ex.prompt);
    EXPECT_EQ(it.category, "arith");
    EXPECT_EQ(it.prompt.find("42"), std::string::npos);
  }
  EXPECT_EQ(rm.seen[1].response, "Final answer: 41");
}

TEST(Rerank, ModelRmsPassTheCheck) {
  RecordingRM rm("model-rm");
  EXPECT_EQ(refusal(rm), "");
}

TEST(Rerank, VerifierArmsAreRefusedByName) {
  reward::VerifierRM v("gold", {reward::VerifierType::Exact, 4});
  auto m = refusal(v);
  EXPECT_NE(m.find("arm 'gold' is a verifier"), std::string::npos) << m;
  EXPECT_NE(m.find("run/config.toml [[rm]] #2"), std::string::npos) << m;
  EXPECT_NE(m.find("reference"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;

  reward::NoisyRM noisy("shaky", std::make_unique<reward::VerifierRM>("inner-check", reward::VerifierRM::Options{reward::VerifierType::Exact, 4}),
                        {0.1, 0.0, 1});
  m = refusal(noisy);
  EXPECT_NE(m.find("arm 'shaky' contains the verifier 'inner-check'"), std::string::npos) << m;

  std::vector<std::unique_ptr<reward::RewardModel>> members;
  members.push_back(std::make_unique<RecordingRM>("lm"));
  members.push_back(std::make_unique<reward::VerifierRM>("check", reward::VerifierRM::Options{reward::VerifierType::Gsm8k, 4}));
  reward::EnsembleRM ens("mix", std::move(members));
  m = refusal(ens);
  EXPECT_NE(m.find("arm 'mix' contains the verifier 'check'"), std::string::npos) << m;
}

// A run directory with `config` and one checkpoint (named `latest`) holding an empty strategy state;
// `laser rerank` on it with `args` (its output, exit code in *rc).
static std::string rerank_fake_run(const std::string& name, const std::string& config, const std::string& latest,
                                   const std::string& args, int* rc) {
  std::string dir = tmp(name);
  io::remove_all(dir);
  io::write_file_atomic(io::join_path(dir, "config.toml"), config);
  io::write_file_atomic(io::join_path(dir, "checkpoints/latest"), latest + "\n");
  io::write_file_atomic(io::join_path(dir, "checkpoints/" + latest + "/trainer_state.json"), "{\"extra\": {\"strategy\": {}}}\n");
  return sh(std::string(LASER_BIN) + " --log warn rerank --run " + dir + args + " --format world --data n=20,seed=5,max=9 --limit 4 -n 2", rc);
}

// `laser rerank` on a run whose only arm is an exact-match verifier stops with one line, before
// it loads a policy (the run directory has none).
TEST(Rerank, ProgramRefusesAVerifierRun) {
  std::string dir = tmp("rerank-verifier");
  int rc = 0;
  auto out = rerank_fake_run("rerank-verifier",
                             "[run]\nname = \"v\"\n[strategy]\nname = \"laser\"\n"
                             "[[rm]]\nname = \"oracle\"\nkind = \"verifier\"\ntype = \"exact\"\n",
                             "iter-1", "", &rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("arm 'oracle' is a verifier"), std::string::npos) << out;
  EXPECT_NE(out.find(io::join_path(dir, "config.toml")), std::string::npos) << out;
  EXPECT_EQ(out.find("Segmentation"), std::string::npos) << out;
}

// A checkpoint that is not there (run.keep_checkpoints deleted it, or a typo) is named, with what the
// run does hold.
TEST(Rerank, ProgramNamesAMissingCheckpoint) {
  int rc = 0;
  auto out = rerank_fake_run("rerank-missing", "[run]\nname = \"m\"\n[strategy]\nname = \"laser\"\n", "iter-3",
                             " --checkpoint iter-1", &rc);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("checkpoints/iter-1: no such checkpoint"), std::string::npos) << out;
  EXPECT_NE(out.find("this run holds iter-3 (latest)"), std::string::npos) << out;
  EXPECT_EQ(out.find("Segmentation"), std::string::npos) << out;
}
