// Process-level statistics (declared in statistics.h): with several reports per side the unit is
// the process, since repetitions inside one process share its state (allocator, clocks, caches)
// and agree far better than two processes do.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

#include "statistics.h"

namespace fa::compare {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Sums equal up to rounding count as reaching the observed one (a pattern that reproduces it).
constexpr double kRelativeTolerance = 1e-12;

bool reaches(double statistic, double observed) {
  return statistic >= observed - kRelativeTolerance * std::max(1.0, observed);
}

RandomisationTest counted(std::size_t hits, std::size_t draws, bool exact) {
  RandomisationTest test;
  test.exact = exact;
  test.p_value = exact ? static_cast<double>(hits) / static_cast<double>(draws)
                       : static_cast<double>(hits + 1) / static_cast<double>(draws + 1);
  test.p_value = std::min(1.0, test.p_value);
  return test;
}

double binomial(std::size_t n, std::size_t k) {
  double value = 1;
  for (std::size_t i = 1; i <= k; ++i) {
    value = value * static_cast<double>(n - k + i) / static_cast<double>(i);
  }
  return value;
}

}  // namespace

std::vector<double> process_values(const std::vector<std::vector<double>>& processes) {
  std::vector<double> values;
  values.reserve(processes.size());
  for (const std::vector<double>& repetitions : processes) values.push_back(median(repetitions));
  return values;
}

double effect_of(const std::vector<double>& base_values, const std::vector<double>& head_values,
                 bool paired, Effect effect) {
  if (effect == Effect::difference) return median(head_values) - median(base_values);
  if (!paired) return median(head_values) / median(base_values);
  // The geometric mean of per-round ratios: the estimate the sign-flip test (a mean of log
  // ratios) is about, and symmetric in the two sides.
  double log_sum = 0;
  for (std::size_t i = 0; i < base_values.size(); ++i) {
    log_sum += std::log(head_values[i] / base_values[i]);
  }
  return std::exp(log_sum / static_cast<double>(base_values.size()));
}

EffectInterval two_level_bootstrap(const ProcessSamples& samples, Effect effect,
                                   const BootstrapSettings& settings) {
  if (samples.base.empty() || samples.head.empty() || settings.resamples < 1 ||
      (samples.paired && samples.base.size() != samples.head.size())) {
    throw std::invalid_argument("two_level_bootstrap: empty side, unequal pairs or no resamples");
  }
  EffectInterval interval;
  interval.estimate =
      effect_of(process_values(samples.base), process_values(samples.head), samples.paired, effect);
  std::mt19937_64 generator(settings.seed);
  std::vector<double> scratch;
  std::vector<double> base_values(samples.base.size());
  std::vector<double> head_values(samples.head.size());
  std::vector<double> estimates;
  estimates.reserve(static_cast<std::size_t>(settings.resamples));
  for (int resample = 0; resample < settings.resamples; ++resample) {
    if (samples.paired) {
      for (std::size_t i = 0; i < base_values.size(); ++i) {
        const std::size_t round = uniform_index(generator, samples.base.size());
        base_values[i] = resampled_median(samples.base[round], generator, scratch);
        head_values[i] = resampled_median(samples.head[round], generator, scratch);
      }
    } else {
      for (double& value : base_values) {
        value = resampled_median(samples.base[uniform_index(generator, samples.base.size())],
                                 generator, scratch);
      }
      for (double& value : head_values) {
        value = resampled_median(samples.head[uniform_index(generator, samples.head.size())],
                                 generator, scratch);
      }
    }
    estimates.push_back(effect_of(base_values, head_values, samples.paired, effect));
  }
  std::sort(estimates.begin(), estimates.end());
  const double tail = (1 - settings.confidence) / 2;
  interval.low = quantile_of_sorted(estimates, tail);
  interval.high = quantile_of_sorted(estimates, 1 - tail);
  return interval;
}

RandomisationTest sign_flip_test(const std::vector<double>& log_ratios, std::uint64_t seed) {
  const std::size_t rounds = log_ratios.size();
  if (rounds == 0) return {};
  const double observed = std::abs(std::accumulate(log_ratios.begin(), log_ratios.end(), 0.0));
  const auto flipped_sum = [&](std::uint64_t signs) {
    double sum = 0;
    for (std::size_t i = 0; i < rounds; ++i) {
      sum += (signs >> i) & 1 ? -log_ratios[i] : log_ratios[i];
    }
    return std::abs(sum);
  };
  if (rounds <= kExactSignFlipRounds) {
    const std::uint64_t patterns = std::uint64_t{1} << rounds;
    std::size_t hits = 0;
    for (std::uint64_t signs = 0; signs < patterns; ++signs) {
      if (reaches(flipped_sum(signs), observed)) ++hits;
    }
    return counted(hits, static_cast<std::size_t>(patterns), true);
  }
  std::mt19937_64 generator(seed);
  std::size_t hits = 0;
  for (std::size_t draw = 0; draw < kMonteCarloDraws; ++draw) {
    double sum = 0;
    for (std::size_t i = 0; i < rounds; ++i) {
      sum += (generator() & 1) != 0 ? -log_ratios[i] : log_ratios[i];
    }
    if (reaches(std::abs(sum), observed)) ++hits;
  }
  return counted(hits, kMonteCarloDraws, false);
}

