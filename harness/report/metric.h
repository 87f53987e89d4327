#pragma once
// The counters of a report row: the four times fa-sweep reports per iteration (microseconds),
// the kernel's throughput, and per-phase host times.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace fa::report {

// real_time is Google Benchmark's own field: with fa-sweep's manual time, the mean of a
// repetition's timed calls, where e2e_us is their median. Google Benchmark's compare.py tests
// real_time; fa-compare tests e2e by default (robust to a few slow calls: docs/fa-compare.md).
enum class Metric { e2e, kernel, host, overhead, real_time };

// The user counters fa-sweep writes per iteration row (microseconds).
inline constexpr std::array<Metric, 4> kCounterMetrics = {Metric::e2e, Metric::kernel, Metric::host,
                                                          Metric::overhead};
inline constexpr std::array<Metric, 5> kAllMetrics = {Metric::e2e, Metric::kernel, Metric::host,
                                                      Metric::overhead, Metric::real_time};

// "e2e", "kernel", "host", "overhead", "real_time": the --metric spelling.
std::string_view metric_name(Metric metric);
// The field that carries it: the user counters "e2e_us", "kernel_us", ..., or "real_time" (in
// the row's time_unit).
std::string_view metric_counter(Metric metric);
std::optional<Metric> parse_metric(std::string_view name);

// The kernel's throughput counters (not times): TFLOP/s and GB/s over kernel_us.
inline constexpr std::string_view kTflopsCounter = "tflops";
inline constexpr std::string_view kGbpsCounter = "gbps";

// Per-phase host time: the exclusive time of one NVTX phase range of a call (what the call spent
// in that range and not in a range nested inside it), microseconds, as the counter
// "phase:<range name>", e.g. "phase:v2.7.0/dispatch". Host time inside the call outside every
// phase range is the phase `kUnattributedPhase`.
inline constexpr std::string_view kPhaseCounterPrefix = "phase:";
inline constexpr std::string_view kUnattributedPhase = "unattributed";
std::string phase_counter_name(std::string_view range_name);
// The range name of a phase counter ("phase:core/launch" -> "core/launch"), or nullopt.
std::optional<std::string_view> phase_of_counter(std::string_view counter);

}  // namespace fa::report
