#pragma once
// The counters of a report row: the four times fa-sweep reports per iteration (microseconds),
// the kernel's throughput, and per-phase host times.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace fa::report {

enum class Metric { e2e, kernel, host, overhead };

inline constexpr std::array<Metric, 4> kAllMetrics = {Metric::e2e, Metric::kernel, Metric::host,
                                                      Metric::overhead};

// "e2e", "kernel", "host", "overhead": the --metric spelling.
std::string_view metric_name(Metric metric);
// The Google Benchmark user counter that carries it: "e2e_us", "kernel_us", ...
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