RandomisationTest permutation_test(const std::vector<double>& first,
                                   const std::vector<double>& second, std::uint64_t seed) {
  if (first.empty() || second.empty()) return {};
  std::vector<double> pooled(first);
  pooled.insert(pooled.end(), second.begin(), second.end());
  const double total = std::accumulate(pooled.begin(), pooled.end(), 0.0);
  const double n1 = static_cast<double>(first.size());
  const double n2 = static_cast<double>(second.size());
  // |mean(second) - mean(first)| from the sum of the values drawn into `second`.
  const auto statistic = [&](double second_sum) {
    return std::abs(second_sum / n2 - (total - second_sum) / n1);
  };
  const double observed = statistic(std::accumulate(second.begin(), second.end(), 0.0));
  const std::size_t n = pooled.size();
  const std::size_t k = second.size();
  if (binomial(n, k) <= kExactPermutations) {
    // Every k-subset of the pooled values, in lexicographic order of index sets.
    std::vector<std::size_t> chosen(k);
    std::iota(chosen.begin(), chosen.end(), 0);
    std::size_t hits = 0;
    std::size_t draws = 0;
    while (true) {
      double sum = 0;
      for (const std::size_t index : chosen) sum += pooled[index];
      if (reaches(statistic(sum), observed)) ++hits;
      ++draws;
      std::size_t position = k;
      while (position > 0 && chosen[position - 1] == n - k + position - 1) --position;
      if (position == 0) break;
      ++chosen[position - 1];
      for (std::size_t i = position; i < k; ++i) chosen[i] = chosen[i - 1] + 1;
    }
    return counted(hits, draws, true);
  }
  std::mt19937_64 generator(seed);
  std::vector<double> shuffled(pooled);
  std::size_t hits = 0;
  for (std::size_t draw = 0; draw < kMonteCarloDraws; ++draw) {
    // A partial Fisher-Yates shuffle: the first k values are a uniform k-subset.
    for (std::size_t i = 0; i < k; ++i) {
      std::swap(shuffled[i], shuffled[i + uniform_index(generator, n - i)]);
    }
    if (reaches(statistic(std::accumulate(shuffled.begin(), shuffled.begin() + k, 0.0)),
                observed)) {
      ++hits;
    }
  }
  return counted(hits, kMonteCarloDraws, false);
}

double smallest_randomisation_p(std::size_t base_count, std::size_t head_count, bool paired) {
  if (paired) {
    return base_count >= 63 ? 0.0
                            : std::min(1.0, 2.0 / std::ldexp(1.0, static_cast<int>(base_count)));
  }
  return std::min(1.0, 2 / binomial(base_count + head_count, head_count));
}

std::vector<double> adjust_p_values(const std::vector<double>& p_values, Correction correction) {
  const std::size_t m = p_values.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(m);
  if (correction == Correction::holm) {
    double running = 0;  // step-down: adjusted p never decreases along the sorted order
    for (std::size_t rank = 0; rank < m; ++rank) {
      const double scaled = static_cast<double>(m - rank) * p_values[order[rank]];
      running = std::max(running, std::min(1.0, scaled));
      adjusted[order[rank]] = running;
    }
  } else {
    double running = 1;  // step-up: from the largest p down, never increasing
    for (std::size_t rank = m; rank-- > 0;) {
      const double scaled =
          static_cast<double>(m) / static_cast<double>(rank + 1) * p_values[order[rank]];
      running = std::min(running, std::min(1.0, scaled));
      adjusted[order[rank]] = running;
    }
  }
  return adjusted;
}

double normal_quantile(double probability) {
  if (!(probability > 0 && probability < 1)) {
    return probability <= 0 ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
  }
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (probability < kLow || probability > 1 - kLow) {
    const double q = std::sqrt(-2 * std::log(std::min(probability, 1 - probability)));
    const double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                     ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return probability < kLow ? x : -x;
  }
  const double q = probability - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

int rounds_for_half_width(double spread_per_round, double log_distance, double z, int minimum,
                          int cap) {
  if (!(log_distance > 0) || !std::isfinite(spread_per_round)) return cap;
  const double rounds = std::ceil(std::pow(z * spread_per_round / log_distance, 2));
  if (!(rounds < static_cast<double>(cap))) return cap;
  return std::max(minimum, static_cast<int>(rounds));
}

int rounds_for_test(double alpha, bool paired) {
  for (int rounds = 2; rounds < 64; ++rounds) {
    const auto count = static_cast<std::size_t>(rounds);
    if (smallest_randomisation_p(count, count, paired) < alpha) return rounds;
  }
  return 64;
}

}  // namespace fa::compare
