#pragma once
// One case compared: medians of each side, the ratio with its bootstrap interval, the U test and
// the verdict.
#include <cstddef>
#include <limits>
#include <optional>
#include <string>

#include "compare_settings.h"
#include "mann_whitney.h"
#include "pairing.h"
#include "verdict.h"

namespace fa::compare {

inline constexpr double kNotComputed = std::numeric_limits<double>::quiet_NaN();

struct SideSummary {
  std::string case_name;  // the case's name in its report
  std::size_t samples = 0;
  double median_us = kNotComputed;  // of the compared metric
  // Medians of kernel_us and overhead_us when the report has them: the "same kernel, different
  // overhead" picture.
  std::optional<double> kernel_median_us;
  std::optional<double> overhead_median_us;
  std::size_t outliers = 0;
  bool aggregates_only = false;
  std::optional<std::string> error;
};

struct CaseComparison {
  std::string name;  // the pair's shared name
  std::optional<report::CaseKey> key;
  std::string group;  // the case without its batch: summaries are per group
  SideSummary baseline;
  SideSummary contender;
  double ratio = kNotComputed;  // median(contender) / median(baseline)
  double ci_low = kNotComputed;
  double ci_high = kNotComputed;
  std::optional<MannWhitneyResult> test;
  Verdict verdict = Verdict::too_few_samples;
  std::string note;  // why there is no verdict, or the error a report recorded
};

// Throws report::ReportError naming the report when it lacks the metric's counter for the case.
CaseComparison compare_case(const CasePair& pair, const ReportSide& baseline,
                            const ReportSide& contender, const CompareSettings& settings);

}  // namespace fa::compare
