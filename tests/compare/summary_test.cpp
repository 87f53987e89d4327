// Crossover and recommendations on a constructed grid with known verdicts.
#include "comparison.h"

#include <gtest/gtest.h>

namespace fa::compare {
namespace {

CaseComparison grid_case(int seqlen, int batch, Verdict verdict, double ratio) {
  CaseComparison c;
  c.key = report::CaseKey{"v2.6.3", batch, seqlen, 16, 16, "fp16", "eager"};
  c.group = group_name(*c.key, false);
  c.name = report::case_name_without_variant(*c.key);
  c.verdict = verdict;
  c.ratio = ratio;
  return c;
}

const SideLabels kLabels{"v2.6.3", "v2.7.0"};

const GroupSummary& find_group(const std::vector<GroupSummary>& groups, int seqlen) {
  for (const GroupSummary& group : groups) {
    if (group.seqlen == seqlen) return group;
  }
  throw std::runtime_error("no group for seq " + std::to_string(seqlen));
}

std::vector<GroupSummary> summarise(const std::vector<CaseComparison>& cases) {
  return summarise_groups(cases, kLabels);
}

TEST(Summary, CrossoverIsTheBatchFromWhichEveryLargerBatchIsTheSame) {
  using V = Verdict;
  // Given out of order: the summary sorts by batch.
  const std::vector<CaseComparison> cases = {
      grid_case(50, 8, V::same, 1.01),   grid_case(50, 2, V::slower, 2.0),
      grid_case(50, 16, V::same, 0.99),  grid_case(50, 4, V::slower, 1.5),
      grid_case(150, 2, V::slower, 1.8), grid_case(150, 4, V::same, 1.02),
      grid_case(150, 8, V::slower, 1.2),  // different again: the crossover is after it
      grid_case(150, 16, V::same, 1.0),
  };
  const auto groups = summarise(cases);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group, "s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(find_group(groups, 50).crossover.batch, 8);
  EXPECT_EQ(find_group(groups, 50).crossover.note, "slower at batch 4, same from batch 8 on");
  EXPECT_EQ(find_group(groups, 150).crossover.batch, 16);
}

TEST(Summary, NoCrossoverWhileTheLargestBatchStillDiffers) {
  const auto groups =
      summarise({grid_case(300, 2, Verdict::slower, 2.0), grid_case(300, 4, Verdict::faster, 0.8)});
  EXPECT_FALSE(groups[0].crossover.batch);
  EXPECT_EQ(groups[0].crossover.note, "none: still faster at the largest batch (4)");
}

TEST(Summary, SameEverywhereCrossesAtTheSmallestBatch) {
  const auto groups =
      summarise({grid_case(300, 2, Verdict::same, 1.0), grid_case(300, 4, Verdict::same, 1.01)});
  EXPECT_EQ(groups[0].crossover.batch, 2);
  EXPECT_EQ(groups[0].crossover.note, "same at every batch");
}

TEST(Summary, NoGuessWhenTheLargestBatchHasTooFewSamples) {
  const auto groups = summarise(
      {grid_case(300, 2, Verdict::same, 1.0), grid_case(300, 4, Verdict::too_few_samples, 1.3)});
  EXPECT_FALSE(groups[0].crossover.batch);
  EXPECT_EQ(groups[0].crossover.note, "unknown: too few samples at the largest batch (4)");
}

TEST(Summary, RecommendsTheFasterSideWhereTheDifferenceCounts) {
  using V = Verdict;
  const auto groups =
      summarise({grid_case(50, 2, V::slower, 2.0), grid_case(50, 4, V::faster, 0.5),
                 grid_case(50, 8, V::same, 1.0), grid_case(50, 16, V::too_few_samples, 1.0),
                 grid_case(50, 32, V::failed, kNotComputed)});
  const auto& recommendations = groups[0].recommendations;
  ASSERT_EQ(recommendations.size(), 5u);
  EXPECT_EQ(recommendations[0].batch, 2);
  EXPECT_EQ(recommendations[0].choice, "v2.6.3");  // the contender is slower: keep the baseline
  EXPECT_EQ(recommendations[1].choice, "v2.7.0");
  EXPECT_EQ(recommendations[2].choice, "either");
  EXPECT_EQ(recommendations[3].choice, "unknown (too few samples)");
  EXPECT_EQ(recommendations[4].choice, "unknown (error)");
}

TEST(Summary, GeometricMeanUsesOnlyCasesWithAVerdict) {
  using V = Verdict;
  const auto groups = summarise({grid_case(50, 2, V::slower, 2.0), grid_case(50, 4, V::faster, 0.5),
                                 grid_case(50, 8, V::too_few_samples, 100.0)});
  EXPECT_EQ(groups[0].cases_in_geomean, 2u);
  EXPECT_NEAR(groups[0].geomean_ratio, 1.0, 1e-12);
}

TEST(Summary, CasesWithoutCaseKeysAreNotSummarised) {
  CaseComparison plain;
  plain.name = "BM_Sort/8";
  plain.verdict = Verdict::slower;
  EXPECT_TRUE(summarise({plain}).empty());
}

TEST(Summary, GroupNamesCarryTheVariantWhenRunsAreComparedByName) {
  const report::CaseKey key{"v2.7.0", 2, 50, 16, 16, "bf16", "graph"};
  EXPECT_EQ(group_name(key, true), "v2.7.0/s:50/h:16/d:16/bf16/graph");
  EXPECT_EQ(group_name(key, false), "s:50/h:16/d:16/bf16/graph");
}

}  // namespace
}  // namespace fa::compare
