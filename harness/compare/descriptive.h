#pragma once
// Plain descriptive statistics over samples.
#include <cstddef>
#include <vector>

namespace fa::compare {

// The middle value (mean of the two middle ones for an even count); NaN for no samples.
double median(std::vector<double> values);

// Quantile q in [0, 1] of sorted values, linearly interpolated between order statistics
// (numpy's default), so the bootstrap interval reads the same as numpy.percentile would.
double quantile_of_sorted(const std::vector<double>& sorted, double q);

// exp(mean(log x)) over positive values; NaN for none.
double geometric_mean(const std::vector<double>& values);

// Samples farther than 14.826 MADs from the median, hyperfine's rule (about 10 standard
// deviations for normal noise): a hint that the machine was noisy, rare by chance.
std::size_t count_outliers(const std::vector<double>& values);

}  // namespace fa::compare
