#pragma once
// One self-contained HTML file (inline CSS and SVG, no network at view time): the ratio vs batch
// chart per group with the bootstrap intervals, per case the kernel vs overhead bars of each side
// (when the reports have those counters), the summaries and the per-case table.
#include <string>

#include "comparison.h"

namespace fa::compare {

std::string render_html(const Comparison& comparison);

}  // namespace fa::compare
