#pragma once
// Statistics over samples: descriptive, the Mann-Whitney U test, the bootstrap of a ratio.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fa::compare {

// Plain descriptive statistics over samples.
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

// Two-sided Mann-Whitney U test, computed as scipy.stats.mannwhitneyu does by default (which is
// what Google Benchmark's tools/compare.py calls): the exact null distribution when one sample
// has at most 8 values and there are no ties, else the normal approximation with tie correction
// and continuity correction.
struct MannWhitneyResult {
  double u = 0;        // U of the first sample (scipy's statistic)
  double p_value = 1;  // two-sided
  bool exact = false;  // exact distribution (true) or normal approximation (false)
};

// Requires both samples non-empty and finite.
MannWhitneyResult mann_whitney_u(const std::vector<double>& first,
                                 const std::vector<double>& second);

// The smallest two-sided p the exact test can give for these sizes, 2 / C(n1 + n2, n1): with 3
// samples a side it is 0.1, so no difference can be significant at alpha 0.05.
double smallest_exact_p_value(std::size_t n1, std::size_t n2);

// Percentile bootstrap of the ratio of medians, median(contender) / median(baseline): each side
// is resampled with replacement on its own, many times, and the interval is read off the
// resampled ratios. Seeded, with a bounded-integer draw of our own (std::uniform_int_distribution
// differs between standard libraries), so the same input gives the same interval everywhere.
struct BootstrapSettings {
  int resamples = 2000;
  double confidence = 0.95;
  std::uint64_t seed = 0x5eedfa2024ull;
};

struct RatioInterval {
  double ratio = 0;  // of the observed medians
  double low = 0;
  double high = 0;
};

// Requires both sides non-empty, with positive values.
RatioInterval bootstrap_ratio_of_medians(const std::vector<double>& baseline,
                                         const std::vector<double>& contender,
                                         const BootstrapSettings& settings = {});

}  // namespace fa::compare
