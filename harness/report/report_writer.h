#pragma once
// Writes a report: typed rows and context -> Google Benchmark's JSON format, so google/benchmark's
// tools/compare.py reads it as it reads any benchmark's output, and harness/report's loader
// (report.h) reads it back. The one writer of fa-sweep's and py-sweep's reports.
//
// Format (as Google Benchmark's JSONReporter writes it):
//   {"context": {<library fields in their order>, <harness and user fields sorted by key>},
//    "benchmarks": [<row>, ...]}
// A row: name, family_index, per_family_instance_index, run_name, run_type, repetitions,
// repetition_index (iteration rows), threads, aggregate_name and aggregate_unit (aggregate
// rows), error_occurred and error_message (rows not measured: the message is "skipped: <why>"
// or "failed: <why>") plus this format's case_status ("skipped" | "failed"), iterations,
// real_time, cpu_time, time_unit, the counters as top-level keys sorted by name (Google
// Benchmark's UserCounters order), label (when set). Non-finite numbers are written as Google
// Benchmark writes them: bare NaN, Infinity, -Infinity.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "case_status.h"

namespace fa::report {

enum class RunType { iteration, aggregate };

struct ReportRow {
  std::string name;      // Google Benchmark's full name: ".../manual_time", "..._median"
  std::string run_name;  // the name without the aggregate suffix
  RunType run_type = RunType::iteration;
  std::int64_t family_index = 0;
  std::int64_t per_family_instance_index = 0;
  std::int64_t repetitions = 1;
  std::int64_t repetition_index = 0;  // iteration rows only
  std::int64_t threads = 1;
  std::string aggregate_name;  // aggregate rows only: "mean", "median", "stddev", "cv"
  std::string aggregate_unit;  // aggregate rows only: "time" | "percentage"
  CaseStatus status;
  std::int64_t iterations = 0;
  double real_time = 0;  // per iteration, in time_unit
  double cpu_time = 0;
  std::string time_unit = "us";
  std::map<std::string, double> counters;  // e2e_us, host_us, ... (metric.h), phase:<range>
  std::string label;                       // "" when none
};

enum class ContextSource {
  benchmark_library,  // Google Benchmark's machine fields (date, host_name, caches, ...)
  harness,            // fa-sweep's or py-sweep's own (context_keys.h)
  user,               // --benchmark_context=key=value
};

struct ContextField {
  std::string key;
  nlohmann::ordered_json value;  // a string, number, bool, or (library fields) an array
  ContextSource source = ContextSource::harness;
};

struct ReportDocument {
  std::vector<ContextField> context;
  std::vector<ReportRow> rows;
};

// The user fields that collide with a key the harness sets (context_keys.h) or with another
// field of `context`: a user must not be able to forge gpu_name or the schema version. Empty
// when none do.
std::vector<std::string> colliding_user_keys(const std::vector<ContextField>& context);

// The report as JSON text. Throws std::invalid_argument naming the key when a user field
// collides (colliding_user_keys), a harness or library field is given twice, or the schema
// version field is missing or not kReportSchemaVersion.
std::string format_report(const ReportDocument& document);

// format_report, written whole to `path` through a temporary file renamed over it
// (atomic_file.h): a reader sees the old report or the complete new one.
void write_report(const std::string& path, const ReportDocument& document);

}  // namespace fa::report
