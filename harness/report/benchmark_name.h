#pragma once
// Google Benchmark decorates names: run options become path segments ("/manual_time",
// "/repeats:10", "/iterations:100", "/min_time:0.500", "/min_warmup_time:0.1", "/real_time",
// "/process_time") and aggregate rows get "_<aggregate>" ("_mean", "_median", "_stddev", "_cv").
// A case is the name without them, so the rows of one case from any run line up.
#include <optional>
#include <string>
#include <string_view>

namespace fa::report {

// "fwd/v2.6.3/b:2/.../eager/manual_time/repeats:10" -> "fwd/v2.6.3/b:2/.../eager".
// Segments that name the benchmark itself (arguments, "threads:N") are kept.
std::string strip_run_options(std::string_view name);

// The aggregate Google Benchmark appended to `name` ("median" for "x_median"), if any of the
// standard ones; used when a row carries no run_type (old Google Benchmark versions).
std::optional<std::string> standard_aggregate_suffix(std::string_view name);

}  // namespace fa::report
