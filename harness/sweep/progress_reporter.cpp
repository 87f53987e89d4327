#include "sweep/progress_reporter.h"

#include <fmt/format.h>
#include <unistd.h>

#include "report/text.h"
#include "sweep/benchmark_compat.h"
#include "sweep/report_rows.h"

namespace fa::sweep {

std::string format_duration(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  if (total >= 3600) {
    return fmt::format("{}:{:02}:{:02}", total / 3600, (total / 60) % 60, total % 60);
  }
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

ProgressTracker::ProgressTracker(int total_repetitions, int total_cases, std::FILE* out)
    : total_(total_repetitions),
      cases_(total_cases),
      out_(out),
      every_line_(total_repetitions <= 200 || ::isatty(::fileno(out)) != 0),
      start_(Clock::now()),
      last_print_(start_) {}

void ProgressTracker::repetition_done(int case_index, const std::string& case_name,
                                      const std::string& variant) {
  ++done_;
  const Clock::time_point now = Clock::now();
  // In a log, at most one line every 2 s (plus the first and the last); on a terminal, all.
  const bool print =
      every_line_ || done_ == 1 || done_ >= total_ || now - last_print_ >= std::chrono::seconds(2);
  if (!print) return;
  last_print_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string left;
  if (done_ < total_) {
    left = ", about " + format_duration(elapsed / done_ * (total_ - done_)) + " left";
  }
  std::fprintf(out_, "[fa-sweep] repetition %d of %d (case %d of %d, %s): %s; elapsed %s%s\n",
               done_, total_, case_index + 1, cases_, variant.c_str(), case_name.c_str(),
               format_duration(elapsed).c_str(), left.c_str());
  std::fflush(out_);
}

SweepReporter::SweepReporter(OutputOptions options, const SweepCases& cases)
    : ConsoleReporter(options), cases_(cases) {}

bool SweepReporter::ReportContext(const Context& context) {
  library_context_ = benchmark_library_context(context);
  return ConsoleReporter::ReportContext(context);
}

RunRecord SweepReporter::to_record(const Run& run) const {
  RunRecord record;
  // The label is the case name (run_case sets it); the key and status come from the plan's case.
  record.case_name = run.report_label.empty() ? run.run_name.function_name : run.report_label;
  const std::optional<SweepCases::Outcome> outcome = cases_.outcome(record.case_name);
  report::CaseStatus status = report::CaseStatus::ok();
  if (gbench::run_skipped(run)) {
    status = outcome ? outcome->not_measured
                     : report::CaseStatus::failed(report::one_line(gbench::run_message(run)));
  }
  if (outcome) record.key = outcome->key;
  record.row = to_report_row(run, std::move(status));
  return record;
}

void SweepReporter::ReportRuns(const std::vector<Run>& runs) {
  // Google Benchmark calls this twice per case: the repetition rows, then the aggregates (median,
  // mean, stddev, cv) when there are two or more repetitions. The console shows the aggregates,
  // the rows only when there will be none, and the first skipped or failed row of a case with its
  // message; the label (the case name again) is left off.
  std::vector<Run> shown;
  bool skip_shown = false;
  for (const Run& run : runs) {
    records_.push_back(to_record(run));
    const bool skipped = gbench::run_skipped(run);
    const bool aggregate = run.run_type == Run::RT_Aggregate;
    if (skipped ? skip_shown : !(aggregate || run.repetitions < 2)) continue;
    skip_shown = skip_shown || skipped;
    shown.push_back(run);
    shown.back().report_label.clear();
  }
  if (!shown.empty()) ConsoleReporter::ReportRuns(shown);
}

}  // namespace fa::sweep
