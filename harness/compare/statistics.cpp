#include "statistics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

namespace fa::compare {

namespace {

constexpr double kOutlierMads = 1.4826 * 10;  // hyperfine's OUTLIER_THRESHOLD

}  // namespace

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

namespace {

// scipy's rule: the normal approximation is fine when both samples are larger than 8.
constexpr std::size_t kExactMaxSmallerSize = 8;
// Exact counts use 128-bit integers: C(100008, 8) < 2^127 keeps them exact.
constexpr std::size_t kExactMaxLargerSize = 100000;

struct Ranking {
  double first_rank_sum = 0;
  double tie_term = 0;  // sum over groups of tied values of t^3 - t
  bool has_ties = false;
};

// Average ranks (1-based) of the pooled samples.
Ranking rank_pooled(const std::vector<double>& first, const std::vector<double>& second) {
  struct Value {
    double value;
    bool in_first;
  };
  std::vector<Value> pooled;
  pooled.reserve(first.size() + second.size());
  for (const double value : first) pooled.push_back({value, true});
  for (const double value : second) pooled.push_back({value, false});
  std::sort(pooled.begin(), pooled.end(),
            [](const Value& a, const Value& b) { return a.value < b.value; });
  Ranking ranking;
  for (std::size_t start = 0; start < pooled.size();) {
    std::size_t end = start + 1;
    while (end < pooled.size() && pooled[end].value == pooled[start].value) ++end;
    const double tied = static_cast<double>(end - start);
    const double average_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2;
    for (std::size_t i = start; i < end; ++i) {
      if (pooled[i].in_first) ranking.first_rank_sum += average_rank;
    }
    if (tied > 1) {
      ranking.has_ties = true;
      ranking.tie_term += tied * tied * tied - tied;
    }
    start = end;
  }
  return ranking;
}

// P(U >= u) under the null for sample sizes m <= n, from the generating function of U, the
// Gaussian binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), built one factor
// at a time in exact integers: O(m * m * n), where scipy's recursion is O(m * n * m * n).
double exact_upper_tail(std::size_t m, std::size_t n, std::size_t u) {
  using Count = __int128;
  const std::size_t max_degree = m * n;
  std::vector<Count> counts(max_degree + 1, 0);
  counts[0] = 1;
  std::size_t degree = 0;
  for (std::size_t i = 1; i <= m; ++i) {
    const std::size_t shift = n + i;
    const std::size_t new_degree = i * n;
    // Multiply by (1 - q^shift): terms past new_degree cancel in the division below.
    for (std::size_t k = degree + 1; k-- > 0;) {
      if (k + shift <= max_degree) counts[k + shift] -= counts[k];
    }
    // Divide by (1 - q^i): exact, since the quotient is a polynomial.
    for (std::size_t k = i; k <= new_degree; ++k) counts[k] += counts[k - i];
    std::fill(counts.begin() + static_cast<std::ptrdiff_t>(new_degree) + 1, counts.end(), 0);
    degree = new_degree;
  }
  Count total = 0;
  Count tail = 0;
  for (std::size_t k = 0; k <= max_degree; ++k) {
    total += counts[k];
    if (k >= u) tail += counts[k];
  }
  return static_cast<double>(static_cast<long double>(tail) / static_cast<long double>(total));
}

double normal_upper_tail(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

}  // namespace

MannWhitneyResult mann_whitney_u(const std::vector<double>& first,
                                 const std::vector<double>& second) {
  if (first.empty() || second.empty()) {
    throw std::invalid_argument("mann_whitney_u: both samples need at least one value");
  }
  const double n1 = static_cast<double>(first.size());
  const double n2 = static_cast<double>(second.size());
  const Ranking ranking = rank_pooled(first, second);
  const double u1 = ranking.first_rank_sum - n1 * (n1 + 1) / 2;
  const double u_larger = std::max(u1, n1 * n2 - u1);  // two-sided: the larger tail, doubled

  MannWhitneyResult result;
  result.u = u1;
  const std::size_t smaller = std::min(first.size(), second.size());
  const std::size_t larger = std::max(first.size(), second.size());
  result.exact =
      smaller <= kExactMaxSmallerSize && !ranking.has_ties && larger <= kExactMaxLargerSize;
  double one_tail = 0;
  if (result.exact) {
    one_tail = exact_upper_tail(smaller, larger, static_cast<std::size_t>(std::llround(u_larger)));
  } else {
    const double n = n1 + n2;
    const double variance = n1 * n2 / 12 * ((n + 1) - ranking.tie_term / (n * (n - 1)));
    const double numerator = u_larger - n1 * n2 / 2 - 0.5;  // continuity correction
    // Every value tied: no spread, no evidence of a difference.
    one_tail = variance > 0 ? normal_upper_tail(numerator / std::sqrt(variance)) : 0.5;
  }
  result.p_value = std::clamp(2 * one_tail, 0.0, 1.0);
  return result;
}

double smallest_exact_p_value(std::size_t n1, std::size_t n2) {
  const std::size_t smaller = std::min(n1, n2);
  double combinations = 1;  // C(n1 + n2, smaller), built so every step stays exact for small n
  for (std::size_t i = 1; i <= smaller; ++i) {
    combinations =
        combinations * static_cast<double>(n1 + n2 - smaller + i) / static_cast<double>(i);
  }
  return std::min(1.0, 2 / combinations);
}

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
  return median_in_place(scratch);
}

double standard_deviation(const std::vector<double>& values) {
  if (values.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double mean = 0;
  for (const double value : values) mean += value;
  mean /= static_cast<double>(values.size());
  double squares = 0;
  for (const double value : values) squares += (value - mean) * (value - mean);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

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
