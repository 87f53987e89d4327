#include "descriptive.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fa::compare {
namespace {

constexpr double kOutlierMads = 1.4826 * 10;  // hyperfine's OUTLIER_THRESHOLD

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + middle);
  return lower + (upper - lower) / 2;
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double position = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

double geometric_mean(const std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  double log_sum = 0;
  for (const double value : values) log_sum += std::log(value);
  return std::exp(log_sum / static_cast<double>(values.size()));
}

std::size_t count_outliers(const std::vector<double>& values) {
  if (values.size() < 3) return 0;
  const double center = median(values);
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (const double value : values) deviations.push_back(std::abs(value - center));
  const double mad = median(deviations);
  if (!(mad > 0)) return 0;  // more than half the samples equal: no scale to judge by
  return static_cast<std::size_t>(std::count_if(values.begin(), values.end(), [&](double value) {
    return std::abs(value - center) / mad > kOutlierMads;
  }));
}

}  // namespace fa::compare
