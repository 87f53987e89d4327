#pragma once
// The report's `context` keys that the harness itself sets: one list, used by the writers
// (fa-sweep, py-sweep through fa_versus_ext), by the writer's check that a user's
// --benchmark_context cannot override them, and by fa-compare's context check. Any other key
// is a user's (--benchmark_context=key=value, e.g. scripts/ab's ab_round).
#include <string_view>
#include <vector>

namespace fa::report {

// The report schema version, context.fa_versus_schema (a number). Bumped when the meaning of a
// report field changes; readers refuse other versions.
inline constexpr int kReportSchemaVersion = 1;
inline constexpr std::string_view kSchemaVersionKey = "fa_versus_schema";

// Keys every fa-versus report has, whichever tool wrote it: Google Benchmark's machine fields
// and the run's description.
const std::vector<std::string_view>& required_context_keys();
// Every key the harness may set: the required ones, those only some runs have (GPU fields,
// timing details) and those only one tool writes (py-sweep's torch and Python versions).
const std::vector<std::string_view>& harness_context_keys();
bool is_harness_context_key(std::string_view key);

}  // namespace fa::report
