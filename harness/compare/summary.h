#pragma once
// Summaries over a grid of cases, per group (a case without its batch: seq length, heads,
// head_dim, dtype, mode): the geometric mean of the ratios, the crossover batch from which the
// difference stays insignificant, and which variant to use at each batch. This is the study's
// advice: pick the version by problem size.
#include <optional>
#include <string>
#include <vector>

#include "case_comparison.h"

namespace fa::compare {

struct Crossover {
  std::optional<int> batch;  // the smallest batch from which every larger batch is "same"
  std::string note;          // what the batch means, or why there is none
};

struct Recommendation {
  int batch = 0;
  Verdict verdict = Verdict::same;
  double ratio = kNotComputed;
  std::string choice;  // a side's label, "either", or why there is no choice
};

struct GroupSummary {
  std::string group;
  int seqlen = 0;
  std::size_t cases_in_geomean = 0;  // cases with a verdict (enough samples, no error)
  double geomean_ratio = kNotComputed;
  Crossover crossover;
  std::vector<Recommendation> recommendations;  // by batch, ascending
};

struct SideLabels {
  std::string baseline;
  std::string contender;
};

// Only cases with a case key (fa-versus names) are summarised; groups keep the order in which
// they first appear in `cases`.
std::vector<GroupSummary> summarise_groups(const std::vector<CaseComparison>& cases,
                                           const SideLabels& labels);

// The group name of a case: "s:50/h:16/d:16/fp16/eager", with the variant in front
// ("v2.6.3/s:50/...") when cases of several variants are compared by full name.
std::string group_name(const report::CaseKey& key, bool with_variant);

}  // namespace fa::compare
