#pragma once
// Two-sided Mann-Whitney U test, computed as scipy.stats.mannwhitneyu does by default (which is
// what Google Benchmark's tools/compare.py calls): the exact null distribution when one sample
// has at most 8 values and there are no ties, else the normal approximation with tie correction
// and continuity correction.
#include <cstddef>
#include <vector>

namespace fa::compare {

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

}  // namespace fa::compare
