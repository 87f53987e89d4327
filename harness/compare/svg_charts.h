#pragma once
// The HTML report's charts as inline SVG, generated here so the file needs nothing from the
// network. Elements carry classes (and data- attributes) that tests and stylesheets can find:
//   svg.chart.ratio-chart       one per group: g.ratio-point (circle.point, line.error-bar) per
//                               batch, line.unity-line at 1.0, rect.threshold-band, polyline
//   svg.chart.overhead-chart    one per case: g.stack-bar per side, each with rect.bar-kernel
//                               under rect.bar-overhead
#include <string>
#include <vector>

#include "comparison.h"

namespace fa::compare {

// Ratio (contender / baseline) vs batch for one group, with the bootstrap interval as error bars.
std::string ratio_chart_svg(const GroupSummary& group,
                            const std::vector<const CaseComparison*>& cases_by_batch,
                            const Comparison& comparison, std::size_t index);

// Kernel time under overhead, stacked, for each side of one case (medians of kernel_us and
// overhead_us). Requires both medians on both sides.
std::string overhead_chart_svg(const CaseComparison& c, const Comparison& comparison,
                               std::size_t index);

}  // namespace fa::compare
