#pragma once
// Google Benchmark's results as the report's typed data (harness/report/report_writer.h): each
// Run becomes a ReportRow with the fields Google Benchmark's JSONReporter would write, and the
// reporter Context becomes the library's context fields (date, host_name, executable, CPU,
// caches, load, library build type), so fa-sweep writes the JSON itself, once, complete.
#include <benchmark/benchmark.h>

#include <vector>

#include "report/case_status.h"
#include "report/report_writer.h"

namespace fa::sweep {

// `status` is what the harness knows of the run: ok when Google Benchmark measured it, else
// skipped or failed with the reason (typed; never read back from Google Benchmark's message).
report::ReportRow to_report_row(const benchmark::BenchmarkReporter::Run& run,
                                report::CaseStatus status);

// The fields Google Benchmark's JSONReporter writes first in "context", in its order.
std::vector<report::ContextField> benchmark_library_context(
    const benchmark::BenchmarkReporter::Context& context);

}  // namespace fa::sweep
