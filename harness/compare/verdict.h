#pragma once
// The verdict on one case. A difference counts only when it is both significant (p < alpha) and
// large enough to matter (the ratio is outside 1 +/- threshold), as asv does; with fewer than
// kMinSamplesForTest samples on a side there is no verdict at all, never a guess.
#include <cstddef>
#include <string_view>

namespace fa::compare {

enum class Verdict {
  faster,           // the contender is faster
  slower,           // the contender is slower: a regression
  same,             // no difference that is both significant and beyond the threshold
  too_few_samples,  // fewer than kMinSamplesForTest samples on a side
  no_ratio,         // zero or negative samples (a floor case's kernel time): no ratio to judge
  failed,           // the case failed in a report (error_occurred)
};

// Every verdict, in the order outputs count them.
inline constexpr Verdict kAllVerdicts[] = {Verdict::slower,   Verdict::faster,
                                           Verdict::same,     Verdict::too_few_samples,
                                           Verdict::no_ratio, Verdict::failed};

// Whether the case was judged (slower, faster or same), as opposed to left without a verdict.
bool has_verdict(Verdict verdict);

inline constexpr std::size_t kMinSamplesForTest = 3;
// Google Benchmark's compare.py warns below this many repetitions: the U test has little power.
inline constexpr std::size_t kRecommendedSamples = 9;

struct VerdictRule {
  double alpha = 0.05;
  double threshold = 0.05;  // a fraction: 0.05 means 5%
};

Verdict decide_verdict(std::size_t baseline_samples, std::size_t contender_samples, double ratio,
                       double p_value, const VerdictRule& rule);

// "faster", "slower", "same", "too few samples", "no ratio", "error".
std::string_view verdict_name(Verdict verdict);

}  // namespace fa::compare
