#pragma once
// One side of a comparison: a loaded report, optionally narrowed to one variant of it.
#include <optional>
#include <string>

#include "report/report.h"

namespace fa::compare {

struct ReportSide {
  const report::Report* report = nullptr;
  // When set, only this variant's cases, matched to the other side by the case without variant.
  std::optional<std::string> variant;
  std::string label;  // how the outputs name this side: a variant, or the report's file name
};

}  // namespace fa::compare
