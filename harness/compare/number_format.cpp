#include "number_format.h"

#include <cmath>

#include <fmt/format.h>

namespace fa::compare {

std::string format_us(double microseconds) {
  if (!std::isfinite(microseconds)) return "-";
  if (microseconds < 10) return fmt::format("{:.2f}", microseconds);
  if (microseconds < 1000) return fmt::format("{:.1f}", microseconds);
  return fmt::format("{:.0f}", microseconds);
}

std::string format_ratio(double ratio) {
  return std::isfinite(ratio) ? fmt::format("{:.3f}", ratio) : "-";
}

std::string format_interval(double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) return "-";
  return fmt::format("[{:.3f}, {:.3f}]", low, high);
}

std::string format_p_value(double p) {
  if (!std::isfinite(p)) return "-";
  return p >= 0.001 ? fmt::format("{:.4f}", p) : fmt::format("{:.1e}", p);
}

std::string format_change(double ratio) {
  return std::isfinite(ratio) ? fmt::format("{:+.1f}%", (ratio - 1) * 100) : "-";
}

std::string format_percent(double fraction) {
  return fmt::format("{:g}%", fraction * 100);
}

}  // namespace fa::compare
