#include "case_rows.h"

#include <fmt/format.h>

#include "number_format.h"

namespace fa::compare {

std::vector<std::string> case_row_headers(const Comparison& comparison) {
  return {"case",
          comparison.baseline.label + " us",
          comparison.contender.label + " us",
          "ratio",
          "95% CI",
          "change",
          "p",
          "verdict"};
}

CaseRow make_case_row(const CaseComparison& c) {
  CaseRow row;
  row.name = c.name;
  row.baseline_median = format_us(c.baseline.median_us);
  row.contender_median = format_us(c.contender.median_us);
  row.ratio = format_ratio(c.ratio);
  row.interval = format_interval(c.ci_low, c.ci_high);
  row.change = format_change(c.ratio);
  row.p_value = c.test ? format_p_value(c.test->p_value) : "-";
  row.verdict = std::string(verdict_name(c.verdict));
  row.verdict_kind = c.verdict;
  return row;
}

std::string verdict_counts(const Comparison& comparison) {
  std::string counts =
      fmt::format("{} case{}:", comparison.cases.size(), comparison.cases.size() == 1 ? "" : "s");
  bool first = true;
  for (const Verdict verdict : kAllVerdicts) {
    const std::size_t n = comparison.count(verdict);
    if (n == 0) continue;
    counts += fmt::format("{} {} {}", first ? "" : ",", n, verdict_name(verdict));
    first = false;
  }
  return counts;
}

std::string method_line(const Comparison& comparison) {
  const CompareSettings& s = comparison.settings;
  return fmt::format(
      "{} time (median of each side, us); ratio = {} / {} with a bootstrap {:g}% interval; "
      "two-sided Mann-Whitney U; slower/faster when p < {:g} and the ratio is outside 1 +/- {}",
      report::metric_name(s.metric), comparison.contender.label, comparison.baseline.label,
      s.bootstrap.confidence * 100, s.rule.alpha, format_percent(s.rule.threshold));
}

}  // namespace fa::compare
