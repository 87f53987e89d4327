// Fuzz target: the report loader that fa-compare runs on every input file
// (fa::report::parse_report). Whatever the bytes, it must return a validated report or throw the
// one-line ReportError of the DESIGN: any other exception, a crash, a hang or unbounded memory is
// a bug. Built with libFuzzer (FA_FUZZ=ON, clang) and, in every build, as a replay test.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const fa::report::Report report = fa::report::parse_report(text, "fuzz-input.json");
    // What validation promises of a loaded report: finite samples, e2e and real_time positive.
    for (const fa::report::CaseResult& result : report.cases) {
      for (const auto& [metric, samples] : result.samples) {
        for (const double sample : samples) {
          if (!std::isfinite(sample)) std::abort();
          const bool positive =
              metric == fa::report::Metric::e2e || metric == fa::report::Metric::real_time;
          if (positive && !(sample > 0)) std::abort();
        }
      }
    }
  } catch (const fa::report::ReportError& error) {
    if (std::string_view(error.what()).find('\n') != std::string_view::npos) std::abort();
  }
  return 0;
}
