#pragma once
// The one median of the project: fa-sweep's per-repetition counters and summary table, and
// fa-compare's statistics.
#include <vector>

namespace fa::report {

// The middle value (the mean of the two middle ones for an even count). NaN for no values: an
// empty sample has no median, and NaN makes that visible in every number computed from it
// instead of passing for a measured 0.
double median(std::vector<double> values);
// The same, reordering `values` instead of copying them (fa-compare's bootstrap loops).
double median_in_place(std::vector<double>& values);

}  // namespace fa::report
