#include "comparison.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "statistics.h"

namespace fa::compare {

Verdict decide_verdict(std::size_t baseline_samples, std::size_t contender_samples, double ratio,
                       double ci_low, double ci_high, double p_value, const VerdictRule& rule) {
  if (baseline_samples < kMinSamplesForTest || contender_samples < kMinSamplesForTest) {
    return Verdict::too_few_samples;
  }
  const bool significant = p_value < rule.alpha;
  if (significant && ratio > 1 + rule.threshold) return Verdict::slower;
  if (significant && ratio < 1 - rule.threshold) return Verdict::faster;
  if (ci_low >= 1 - rule.threshold && ci_high <= 1 + rule.threshold) return Verdict::same;
  return Verdict::inconclusive;
}

bool has_verdict(Verdict verdict) {
  return verdict == Verdict::slower || verdict == Verdict::faster || verdict == Verdict::same ||
         verdict == Verdict::inconclusive;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::faster:
      return "faster";
    case Verdict::slower:
      return "slower";
    case Verdict::same:
      return "same";
    case Verdict::inconclusive:
      return "inconclusive";
    case Verdict::too_few_samples:
      return "too few samples";
    case Verdict::no_ratio:
      return "no ratio";
    case Verdict::failed:
      return "error";
  }
  return "?";
}

namespace {

using report::CaseResult;
using report::ReportError;

// The cases of one side, keyed by the name they are matched on, in report order.
struct SideCases {
  std::vector<std::pair<std::string, const CaseResult*>> ordered;
  std::map<std::string, const CaseResult*, std::less<>> by_name;
};

std::string variants_in(const report::Report& report) {
  std::set<std::string> variants;
  for (const CaseResult& result : report.cases) {
    if (result.key) variants.insert(result.key->variant);
  }
  if (variants.empty()) {
    return "it has no case names of the form fwd/<variant>/b:<B>/s:<S>/h:<H>/d:<D>/<dtype>/<mode>";
  }
  return fmt::format("variants in it: {}", fmt::join(variants, ", "));
}

SideCases select_cases(const ReportSide& side) {
  SideCases cases;
  for (const CaseResult& result : side.report->cases) {
    std::string name;
    if (!side.variant) {
      name = result.name;
    } else if (result.key && result.key->variant == *side.variant) {
      name = report::case_name_without_variant(*result.key);
    } else {
      continue;
    }
    if (cases.by_name.emplace(name, &result).second) cases.ordered.emplace_back(name, &result);
  }
  if (side.variant && cases.ordered.empty()) {
    throw ReportError(side.report->path, fmt::format("no cases of variant \"{}\" ({})",
                                                     *side.variant, variants_in(*side.report)));
  }
  return cases;
}

// "a, b, c and 4 more": keeps the one-line message short.
std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 5;
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
    list += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > kShown) list += fmt::format(" and {} more", names.size() - kShown);
  return list;
}

std::vector<std::string> names_missing_from(const SideCases& present, const SideCases& other) {
  std::vector<std::string> missing;
  for (const auto& [name, result] : present.ordered) {
    if (other.by_name.find(name) == other.by_name.end()) missing.push_back(name);
  }
  return missing;
}

std::string describe_side(const ReportSide& side) {
  return side.variant ? fmt::format("{} (variant {})", side.report->path, *side.variant)
                      : side.report->path;
}

// The start of a message about the side whose report the error names: "variant v2.7.0 " or "".
std::string variant_prefix(const ReportSide& side) {
  return side.variant ? fmt::format("variant {} ", *side.variant) : std::string();
}

}  // namespace

std::vector<CasePair> pair_cases(const ReportSide& baseline, const ReportSide& contender) {
  const SideCases baseline_cases = select_cases(baseline);
  const SideCases contender_cases = select_cases(contender);

  std::vector<CasePair> pairs;
  for (const auto& [name, result] : baseline_cases.ordered) {
    const auto match = contender_cases.by_name.find(name);
    if (match != contender_cases.by_name.end()) pairs.push_back({name, result, match->second});
  }
  if (pairs.empty()) {
    throw ReportError(contender.report->path,
                      fmt::format("no case in common with {}: e.g. the baseline has \"{}\", the "
                                  "contender \"{}\"",
                                  describe_side(baseline), baseline_cases.ordered.front().first,
                                  contender_cases.ordered.front().first));
  }
  if (const auto missing = names_missing_from(baseline_cases, contender_cases); !missing.empty()) {
    throw ReportError(contender.report->path,
                      fmt::format("{}lacks {} case(s) that {} has: {}", variant_prefix(contender),
                                  missing.size(), describe_side(baseline), list_names(missing)));
  }
  if (const auto missing = names_missing_from(contender_cases, baseline_cases); !missing.empty()) {
    throw ReportError(baseline.report->path,
                      fmt::format("{}lacks {} case(s) that {} has: {}", variant_prefix(baseline),
                                  missing.size(), describe_side(contender), list_names(missing)));
  }
  return pairs;
}

namespace {

using report::CaseResult;
using report::Metric;

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
  const std::vector<double>& samples = samples_or_fail(result, side.report->path, metric);
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

const std::vector<double>& samples_or_fail(const report::CaseResult& result,
                                           const std::string& path, report::Metric metric) {
  if (const std::vector<double>* samples = result.samples_of(metric)) return *samples;
  throw report::ReportError(
      path, fmt::format("case {} has no {} counter; --metric {} needs fa-sweep's counters "
                        "(--metric e2e compares any Google Benchmark report)",
                        result.name, report::metric_counter(metric), report::metric_name(metric)));
}

CaseComparison compare_case(const CasePair& pair, const ReportSide& baseline,
                            const ReportSide& contender, const CompareSettings& settings) {
  CaseComparison comparison;
  comparison.name = pair.name;
  comparison.key = pair.baseline->key;
  comparison.baseline = summarise_side(*pair.baseline, baseline, settings.metric);
  comparison.contender = summarise_side(*pair.contender, contender, settings.metric);
  comparison.head_failed = comparison.contender.error.has_value();

  if (comparison.baseline.error || comparison.contender.error) {
    comparison.verdict = Verdict::failed;
    // Both sides failing says so, with both errors (issue 15): not only the baseline's.
    const auto& base_error = comparison.baseline.error;
    const auto& head_error = comparison.contender.error;
    comparison.note = base_error && head_error
                          ? fmt::format("both sides failed: baseline: {}; contender: {}",
                                        *base_error, *head_error)
                      : base_error ? "baseline failed: " + *base_error
                                   : "contender failed: " + *head_error;
    return comparison;
  }
  compare_phases(comparison, {pair.baseline}, {pair.contender}, false, settings.bootstrap);
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
  comparison.verdict =
      decide_verdict(baseline_samples, contender_samples, comparison.ratio, comparison.ci_low,
                     comparison.ci_high, comparison.test->p_value, settings.rule);
  return comparison;
}

}  // namespace fa::compare
