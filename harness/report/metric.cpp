#include "metric.h"

namespace fa::report {

std::string_view metric_name(Metric metric) {
  switch (metric) {
    case Metric::e2e:
      return "e2e";
    case Metric::kernel:
      return "kernel";
    case Metric::host:
      return "host";
    case Metric::overhead:
      return "overhead";
    case Metric::real_time:
      return "real_time";
  }
  return "?";
}

std::string_view metric_counter(Metric metric) {
  switch (metric) {
    case Metric::e2e:
      return "e2e_us";
    case Metric::kernel:
      return "kernel_us";
    case Metric::host:
      return "host_us";
    case Metric::overhead:
      return "overhead_us";
    case Metric::real_time:
      return "real_time";
  }
  return "?";
}

std::optional<Metric> parse_metric(std::string_view name) {
  for (const Metric metric : kAllMetrics) {
    if (metric_name(metric) == name) return metric;
  }
  return std::nullopt;
}

std::string phase_counter_name(std::string_view range_name) {
  return std::string(kPhaseCounterPrefix).append(range_name);
}

std::optional<std::string_view> phase_of_counter(std::string_view counter) {
  if (counter.size() <= kPhaseCounterPrefix.size() ||
      counter.substr(0, kPhaseCounterPrefix.size()) != kPhaseCounterPrefix) {
    return std::nullopt;
  }
  return counter.substr(kPhaseCounterPrefix.size());
}

}  // namespace fa::report
