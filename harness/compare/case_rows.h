#pragma once
// The per-case columns every human-readable format shows, as text, so the table, the markdown
// and the HTML agree cell for cell.
#include <string>
#include <vector>

#include "comparison.h"

namespace fa::compare {

struct CaseRow {
  std::string name;
  std::string baseline_median;
  std::string contender_median;
  std::string ratio;
  std::string interval;
  std::string change;
  std::string p_value;
  std::string verdict;
  Verdict verdict_kind = Verdict::same;
};

std::vector<std::string> case_row_headers(const Comparison& comparison);
CaseRow make_case_row(const CaseComparison& c);

// "27 cases: 3 slower, 1 faster, 23 same" (kinds with no case left out).
std::string verdict_counts(const Comparison& comparison);
// "e2e time (median, us); slower/faster when p < 0.05 and the ratio is outside 1 +/- 5%".
std::string method_line(const Comparison& comparison);

}  // namespace fa::compare
