#include "bootstrap.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "descriptive.h"

namespace fa::compare {
namespace {

// Uniform in [0, bound) by rejection: no modulo bias, and the same sequence on every platform.
std::size_t uniform_index(std::mt19937_64& generator, std::size_t bound) {
  const std::uint64_t range = static_cast<std::uint64_t>(bound);
  const std::uint64_t limit = std::mt19937_64::max() - std::mt19937_64::max() % range;
  std::uint64_t draw = 0;
  do {
    draw = generator();
  } while (draw >= limit);
  return static_cast<std::size_t>(draw % range);
}

double resampled_median(const std::vector<double>& values, std::mt19937_64& generator,
                        std::vector<double>& scratch) {
  scratch.resize(values.size());
  for (double& value : scratch) value = values[uniform_index(generator, values.size())];
  return median(scratch);  // copies scratch; small next to the draws
}

}  // namespace

RatioInterval bootstrap_ratio_of_medians(const std::vector<double>& baseline,
                                         const std::vector<double>& contender,
                                         const BootstrapSettings& settings) {
  if (baseline.empty() || contender.empty() || settings.resamples < 1) {
    throw std::invalid_argument("bootstrap_ratio_of_medians: empty sample or no resamples");
  }
  RatioInterval interval;
  interval.ratio = median(contender) / median(baseline);

  std::mt19937_64 generator(settings.seed);
  std::vector<double> scratch;
  std::vector<double> ratios;
  ratios.reserve(static_cast<std::size_t>(settings.resamples));
  for (int i = 0; i < settings.resamples; ++i) {
    const double baseline_median = resampled_median(baseline, generator, scratch);
    const double contender_median = resampled_median(contender, generator, scratch);
    ratios.push_back(contender_median / baseline_median);
  }
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - settings.confidence) / 2;
  interval.low = quantile_of_sorted(ratios, tail);
  interval.high = quantile_of_sorted(ratios, 1 - tail);
  return interval;
}

}  // namespace fa::compare
