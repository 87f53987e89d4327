#pragma once
// What a user sees while fa-sweep runs and when it ends.
//  - ProgressTracker: "repetition i of n (case j of m, variant), elapsed, time left" lines on
//    stderr, from the benchmark loop itself: with random interleaving Google Benchmark reports a
//    case only when all its repetitions are done, which is mostly at the very end.
//  - SweepReporter: the console display reporter. It keeps every run as a typed record (the
//    report's row, the case key, its status) for the report and the summary table, and prints
//    each case's aggregate rows (median, mean, stddev, cv over repetitions) as Google
//    Benchmark's console table; the JSON report keeps every repetition row.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "report/report_writer.h"
#include "sweep/benchmark_cases.h"
#include "sweep/summary_table.h"

namespace fa::sweep {

class ProgressTracker {
 public:
  ProgressTracker(int total_repetitions, int total_cases, std::FILE* out);

  // One finished repetition of case `case_index` (0-based).
  void repetition_done(int case_index, const std::string& case_name, const std::string& variant);

 private:
  using Clock = std::chrono::steady_clock;
  int total_;
  int cases_;
  int done_ = 0;
  std::FILE* out_;
  bool every_line_;
  Clock::time_point start_;
  Clock::time_point last_print_;
};

class SweepReporter : public benchmark::ConsoleReporter {
 public:
  // `cases` gives each run's case key and, for runs not measured, why (typed).
  SweepReporter(OutputOptions options, const SweepCases& cases);

  // Keeps Google Benchmark's machine fields for the report, then prints the console header.
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;

  const std::vector<RunRecord>& records() const { return records_; }
  const std::vector<report::ContextField>& library_context() const { return library_context_; }

 private:
  RunRecord to_record(const Run& run) const;

  const SweepCases& cases_;
  std::vector<RunRecord> records_;
  std::vector<report::ContextField> library_context_;
};

// "1:05" / "12:40" / "1:02:03".
std::string format_duration(double seconds);

}  // namespace fa::sweep
