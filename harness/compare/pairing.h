#pragma once
// Which case of the baseline goes with which case of the contender: by name for two runs, by the
// case without its variant when variants are selected. Cases on one side only and sides with
// nothing in common are bad input (report::ReportError naming the file that lacks them).
#include <string>
#include <vector>

#include "report_side.h"

namespace fa::compare {

struct CasePair {
  std::string name;  // the shared name: full, or without the variant ("b:2/s:50/...")
  const report::CaseResult* baseline = nullptr;
  const report::CaseResult* contender = nullptr;
};

// In the baseline report's order.
std::vector<CasePair> pair_cases(const ReportSide& baseline, const ReportSide& contender);

}  // namespace fa::compare
