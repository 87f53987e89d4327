#pragma once
// The table printed after a sweep: per (batch, seqlen, heads, head_dim, mode), the median e2e of
// each variant, each variant's e2e ratio to the first, each kernel time and each overhead; the
// floor case of each mode on its own line. Medians are over the repetitions' rows.
#include <map>
#include <string>
#include <vector>

namespace fa::sweep {

// One row of Google Benchmark's results, reduced to what the summary needs.
struct RunRecord {
  std::string case_name;   // fwd/<variant>/b:../s:../h:../d:../<dtype>/<mode>
  bool aggregate = false;  // mean/median/stddev/cv rows
  bool skipped = false;    // skipped or failed: no counters
  std::string message;     // why it was skipped or failed
  std::map<std::string, double> counters;
};

// `variants` gives the column order; the first is the baseline of the ratios. Returns the text
// (several lines), or a line saying there is nothing to show.
std::string format_summary(const std::vector<RunRecord>& runs,
                           const std::vector<std::string>& variants);

// Cases with a skipped or failed repetition, with the first message: "name: message".
std::vector<std::string> failed_cases(const std::vector<RunRecord>& runs);

double median(std::vector<double> values);

}  // namespace fa::sweep
