#include "comparison.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "context_check.h"
#include "pairing.h"

namespace fa::compare {
namespace {

SideInfo describe(const ReportSide& side) {
  return {side.report->path, side.label, side.variant.value_or(""), side.report->context};
}

// Grid order: per group, batches ascending; cases without a case key keep their report order
// after the keyed ones.
void sort_cases(std::vector<CaseComparison>& cases) {
  const auto rank = [](const CaseComparison& c) {
    const report::CaseKey& k = *c.key;
    return std::tie(k.mode, k.dtype, k.heads, k.head_dim, k.variant, k.seqlen, k.batch);
  };
  std::stable_sort(cases.begin(), cases.end(), [&](const auto& a, const auto& b) {
    if (a.key && b.key) return rank(a) < rank(b);
    return a.key.has_value() && !b.key.has_value();
  });
}

void add_sample_warnings(const Comparison& comparison, std::vector<std::string>& warnings) {
  std::size_t few = 0;
  std::size_t too_few = 0;
  std::size_t with_outliers = 0;
  std::vector<std::string> failed;
  std::vector<std::string> no_ratio;
  std::size_t powerless = 0;  // the exact test cannot reach p < alpha at these sizes
  std::string powerless_example;
  const double alpha = comparison.settings.rule.alpha;
  for (const CaseComparison& c : comparison.cases) {
    if (c.test && c.test->exact) {
      const double smallest = smallest_exact_p_value(c.baseline.samples, c.contender.samples);
      if (smallest >= alpha && powerless++ == 0) {
        powerless_example = fmt::format("with {} and {} samples the smallest possible p is {:.3g}",
                                        c.baseline.samples, c.contender.samples, smallest);
      }
    }
    if (c.verdict == Verdict::failed) failed.push_back(c.name + " (" + c.note + ")");
    if (c.verdict == Verdict::too_few_samples) ++too_few;
    if (c.verdict == Verdict::no_ratio) no_ratio.push_back(c.name + " (" + c.note + ")");
    if (has_verdict(c.verdict) &&
        std::min(c.baseline.samples, c.contender.samples) < kRecommendedSamples) {
      ++few;
    }
    if (c.baseline.outliers + c.contender.outliers > 0) ++with_outliers;
  }
  if (too_few > 0) {
    warnings.push_back(
        fmt::format("{} case(s) have fewer than {} samples on a side: no verdict "
                    "for them (too few samples)",
                    too_few, kMinSamplesForTest));
  }
  if (few > 0) {
    warnings.push_back(
        fmt::format("{} case(s) have fewer than {} samples on a side: the U test "
                    "has little power there (run more repetitions)",
                    few, kRecommendedSamples));
  }
  if (powerless > 0) {
    warnings.push_back(
        fmt::format("{} case(s) cannot be significant at alpha {:g} ({}): their "
                    "verdict is \"same\" whatever the data; run more repetitions",
                    powerless, alpha, powerless_example));
  }
  if (with_outliers > 0) {
    warnings.push_back(
        fmt::format("{} case(s) have outliers (samples more than 14.8 MADs "
                    "from the median): a noisy machine? the medians are robust",
                    with_outliers));
  }
  for (const std::string& failure : failed) warnings.push_back("failed case: " + failure);
  for (const std::string& case_name : no_ratio) warnings.push_back("no ratio: " + case_name);
}

}  // namespace

std::size_t Comparison::count(Verdict verdict) const {
  return static_cast<std::size_t>(std::count_if(
      cases.begin(), cases.end(), [&](const CaseComparison& c) { return c.verdict == verdict; }));
}

bool Comparison::has_kernel_and_overhead() const {
  bool any = false;
  for (const CaseComparison& c : cases) {
    if (c.verdict == Verdict::failed) continue;
    if (!c.baseline.kernel_median_us || !c.baseline.overhead_median_us ||
        !c.contender.kernel_median_us || !c.contender.overhead_median_us) {
      return false;
    }
    any = true;
  }
  return any;
}

Comparison compare_reports(const ReportSide& baseline, const ReportSide& contender,
                           const CompareSettings& settings) {
  Comparison comparison;
  comparison.settings = settings;
  comparison.baseline = describe(baseline);
  comparison.contender = describe(contender);
  if (baseline.report != contender.report) {
    comparison.warnings = check_contexts(*baseline.report, *contender.report, settings.strict);
  }

  const bool by_full_name = !baseline.variant;
  for (const CasePair& pair : pair_cases(baseline, contender)) {
    CaseComparison c = compare_case(pair, baseline, contender, settings);
    if (c.key) c.group = group_name(*c.key, by_full_name);
    comparison.cases.push_back(std::move(c));
  }
  sort_cases(comparison.cases);
  comparison.groups = summarise_groups(comparison.cases, {baseline.label, contender.label});
  add_sample_warnings(comparison, comparison.warnings);
  return comparison;
}

}  // namespace fa::compare
