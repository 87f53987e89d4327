// p-values against scipy.stats.mannwhitneyu(x, y, alternative="two-sided") (scipy 1.10.1, default
// method="auto", use_continuity=True), the call Google Benchmark's compare.py makes.
#include "statistics.h"

#include <gtest/gtest.h>

namespace fa::compare {
namespace {

struct Reference {
  const char* what;
  std::vector<double> x;
  std::vector<double> y;
  double u;
  double p;
  bool exact;
};

void PrintTo(const Reference& reference, std::ostream* out) {
  *out << reference.what;
}

class MannWhitneyReference : public ::testing::TestWithParam<Reference> {};

TEST_P(MannWhitneyReference, MatchesScipy) {
  const Reference& reference = GetParam();
  const MannWhitneyResult result = mann_whitney_u(reference.x, reference.y);
  EXPECT_DOUBLE_EQ(result.u, reference.u) << reference.what;
  EXPECT_NEAR(result.p_value, reference.p, 1e-12) << reference.what;
  EXPECT_EQ(result.exact, reference.exact) << reference.what;
  // Two-sided: the order of the samples does not change p.
  EXPECT_NEAR(mann_whitney_u(reference.y, reference.x).p_value, reference.p, 1e-12);
}

std::vector<double> range(double from, double to, double shift = 0) {
  std::vector<double> values;
  for (double v = from; v <= to; v += 1) values.push_back(v + shift);
  return values;
}

INSTANTIATE_TEST_SUITE_P(
    Scipy, MannWhitneyReference,
    ::testing::Values(
        Reference{
            "separated, exact", {1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}, 0, 0.007936507936507936, true},
        Reference{"interleaved, exact",
                  {1.1, 2.3, 3.2, 4.8},
                  {2.0, 3.9, 5.5, 6.1, 7.7},
                  4,
                  0.19047619047619047,
                  true},
        Reference{"3 vs 20, exact", {10.5, 14.2, 19.9}, range(1, 20), 43, 0.2676453980801807, true},
        Reference{"8 vs 8, exact",
                  {1.0, 2.5, 3.1, 4.7, 5.2, 6.6, 7.3, 8.8},
                  {2.2, 3.3, 4.4, 5.5, 9.1, 9.9, 10.2, 11.7},
                  20,
                  0.23449883449883446,
                  true},
        Reference{"10 vs 10, normal approximation",
                  {12, 15, 11, 19, 14, 13, 18, 17, 16, 10},
                  {21, 14.5, 22, 13.5, 25, 23, 20, 24, 19.5, 26},
                  11,
                  0.0036105143123296027,
                  false},
        Reference{"separated 10 vs 10", range(1, 10), range(11, 20), 0, 0.00018267179110955002,
                  false},
        Reference{"9 vs 9 shifted by half", range(1, 9), range(1, 9, 0.5), 36, 0.7239320396139757,
                  false},
        Reference{"ties, 8 vs 9",
                  {1, 2, 2, 3, 3, 3, 4, 5},
                  {3, 3, 4, 4, 5, 5, 6, 6, 7},
                  11,
                  0.01630200829707017,
                  false},
        Reference{"ties in small samples use the approximation",
                  {1, 2, 2, 3},
                  {2, 3, 4, 5},
                  2.5,
                  0.1366582477381475,
                  false},
        Reference{"all equal", {5, 5, 5, 5}, {5, 5, 5, 5, 5}, 10, 1.0, false}));

TEST(MannWhitney, ExactTailStaysExactForLargeUnequalSamples) {
  // One side of 3, the other of 5000, no ties: the exact path with huge counts. The smallest
  // value of the small side below everything: U = 0 for it, p = 2 / C(5003, 3).
  std::vector<double> large;
  for (int i = 0; i < 5000; ++i) large.push_back(100 + i);
  const MannWhitneyResult result = mann_whitney_u({1, 2, 3}, large);
  EXPECT_TRUE(result.exact);
  const double combinations = 5003.0 * 5002.0 * 5001.0 / 6.0;
  EXPECT_NEAR(result.p_value / (2 / combinations), 1.0, 1e-9);
}

TEST(MannWhitney, SmallestExactPValue) {
  EXPECT_DOUBLE_EQ(smallest_exact_p_value(3, 3), 0.1);  // 2 / C(6, 3)
  EXPECT_NEAR(smallest_exact_p_value(5, 5), 0.007936507936507936, 1e-15);
  EXPECT_DOUBLE_EQ(smallest_exact_p_value(1, 1), 1.0);
  // It is what the test gives for completely separated samples.
  EXPECT_DOUBLE_EQ(mann_whitney_u({1, 2, 3}, {4, 5, 6}).p_value, smallest_exact_p_value(3, 3));
}

TEST(MannWhitney, RejectsEmptySamples) {
  EXPECT_THROW(mann_whitney_u({}, {1, 2}), std::invalid_argument);
}

}  // namespace
}  // namespace fa::compare
