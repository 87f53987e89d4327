#pragma once
// The table printed after a sweep: per (batch, seqlen, heads, head_dim, mode), the median e2e of
// each variant, each variant's e2e ratio to the first, each kernel time and each overhead; the
// floor case of each mode on its own line. Medians are over the repetitions' rows.
#include <string>
#include <vector>

#include "report/case_key.h"
#include "report/case_status.h"
#include "report/report_writer.h"

namespace fa::sweep {

// One row of Google Benchmark's results as the report writes it, with the case it belongs to
// (kept from the plan, never parsed back from the name).
struct RunRecord {
  report::CaseKey key;
  std::string case_name;  // report::format_case_name(key)
  report::ReportRow row;
};

// `variants` gives the column order; the first is the baseline of the ratios. Returns the text
// (several lines), or a line saying there is nothing to show.
std::string format_summary(const std::vector<RunRecord>& runs,
                           const std::vector<std::string>& variants);

// A case with a skipped or failed repetition, and the first such status.
struct UnmeasuredCase {
  std::string case_name;
  report::CaseStatus status;
};
std::vector<UnmeasuredCase> unmeasured_cases(const std::vector<RunRecord>& runs);

}  // namespace fa::sweep
