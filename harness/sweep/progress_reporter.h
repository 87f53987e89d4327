#pragma once
// What a user sees while fa-sweep runs and when it ends.
//  - ProgressTracker: "repetition i of n (case j of m, variant), elapsed, time left" lines on
//    stderr, from the benchmark loop itself: with random interleaving Google Benchmark reports a
//    case only when all its repetitions are done, which is mostly at the very end.
//  - SweepReporter: the console display reporter. It keeps every run for the summary table and
//    prints each case's aggregate rows (median, mean, stddev, cv over repetitions) as Google
//    Benchmark's console table; the JSON report keeps every repetition row.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "sweep/summary_table.h"

namespace fa::sweep {

class ProgressTracker {
 public:
  ProgressTracker(int total_repetitions, int total_cases, std::FILE* out);

  // One finished repetition of case `case_index` (0-based).
  void repetition_done(int case_index, const std::string& case_name, const std::string& variant);
  int done() const { return done_; }

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
  explicit SweepReporter(OutputOptions options);

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;

  const std::vector<RunRecord>& records() const { return records_; }

 private:
  std::vector<RunRecord> records_;
};

// A Google Benchmark run reduced to a RunRecord (the case name comes from its label).
RunRecord to_record(const benchmark::BenchmarkReporter::Run& run);

// "1:05" / "12:40" / "1:02:03".
std::string format_duration(double seconds);

}  // namespace fa::sweep
