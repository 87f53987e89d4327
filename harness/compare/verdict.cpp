#include "verdict.h"

namespace fa::compare {

Verdict decide_verdict(std::size_t baseline_samples, std::size_t contender_samples, double ratio,
                       double p_value, const VerdictRule& rule) {
  if (baseline_samples < kMinSamplesForTest || contender_samples < kMinSamplesForTest) {
    return Verdict::too_few_samples;
  }
  const bool significant = p_value < rule.alpha;
  if (significant && ratio > 1 + rule.threshold) return Verdict::slower;
  if (significant && ratio < 1 - rule.threshold) return Verdict::faster;
  return Verdict::same;
}

bool has_verdict(Verdict verdict) {
  return verdict == Verdict::slower || verdict == Verdict::faster || verdict == Verdict::same;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::faster:
      return "faster";
    case Verdict::slower:
      return "slower";
    case Verdict::same:
      return "same";
    case Verdict::too_few_samples:
      return "too few samples";
    case Verdict::no_ratio:
      return "no ratio";
    case Verdict::failed:
      return "error";
  }
  return "?";
}

}  // namespace fa::compare
