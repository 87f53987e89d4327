#include "benchmark_name.h"

#include <array>

namespace fa::report {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Options Google Benchmark adds to a name; they say how a case ran, not which case it is.
bool is_run_option(std::string_view segment) {
  return segment == "manual_time" || segment == "real_time" || segment == "process_time" ||
         starts_with(segment, "repeats:") || starts_with(segment, "iterations:") ||
         starts_with(segment, "min_time:") || starts_with(segment, "min_warmup_time:");
}

}  // namespace

std::string strip_run_options(std::string_view name) {
  while (true) {
    const size_t slash = name.rfind('/');
    if (slash == std::string_view::npos || !is_run_option(name.substr(slash + 1))) break;
    name = name.substr(0, slash);
  }
  return std::string(name);
}

std::optional<std::string> standard_aggregate_suffix(std::string_view name) {
  static constexpr std::array<std::string_view, 4> kAggregates = {"mean", "median", "stddev", "cv"};
  for (const std::string_view aggregate : kAggregates) {
    if (name.size() > aggregate.size() + 1 && ends_with(name, aggregate) &&
        name[name.size() - aggregate.size() - 1] == '_') {
      return std::string(aggregate);
    }
  }
  return std::nullopt;
}

}  // namespace fa::report
