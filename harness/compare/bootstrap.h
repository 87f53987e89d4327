#pragma once
// Percentile bootstrap of the ratio of medians, median(contender) / median(baseline): each side
// is resampled with replacement on its own, many times, and the interval is read off the
// resampled ratios. Seeded, with a bounded-integer draw of our own (std::uniform_int_distribution
// differs between standard libraries), so the same input gives the same interval everywhere.
#include <cstdint>
#include <vector>

namespace fa::compare {

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
