#include "statistics.h"

#include <gtest/gtest.h>

#include "synthetic_report.h"

namespace fa::compare {
namespace {

using fa::testing::noisy_samples;

TEST(Bootstrap, IntervalContainsTheTrueRatio) {
  const auto baseline = noisy_samples(100, 0.05, 30, 1);
  const auto contender = noisy_samples(130, 0.05, 30, 2);
  const RatioInterval interval = bootstrap_ratio_of_medians(baseline, contender);
  EXPECT_DOUBLE_EQ(interval.ratio, median(contender) / median(baseline));
  EXPECT_LT(interval.low, 1.3);
  EXPECT_GT(interval.high, 1.3);
  EXPECT_LE(interval.low, interval.ratio);
  EXPECT_GE(interval.high, interval.ratio);
  EXPECT_LT(interval.high - interval.low, 0.1);  // 5% noise, 30 samples: a narrow interval
}

TEST(Bootstrap, CoversTheTrueRatioMostOfTheTime) {
  // Percentile intervals of medians undercover a little at small n; 95% nominal, at least 85%.
  int covered = 0;
  const int trials = 100;
  for (int trial = 0; trial < trials; ++trial) {
    const auto baseline = noisy_samples(50, 0.1, 15, 1000 + trial);
    const auto contender = noisy_samples(60, 0.1, 15, 5000 + trial);
    const RatioInterval interval = bootstrap_ratio_of_medians(baseline, contender);
    if (interval.low <= 1.2 && 1.2 <= interval.high) ++covered;
  }
  EXPECT_GE(covered, 85);
}

TEST(Bootstrap, IsReproducibleForASeed) {
  const auto baseline = noisy_samples(100, 0.2, 10, 3);
  const auto contender = noisy_samples(110, 0.2, 10, 4);
  const RatioInterval first = bootstrap_ratio_of_medians(baseline, contender);
  const RatioInterval second = bootstrap_ratio_of_medians(baseline, contender);
  EXPECT_EQ(first.low, second.low);
  EXPECT_EQ(first.high, second.high);
  BootstrapSettings other_seed;
  other_seed.seed = 7;
  const RatioInterval third = bootstrap_ratio_of_medians(baseline, contender, other_seed);
  EXPECT_NE(first.low, third.low);
}

TEST(Bootstrap, ConstantSamplesGiveAPointInterval) {
  const RatioInterval interval = bootstrap_ratio_of_medians({2, 2, 2}, {3, 3, 3});
  EXPECT_DOUBLE_EQ(interval.ratio, 1.5);
  EXPECT_DOUBLE_EQ(interval.low, 1.5);
  EXPECT_DOUBLE_EQ(interval.high, 1.5);
}

TEST(Descriptive, MedianQuantileGeomeanOutliers) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(quantile_of_sorted({1, 2, 3, 4, 5}, 0.25), 2);
  EXPECT_DOUBLE_EQ(quantile_of_sorted({0, 10}, 0.975), 9.75);  // numpy's linear rule
  EXPECT_NEAR(geometric_mean({2, 0.5}), 1.0, 1e-15);
  EXPECT_NEAR(geometric_mean({1, 4}), 2.0, 1e-15);
  EXPECT_EQ(count_outliers({10, 10.1, 9.9, 10.05, 9.95, 10.02}), 0u);
  EXPECT_EQ(count_outliers({10, 10.1, 9.9, 10.05, 9.95, 10.02, 50}), 1u);
}

}  // namespace
}  // namespace fa::compare
