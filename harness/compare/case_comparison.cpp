#include "case_comparison.h"

#include <algorithm>

#include <fmt/format.h>

#include "descriptive.h"

namespace fa::compare {
namespace {

using report::CaseResult;
using report::Metric;

const std::vector<double>& samples_or_fail(const CaseResult& result, const ReportSide& side,
                                           Metric metric) {
  if (const std::vector<double>* samples = result.samples_of(metric)) return *samples;
  throw report::ReportError(
      side.report->path,
      fmt::format("case {} has no {} counter; --metric {} needs fa-sweep's counters "
                  "(--metric e2e compares any Google Benchmark report)",
                  result.name, report::metric_counter(metric), report::metric_name(metric)));
}

std::optional<double> median_of(const CaseResult& result, Metric metric) {
  const std::vector<double>* samples = result.samples_of(metric);
  if (samples == nullptr) return std::nullopt;
  return median(*samples);
}

SideSummary summarise_side(const CaseResult& result, const ReportSide& side, Metric metric) {
  SideSummary summary;
  summary.case_name = result.name;
  summary.error = result.error;
  summary.aggregates_only = result.aggregates_only;
  // A failed case needs no counter: it is reported as an error, not compared.
  if (result.error && result.samples_of(metric) == nullptr) return summary;
  const std::vector<double>& samples = samples_or_fail(result, side, metric);
  summary.samples = samples.size();
  summary.median_us = median(samples);
  summary.outliers = count_outliers(samples);
  summary.kernel_median_us = median_of(result, Metric::kernel);
  summary.overhead_median_us = median_of(result, Metric::overhead);
  return summary;
}

std::string too_few_note(const SideSummary& baseline, const SideSummary& contender) {
  const auto describe = [](const char* side, const SideSummary& summary) {
    if (summary.samples >= kMinSamplesForTest) return std::string();
    return fmt::format("{} has {} sample{}{}", side, summary.samples,
                       summary.samples == 1 ? "" : "s",
                       summary.aggregates_only ? " (aggregates only)" : "");
  };
  std::string note = describe("baseline", baseline);
  const std::string other = describe("contender", contender);
  if (!note.empty() && !other.empty()) note += ", ";
  note += other;
  return note + fmt::format("; the U test needs at least {} per side", kMinSamplesForTest);
}

}  // namespace

CaseComparison compare_case(const CasePair& pair, const ReportSide& baseline,
                            const ReportSide& contender, const CompareSettings& settings) {
  CaseComparison comparison;
  comparison.name = pair.name;
  comparison.key = pair.baseline->key;
  comparison.baseline = summarise_side(*pair.baseline, baseline, settings.metric);
  comparison.contender = summarise_side(*pair.contender, contender, settings.metric);

  if (comparison.baseline.error || comparison.contender.error) {
    comparison.verdict = Verdict::failed;
    comparison.note = comparison.baseline.error
                          ? "baseline failed: " + *comparison.baseline.error
                          : "contender failed: " + *comparison.contender.error;
    return comparison;
  }
  const std::vector<double>& baseline_values = *pair.baseline->samples_of(settings.metric);
  const std::vector<double>& contender_values = *pair.contender->samples_of(settings.metric);
  // kernel_us may be 0 and overhead_us negative (see report.h): a ratio over them means nothing.
  const auto non_positive = [](const std::vector<double>& values) {
    return std::any_of(values.begin(), values.end(), [](double value) { return value <= 0; });
  };
  if (non_positive(baseline_values) || non_positive(contender_values)) {
    comparison.verdict = Verdict::no_ratio;
    comparison.note = fmt::format("the {} has zero or negative {} samples: no ratio of medians",
                                  non_positive(baseline_values) ? "baseline" : "contender",
                                  report::metric_counter(settings.metric));
    return comparison;
  }
  comparison.ratio = comparison.contender.median_us / comparison.baseline.median_us;
  const std::size_t baseline_samples = comparison.baseline.samples;
  const std::size_t contender_samples = comparison.contender.samples;
  if (baseline_samples < kMinSamplesForTest || contender_samples < kMinSamplesForTest) {
    comparison.verdict = Verdict::too_few_samples;
    comparison.note = too_few_note(comparison.baseline, comparison.contender);
    return comparison;
  }
  const RatioInterval interval =
      bootstrap_ratio_of_medians(baseline_values, contender_values, settings.bootstrap);
  comparison.ci_low = interval.low;
  comparison.ci_high = interval.high;
  comparison.test = mann_whitney_u(baseline_values, contender_values);
  comparison.verdict = decide_verdict(baseline_samples, contender_samples, comparison.ratio,
                                      comparison.test->p_value, settings.rule);
  return comparison;
}

}  // namespace fa::compare
