#pragma once
// The report's `context` fields that fa-sweep adds to Google Benchmark's own (host, CPU, caches,
// load, library build type): what ran, where, and how it was measured.
#include <string>
#include <utility>
#include <vector>

#include "report/report_writer.h"
#include "sweep/sweep_plan.h"

namespace fa::sweep {

struct RunFacts {
  std::string kernel_timing;  // "cupti" | "cpu-core-steady-clock" | "off"
  std::string command_line;   // how fa-sweep was invoked
};

// Every fa-sweep context field (ContextSource::harness; keys from report/context_keys.h), in a
// stable order: fa_versus_schema (a number), config_*, backend, mode, variants, dtype, causal,
// repetitions, timing settings, kernel_timing, nvtx_case_ranges, GPU and CUDA versions,
// libtorch_version, benchmark_library_version, git_commit, command_line. The other values are
// strings.
std::vector<report::ContextField> report_context(const SweepPlan& plan, const RunFacts& facts);

// The user's --benchmark_context fields (ContextSource::user).
std::vector<report::ContextField> user_context(
    const std::vector<std::pair<std::string, std::string>>& fields);

// benchmark::AddCustomContext for each field, so the console shows them before the run.
void add_report_context(const std::vector<report::ContextField>& fields);

// The source tree's commit: $FA_GIT_COMMIT if set, else `git rev-parse HEAD` in the source tree
// (with "-dirty" when tracked files changed), else the commit seen at configure time, else
// "unknown".
std::string git_commit();

}  // namespace fa::sweep
