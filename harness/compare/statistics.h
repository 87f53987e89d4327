#pragma once
// Statistics over samples: descriptive, the Mann-Whitney U test, the bootstrap of a ratio.

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "report/median.h"

namespace fa::compare {

// Plain descriptive statistics over samples. The median is the project's one (report/median.h).
using report::median;
using report::median_in_place;

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

// Uniform in [0, bound) by rejection: no modulo bias, and the same sequence on every platform.
std::size_t uniform_index(std::mt19937_64& generator, std::size_t bound);

// The median of one resample (with replacement) of `values`; `scratch` is reused between calls.
double resampled_median(const std::vector<double>& values, std::mt19937_64& generator,
                        std::vector<double>& scratch);

// Sample standard deviation (n - 1); NaN for fewer than two values.
double standard_deviation(const std::vector<double>& values);

// ---- Process-level statistics: several reports per side, the process as the unit.

// One case's samples: per process (report), its repetitions. With `paired`, base[i] and head[i]
// ran in the same round.
struct ProcessSamples {
  std::vector<std::vector<double>> base;
  std::vector<std::vector<double>> head;
  bool paired = false;
};

// What is estimated over the processes' values (each process's value is the median of its
// repetitions): the ratio head / base (paired: the geometric mean of the per-round ratios;
// unpaired: the ratio of the medians over processes), or the difference head - base (the
// difference of the medians over processes, for phase times that may be near zero).
enum class Effect { ratio, difference };

std::vector<double> process_values(const std::vector<std::vector<double>>& processes);
double effect_of(const std::vector<double>& base_values, const std::vector<double>& head_values,
                 bool paired, Effect effect);

struct EffectInterval {
  double estimate = 0;
  double low = 0;
  double high = 0;
};

// Two-level percentile bootstrap: resample rounds (paired: round indices; unpaired: each side's
// processes), then the repetitions within each resampled process, and re-estimate. Seeded.
EffectInterval two_level_bootstrap(const ProcessSamples& samples, Effect effect,
                                   const BootstrapSettings& settings = {});

// Two-sided sign-flip (randomisation) test of a zero mean over paired log ratios: the share of
// the 2^R sign patterns whose |sum| reaches the observed one. Exact (all patterns) up to
// kExactSignFlipRounds rounds, else kMonteCarloDraws random patterns from `seed`, counted as
// (1 + hits) / (1 + draws) so p is never 0.
inline constexpr std::size_t kExactSignFlipRounds = 16;
inline constexpr std::size_t kMonteCarloDraws = 20000;
struct RandomisationTest {
  double p_value = 1;
  bool exact = true;
};
RandomisationTest sign_flip_test(const std::vector<double>& log_ratios, std::uint64_t seed);
// Two-sided permutation test of equal means over two unpaired samples (log values): exact when
// C(n1 + n2, n1) <= kExactPermutations, else Monte Carlo as above.
inline constexpr double kExactPermutations = 65536;
RandomisationTest permutation_test(const std::vector<double>& first,
                                   const std::vector<double>& second, std::uint64_t seed);
// The smallest p these tests can give: 2 / 2^R paired, 2 / C(n1 + n2, n1) unpaired.
double smallest_randomisation_p(std::size_t base_count, std::size_t head_count, bool paired);

// Adjusted p-values across a family, in input order: Holm's step-down (family-wise error) or
// Benjamini-Hochberg's step-up (false discovery rate).
enum class Correction { holm, bh };
std::vector<double> adjust_p_values(const std::vector<double>& p_values, Correction correction);

// The standard normal quantile (Acklam's approximation, relative error < 1.2e-9).
double normal_quantile(double probability);

// Rounds needed for an interval of half-width `log_distance` (log scale), given the spread of one
// round's log effect: ceil((z * spread / log_distance)^2), at least `minimum`, at most `cap`.
int rounds_for_half_width(double spread_per_round, double log_distance, double z, int minimum,
                          int cap);
// The fewest rounds at which the randomisation test can reach p < alpha at all.
int rounds_for_test(double alpha, bool paired);

}  // namespace fa::compare
