// The built-in synthetic world: a seeded multi-skill arithmetic task set small enough for a tiny
// byte-level policy ("add: 23+45=?\n"), its gold answers, the canonical correct response in
// METHOD.md's "Final answer: N" format, plausible wrong responses (off by one, wrong operation),
// warm-start (SFT) sets mixing the two at a target accuracy, and JSONL writers for `laser sft` and
// evaluation. Not the verifier (answer.h extracts and matches answers) and not the models.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "laser/core/rng.h"
#include "laser/data/example.h"
#include "laser/data/prompt_template.h"

namespace laser::data {

// Skills: add (a+b, a,b in 1..max), sub (a-b, a>=b), mul (a*b, a in 2..9, b in 1..max),
// cmp (the larger of two different numbers in 1..max).
std::vector<std::string> world_skills();

struct WorldOptions {
  uint64_t seed = 0;
  size_t n = 300;                                          // examples in total, dealt round-robin over skills
  std::vector<std::string> skills = {"add", "mul", "cmp"};
  int max_operand = 99;                                    // 1-2 digit numbers
  std::string prompt_template = kWorldTemplate;            // placeholders as in prompt_template.h
  bool worked = false;                                     // responses show the computation before the final answer
};
// "n=300,seed=1,skills=add+mul+cmp,max=99,worked=1,template=TEXT" ("" = defaults). `template` takes
// the rest of the spec, commas included, so it must come last; its value may be a preset name.
WorldOptions parse_world_spec(const std::string& spec);

// n examples (skill of example i = skills[i % K], so skills are balanced to within one), each
// with category = skill, meta {"skill","a","b"}, task "world", the gold answer and the prompt.
// Questions are distinct within a skill while the skill's space allows. Same options -> same set.
Dataset generate_world(const WorldOptions& opt);

// The gold answer of skill(a, b) as decimal text.
std::string world_answer(const std::string& skill, long a, long b);
// One example of `skill` with operands a, b (for tests and hand-made prompts).
Example make_world_example(const std::string& skill, long a, long b, const PromptTemplate& t, const std::string& id);

// "Final answer: 68" (with worked=true: "23+45=68\nFinal answer: 68"). For a non-world example,
// "Final answer: " + its gold answer.
std::string correct_response(const Example& e, bool worked = false);
// The worked response of applying `op` ("+", "-", "*", "max" or "min") to a world example's
// operands, right or not for its skill: "3-4=-1\nFinal answer: -1". The fair world's policy errs by
// choosing the wrong operation. Throws when e is not a world example or op is unknown.
std::string operation_response(const Example& e, const std::string& op);

enum class WrongKind { kAny, kOffByOne, kWrongOperation };
// Every distinct plausible wrong answer of a world example, kind by kind (never the gold answer,
// never negative): off by one (gold +-1, and +-10 for add/sub, a*(b+-1) for mul, larger+-1 for cmp)
// and wrong operation (add: a*b, a-b; sub: a+b; mul: a+b; cmp: the smaller number).
std::vector<std::string> wrong_answers(const Example& e, WrongKind kind = WrongKind::kAny);
// A wrong response drawn with rng from wrong_answers(e, kind) (falls back to any kind when that
// kind has none), in the same format as correct_response.
std::string wrong_response(const Example& e, Rng& rng, WrongKind kind = WrongKind::kAny, bool worked = false);

struct WarmStartOptions {
  double accuracy = 0.5;                   // share of correct responses per skill
  std::map<std::string, double> per_skill; // overrides `accuracy` for the skills named
  uint64_t seed = 0;
  bool worked = false;
  WrongKind wrong = WrongKind::kAny;
};
struct SftRecord {
  std::string id, category, prompt, response;
  bool correct = false;
};
// One response per example: exactly round(accuracy * n_skill) of each skill's examples (chosen
// with the seed) get the correct response, the others a wrong one.
std::vector<SftRecord> make_warm_start_set(const Dataset& d, const WarmStartOptions& opt);
// {"prompt", "response"} per line, the input of `laser sft` (atomic write).
void write_sft_jsonl(const std::string& path, const std::vector<SftRecord>& records);
// Evaluation file: every example's full record (example_to_json), readable by load_dataset("jsonl").
void write_eval_jsonl(const std::string& path, const Dataset& d);

}  // namespace laser::data
