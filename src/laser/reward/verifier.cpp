// Verifier RMs (see verifier.h): thin dispatch onto data/answer.h.
#include "laser/reward/verifier.h"

#include "laser/core/timer.h"
#include "laser/data/answer.h"
#include "laser/data/stories.h"

namespace laser::reward {

VerifierType parse_verifier_type(const std::string& s, const std::string& where) {
  if (s == "gsm8k" || s == "numeric") return VerifierType::Gsm8k;
  if (s == "mmlu" || s == "choice") return VerifierType::Mmlu;
  if (s == "yesno" || s == "strategyqa") return VerifierType::YesNo;
  if (s == "exact") return VerifierType::Exact;
  if (s == "f1") return VerifierType::F1;
  if (s == "story") return VerifierType::Story;
  throw Error("unknown verifier type '" + s + "'", where, "use gsm8k, mmlu, yesno, exact, f1 or story");
}

std::string verifier_type_name(VerifierType t) {
  switch (t) {
    case VerifierType::Gsm8k: return "gsm8k";
    case VerifierType::Mmlu: return "mmlu";
    case VerifierType::YesNo: return "yesno";
    case VerifierType::Exact: return "exact";
    case VerifierType::F1: return "f1";
    case VerifierType::Story: return "story";
  }
  return "?";
}

double VerifierRM::score_one(const RewardItem& it) const {
  const std::string& ref = *it.reference;
  switch (o_.type) {
    case VerifierType::Gsm8k: return data::numeric_match(it.response, ref) ? 1.0 : 0.0;
    case VerifierType::Mmlu: return data::choice_match(it.response, ref, data::parse_choices(it.prompt), o_.num_choices) ? 1.0 : 0.0;
    case VerifierType::YesNo: return data::yes_no_match(it.response, ref) ? 1.0 : 0.0;
    case VerifierType::Exact: return data::exact_match(data::answer_span(it.response), ref) ? 1.0 : 0.0;
    case VerifierType::F1: return data::token_f1(data::answer_span(it.response), ref);
    case VerifierType::Story: return data::story_constraint_met(it.response, ref) ? 1.0 : 0.0;
  }
  return 0.0;
}

std::vector<double> VerifierRM::score(const std::vector<RewardItem>& items) {
  Timer t;
  std::vector<double> out(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    LASER_CHECK(items[i].reference.has_value(), "reward item " + std::to_string(i),
                "verifier '" + name() + "' (" + verifier_type_name(o_.type) + ") needs a reference answer", "give each item a reference");
    out[i] = score_one(items[i]);
  }
  add_cost(static_cast<int64_t>(items.size()), 0, t.seconds());
  return out;
}

}  // namespace laser::reward
