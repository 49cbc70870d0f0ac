// Answer extraction and matching for the reasoning tasks: GSM8K numeric final answers, MMLU
// multiple-choice letters, StrategyQA yes/no, and SQuAD-style exact match / token F1 for QA.
// Torch-free and pure (no I/O); used by the rule-based verifier RMs and by evaluation.
// Follows the GSM8K "#### N" convention, the LASeR "Final answer: ..." prompt, and SQuAD v1.1's
// normalize_answer (lowercase, drop punctuation and articles, collapse whitespace).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace laser::data {

// The text after the last "Final answer:" (case-insensitive) or "####" marker, up to the end of
// that line, trimmed; nullopt when the response holds no marker.
std::optional<std::string> final_answer_segment(const std::string& response);

// Every number in `s`, in order: "-1,234.5" -> -1234.5, "$18" -> 18, "3/4" -> 0.75 (a fraction
// of two plain integers), "50%" -> 50. Thousands separators need groups of exactly 3 digits.
std::vector<double> find_numbers(const std::string& s);

// The numeric answer of a response: in its final-answer segment the number after the last "="
// if there is one, else the first number; without a marker the last number of the response.
std::optional<double> extract_numeric_answer(const std::string& response);

// True when the response's numeric answer equals the reference's (relative tolerance 1e-6).
// The reference may be a bare number ("1,200") or a whole GSM8K solution ending "#### 1200".
bool numeric_match(const std::string& response, const std::string& reference);

// Options "A. text" / "(A) text" / "A) text" / "A: text" found at line starts of a prompt, in
// letter order from A; empty when the prompt lists none.
std::vector<std::string> parse_choices(const std::string& prompt);

// The chosen letter ('A'..) of a response among n choices: in the final-answer segment "(B)",
// "B", "B.", "B)", "B:" at its start, or the text of exactly one choice; without a marker
// "answer is (B)" / "answer: B" or the last "(B)". nullopt when nothing is found.
std::optional<char> extract_choice_letter(const std::string& response, const std::vector<std::string>& choices = {},
                                          int num_choices = 4);

// The reference as a letter: "B", "(B)", a 0-based index "1" (as in the MMLU CSV), or the text
// of one of `choices`. nullopt when none applies.
std::optional<char> reference_letter(const std::string& reference, const std::vector<std::string>& choices = {},
                                     int num_choices = 4);

bool choice_match(const std::string& response, const std::string& reference, const std::vector<std::string>& choices = {},
                  int num_choices = 4);

// yes/no of a response: first yes/no word of the final-answer segment, else "answer is yes",
// else a leading yes/no, else the last yes/no word. "true"/"false" count as yes/no.
std::optional<bool> extract_yes_no(const std::string& response);
// Reference "Yes." / "no" / "true" / "False" -> bool; nullopt otherwise.
std::optional<bool> parse_yes_no(const std::string& reference);
bool yes_no_match(const std::string& response, const std::string& reference);

// SQuAD normalization: lowercase, remove punctuation, remove articles (a, an, the), collapse whitespace.
std::string normalize_answer(const std::string& s);
std::vector<std::string> answer_tokens(const std::string& s);
bool exact_match(const std::string& prediction, const std::string& gold);
// Token-level F1 of normalized answers (SQuAD v1.1); 1 when both normalize to nothing.
double token_f1(const std::string& prediction, const std::string& gold);

// The part of a free-form response to compare against a QA gold answer: its final-answer
// segment when it has one, else the whole response.
std::string answer_span(const std::string& response);

}  // namespace laser::data
