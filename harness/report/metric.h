#pragma once
// The four times fa-sweep reports per iteration, all in microseconds.
#include <array>
#include <optional>
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

}  // namespace fa::report
