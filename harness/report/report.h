#pragma once
// A benchmark report loaded and validated: fa-sweep's Google Benchmark JSON (or plain Google
// Benchmark JSON from another program), reduced to per-case samples per metric.
#include <cstddef>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "case_key.h"
#include "case_status.h"
#include "metric.h"

namespace fa::report {

// A report that cannot be used. what() is one line: "<path>: <problem>".
class ReportError : public std::runtime_error {
 public:
  ReportError(const std::string& path, const std::string& problem);
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

// Limits that keep a hostile or broken file from costing unbounded time or memory, set far above
// what fa-sweep writes (issue 15 item 8: the old 16 MiB refused an 18.7 MB report of a 900-batch
// grid). The article grid with both modes, every phase counter and 10 repetitions is 1,540 rows
// of about 1.2 KB: under 2 MB; 512 MiB is over 250 times that (parsing it takes a few GiB of
// memory). A case's iteration rows are its repetitions: 100,000 is far above any useful count and
// keeps one case's bootstrap (2,000 resamples) to seconds. fa-compare --help states both.
inline constexpr std::size_t kMaxReportBytes = std::size_t{512} << 20;
inline constexpr std::size_t kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxSamplesPerCase = 100000;
inline constexpr std::size_t kMaxNameLength = 1024;

// One case of a report: every repetition's sample, per metric, in microseconds.
struct CaseResult {
  std::string name;            // the benchmark name without Google Benchmark's suffixes
  std::optional<CaseKey> key;  // set when `name` is a fa-versus case name
  std::size_t first_row = 0;   // index in "benchmarks" of the case's first row (for messages)
  // Metric -> one sample per iteration row. A metric is present only when every iteration row
  // of the case had it (e2e always is: the e2e_us counter, else real_time).
  std::map<Metric, std::vector<double>> samples;
  // Phase range name -> one exclusive host time per iteration row (the "phase:<name>" counters),
  // kept like `samples`: only phases every iteration row had. Empty for reports without phases.
  std::map<std::string, std::vector<double>> phases;
  std::size_t declared_repetitions = 0;  // the rows' "repetitions" field, 0 when absent
  bool aggregates_only = false;      // no iteration rows: the samples are one median (or mean) row
  std::optional<std::string> error;  // a row with "error_occurred": the case failed
  // ok, or skipped/failed ("case_status"; a row with error_occurred and no case_status failed),
  // with `error` as its message.
  CaseStatus status;

  // The samples of `metric`, or nullptr when the report has no such counter for this case.
  const std::vector<double>* samples_of(Metric metric) const;
  // The samples of phase `range_name`, or nullptr when this case has no such phase counter.
  const std::vector<double>* phase_samples_of(std::string_view range_name) const;
};

struct Report {
  std::string path;
  nlohmann::json context = nlohmann::json::object();
  std::vector<CaseResult> cases;  // in the order of their first row

  const CaseResult* find(std::string_view name) const;
  // A context string field, or "" when absent or not a string.
  std::string context_string(const std::string& field) const;

 private:
  friend Report parse_report(std::string_view, const std::string&);
  std::map<std::string, std::size_t, std::less<>> index_;
};

// Reads and validates the report at `path`. Throws ReportError naming the path and the problem:
// missing or unreadable file, malformed JSON, no "benchmarks" array, a row without a name or a
// time, zero, negative, NaN or infinite times, an unknown time unit, too many rows. (kernel_us
// and overhead_us need only be finite: fa-sweep's floor case has a zero kernel time, and
// overhead = e2e - kernel may dip below zero.)
Report load_report(const std::string& path);

// The same for text already in memory; `source` names it in errors (and becomes Report::path).
Report parse_report(std::string_view json_text, const std::string& source);

}  // namespace fa::report
