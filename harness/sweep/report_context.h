#pragma once
// The report's `context` fields that fa-sweep adds to Google Benchmark's own (host, CPU, caches,
// load, library build type): what ran, where, and how it was measured.
#include <string>
#include <utility>
#include <vector>

#include "sweep/sweep_plan.h"

namespace fa::sweep {

// Bumped when the meaning of a report's fields changes; fa-compare checks it.
inline constexpr const char* kReportSchemaVersion = "1";

struct RunFacts {
  std::string kernel_timing;  // "cupti" | "cpu-core-steady-clock" | "off"
  bool random_interleaving = true;
  std::string command_line;  // how fa-sweep was invoked
};

// Every fa-sweep context field, in a stable order (values are strings, as Google Benchmark's
// AddCustomContext takes them): fa_versus_schema, config_*, backend, mode, variants, dtype,
// causal, repetitions, timing settings, kernel_timing, nvtx_case_ranges, GPU and CUDA versions,
// libtorch_version, benchmark_library_version, git_commit, command_line.
std::vector<std::pair<std::string, std::string>> report_context(const SweepPlan& plan,
                                                                const RunFacts& facts);

// benchmark::AddCustomContext for each field.
void add_report_context(const std::vector<std::pair<std::string, std::string>>& fields);

// The source tree's commit: $FA_GIT_COMMIT if set, else `git rev-parse HEAD` in the source tree
// (with "-dirty" when tracked files changed), else the commit seen at configure time, else
// "unknown".
std::string git_commit();

}  // namespace fa::sweep
