#pragma once
// A whole comparison: every case, the group summaries and the warnings. Every output format
// renders this one value.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "case_comparison.h"
#include "summary.h"

namespace fa::compare {

struct SideInfo {
  std::string path;
  std::string label;
  std::string variant;  // "" when the whole report is compared by name
  nlohmann::json context = nlohmann::json::object();
};

struct Comparison {
  CompareSettings settings;
  SideInfo baseline;
  SideInfo contender;
  std::vector<CaseComparison> cases;  // grouped, then by batch (report order for other names)
  std::vector<GroupSummary> groups;
  std::vector<std::string> warnings;  // one line each

  std::size_t count(Verdict verdict) const;
  // The kernel vs overhead picture needs both counters on both sides of every compared case.
  bool has_kernel_and_overhead() const;
};

// Pairs, compares and summarises. Throws report::ReportError for bad input (no common cases, a
// case on one side only, a missing counter, different contexts under --strict).
Comparison compare_reports(const ReportSide& baseline, const ReportSide& contender,
                           const CompareSettings& settings);

}  // namespace fa::compare
