// The process-level statistics: exact tests against hand-computed p-values, the corrections
// against hand-computed adjusted p-values, and whole multi-report comparisons against known
// distributions (a planted difference is found; A/A runs stay within alpha after Holm).
#include <cmath>

#include <gtest/gtest.h>

#include "comparison.h"
#include "statistics.h"
#include "synthetic_report.h"

namespace fa::compare {
namespace {

using fa::testing::fa_context;
using fa::testing::lognormal_factor;
using fa::testing::make_report;
using fa::testing::noisy_samples;
using fa::testing::SyntheticCase;

TEST(SignFlip, EqualsTheHandCountedShareOfSignPatterns) {
  // |sum| = 0.25; of the 8 patterns, +++ (0.25), ++- (0.35), --+ (-0.35), --- (-0.25) reach it.
  EXPECT_DOUBLE_EQ(sign_flip_test({0.1, 0.2, -0.05}, 1).p_value, 0.5);
  // Only all-plus and all-minus reach |1 + 2 + 3 + 4| = 10: 2 of 16.
  const RandomisationTest all_up = sign_flip_test({1, 2, 3, 4}, 1);
  EXPECT_DOUBLE_EQ(all_up.p_value, 0.125);
  EXPECT_TRUE(all_up.exact);
  EXPECT_DOUBLE_EQ(smallest_randomisation_p(4, 4, true), 0.125);
  // Zero log ratios (identical rounds): every pattern reaches 0.
  EXPECT_DOUBLE_EQ(sign_flip_test({0, 0, 0, 0, 0}, 1).p_value, 1.0);
}

TEST(SignFlip, MonteCarloAboveSixteenRoundsIsSeededAndClose) {
  std::vector<double> rounds;
  for (int i = 0; i < 20; ++i) rounds.push_back(i % 3 == 0 ? -0.01 : 0.02);
  const RandomisationTest first = sign_flip_test(rounds, 42);
  EXPECT_FALSE(first.exact);
  EXPECT_EQ(first.p_value, sign_flip_test(rounds, 42).p_value);
  EXPECT_GT(first.p_value, 0);
  EXPECT_LT(first.p_value, 0.05);
}

TEST(Permutation, EqualsTheHandCountedShareOfSplits) {
  // |mean(second) - mean(first)| = 2 for {1, 2} vs {3, 4}; of the 6 splits only {3, 4} and
  // {1, 2} as the second sample reach 2.
  const RandomisationTest test = permutation_test({1, 2}, {3, 4}, 1);
  EXPECT_TRUE(test.exact);
  EXPECT_DOUBLE_EQ(test.p_value, 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(smallest_randomisation_p(2, 2, false), 2.0 / 6.0);
}

TEST(Corrections, HolmAndBenjaminiHochbergEqualHandComputedValues) {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  // Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, made
  // non-decreasing: 0.02, 0.03, 0.06, 0.06.
  const std::vector<double> holm = adjust_p_values(p, Correction::holm);
  EXPECT_DOUBLE_EQ(holm[3], 0.02);
  EXPECT_DOUBLE_EQ(holm[0], 0.03);
  EXPECT_DOUBLE_EQ(holm[2], 0.06);
  EXPECT_DOUBLE_EQ(holm[1], 0.06);
  // BH: times 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04, made non-increasing from the top.
  const std::vector<double> bh = adjust_p_values(p, Correction::bh);
  EXPECT_DOUBLE_EQ(bh[3], 0.02);
  EXPECT_DOUBLE_EQ(bh[0], 0.02);
  EXPECT_NEAR(bh[2], 0.04, 1e-15);
  EXPECT_DOUBLE_EQ(bh[1], 0.04);
  EXPECT_DOUBLE_EQ(adjust_p_values({0.6}, Correction::holm)[0], 0.6);
  EXPECT_DOUBLE_EQ(adjust_p_values({0.5, 0.5}, Correction::holm)[0], 1.0);
}

TEST(NormalQuantile, MatchesKnownValues) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-8);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(normal_quantile(0.001), -3.090232306167813, 1e-8);
}

TEST(TwoLevelBootstrap, CoversAPlantedRatioAndIsSeeded) {
  ProcessSamples samples;
  samples.paired = true;
  for (int round = 0; round < 8; ++round) {
    samples.base.push_back(noisy_samples(40, 0.02, 10, 100 + round));
    samples.head.push_back(noisy_samples(44, 0.02, 10, 200 + round));
  }
  const EffectInterval interval = two_level_bootstrap(samples, Effect::ratio);
  EXPECT_NEAR(interval.estimate, 1.1, 0.01);
  EXPECT_LT(interval.low, 1.1);
  EXPECT_GT(interval.high, 1.1);
  EXPECT_GT(interval.low, 1.05);
  EXPECT_EQ(interval.low, two_level_bootstrap(samples, Effect::ratio).low);
}

// Several reports per side: one report per process, each with `cases` cases.
struct ReportSets {
  std::vector<report::Report> base;
  std::vector<report::Report> head;
};

std::string case_name(int index) {
  return "fwd/v2.6.3/b:" + std::to_string(index + 1) + "/s:50/h:16/d:16/fp16/eager";
}

// Every process gets its own lognormal factor (sigma `between`) and uniform repetition noise
// (`within`); the head is `factor` times slower. Rounds are named by ab_round.
ReportSets simulate(int rounds, int cases, double factor, double between, double within,
                    std::uint64_t seed) {
  ReportSets sets;
  for (int round = 0; round < rounds; ++round) {
    for (int side = 0; side < 2; ++side) {
      std::vector<SyntheticCase> synthetic;
      for (int c = 0; c < cases; ++c) {
        const std::uint64_t draw =
            seed * 1000003 + static_cast<std::uint64_t>((round * 2 + side) * 1000 + c);
        const double center =
            40 * (side == 1 ? factor : 1.0) * lognormal_factor(between, draw * 7 + 1);
        synthetic.push_back(
            {case_name(c), noisy_samples(center, within, 10, draw * 7 + 2), {}, {}});
      }
      nlohmann::json context = fa_context();
      context["ab_round"] = std::to_string(round + 1);
      const std::string path = (side == 0 ? "base-" : "head-") + std::to_string(round + 1);
      (side == 0 ? sets.base : sets.head)
          .push_back(report::parse_report(make_report(synthetic, context), path + ".json"));
    }
  }
  return sets;
}

Comparison compare_sets(const ReportSets& sets, CompareSettings settings = {}) {
  return compare_report_sets(sets.base, sets.head, {"base", "head"}, settings);
}

TEST(RoundComparison, APlantedTenPercentSlowdownOverEightRoundsIsSlower) {
  const Comparison comparison = compare_sets(simulate(8, 1, 1.10, 0.02, 0.01, 1));
  ASSERT_EQ(comparison.cases.size(), 1u);
  const CaseComparison& c = comparison.cases[0];
  EXPECT_EQ(comparison.unit, Unit::process);
  EXPECT_EQ(comparison.pairing, Pairing::ab_round);
  EXPECT_EQ(comparison.rounds, 8u);
  EXPECT_EQ(c.verdict, Verdict::slower) << c.note;
  EXPECT_NEAR(c.ratio, 1.10, 0.03);
  EXPECT_GT(c.ci_low, 1.0);
  ASSERT_TRUE(c.rounds);
  EXPECT_DOUBLE_EQ(c.rounds->test.p_value, 2.0 / 256);  // every round slower: exact minimum
  EXPECT_TRUE(c.rounds->test.exact);
  EXPECT_TRUE(std::isfinite(c.rounds->mde));
  EXPECT_FALSE(c.rounds->rounds_needed);
  EXPECT_NEAR(c.rounds->within_process_cv, 0.01 / std::sqrt(3.0), 0.003);  // uniform +/- 1%
  EXPECT_GT(c.rounds->between_process_cv, 0.005);
}

TEST(RoundComparison, IdenticalRoundsAreNeverSlowerOrFaster) {
  ReportSets sets = simulate(8, 3, 1.0, 0.2, 0.03, 2);
  sets.head.clear();
  for (const report::Report& base : sets.base) {
    report::Report head = base;
    head.path = "head-copy-of-" + base.path;
    sets.head.push_back(head);
  }
  const Comparison comparison = compare_sets(sets);
  for (const CaseComparison& c : comparison.cases) {
    EXPECT_TRUE(c.verdict == Verdict::same || c.verdict == Verdict::inconclusive) << c.name;
    EXPECT_DOUBLE_EQ(c.rounds->test.p_value, 1.0);
  }
}

// Under the A/A null every case is unchanged, so Benjamini-Hochberg's false discovery rate is the
// family-wise error: both corrections must keep it at alpha.
class AASimulations : public ::testing::TestWithParam<Correction> {};

TEST_P(AASimulations, WithProcessNoiseStayWithinAlpha) {
  // 15-40% between processes (sigma 0.25), 3% within: the single-run U test calls many of these
  // cases slower or faster; over rounds, the family-wise error after Holm stays at most alpha.
  CompareSettings settings;
  settings.correction = GetParam();
  settings.bootstrap.resamples = 200;  // the verdict's test is the exact sign flip; keep it fast
  constexpr int kSimulations = 120;
  constexpr int kCases = 8;
  int families_with_a_false_verdict = 0;
  int false_cases = 0;
  int single_run_false_cases = 0;
  for (int simulation = 0; simulation < kSimulations; ++simulation) {
    const ReportSets sets = simulate(12, kCases, 1.0, 0.25, 0.03, 1000 + simulation);
    settings.bootstrap.seed = 7 + static_cast<std::uint64_t>(simulation);
    const Comparison comparison = compare_sets(sets, settings);
    const std::size_t wrong = comparison.count(Verdict::slower) + comparison.count(Verdict::faster);
    false_cases += static_cast<int>(wrong);
    if (wrong > 0) ++families_with_a_false_verdict;
    if (simulation < 10) {
      const Comparison single = compare_reports({&sets.base[0], std::nullopt, "base"},
                                                {&sets.head[0], std::nullopt, "head"}, settings);
      single_run_false_cases +=
          static_cast<int>(single.count(Verdict::slower) + single.count(Verdict::faster));
    }
  }
  // alpha = 0.05 of 120 families is 6 (these seeds give 5); allow the binomial sampling error
  // (3 sigma: about 7). The single-run comparison calls 71 of these 80 identical cases.
  EXPECT_LE(families_with_a_false_verdict, 13) << false_cases << " false cases";
  // The contrast that motivates the method: one report per side calls many identical cases.
  EXPECT_GT(single_run_false_cases, 20);
}

INSTANTIATE_TEST_SUITE_P(Corrections, AASimulations,
                         ::testing::Values(Correction::holm, Correction::bh), [](const auto& info) {
                           return std::string(info.param == Correction::holm ? "Holm" : "BH");
                         });

TEST(RoundComparison, InconclusiveCasesSayHowManyRoundsWouldDecide) {
  // A 6% slowdown at 10% process noise over 4 rounds: neither clearly slower nor same.
  CompareSettings settings;
  settings.plan_effect = 0.03;
  const Comparison comparison = compare_sets(simulate(4, 1, 1.06, 0.10, 0.02, 3), settings);
  const CaseComparison& c = comparison.cases[0];
  EXPECT_EQ(c.verdict, Verdict::inconclusive);
  ASSERT_TRUE(c.rounds->rounds_needed);
  EXPECT_GT(*c.rounds->rounds_needed, 4);
  EXPECT_FALSE(std::isfinite(c.rounds->mde));  // 4 rounds: the smallest p is 0.125
  ASSERT_TRUE(c.rounds->rounds_for_plan);
  EXPECT_GE(*c.rounds->rounds_for_plan, rounds_for_test(0.05, true));
  EXPECT_FALSE(comparison.warnings.empty());
}

TEST(RoundComparison, AFailedCaseInOneRoundIsLeftOutAndReported) {
  ReportSets sets = simulate(6, 2, 1.0, 0.02, 0.01, 4);
  std::vector<SyntheticCase> cases = {
      {case_name(0), {}, {}, std::string("CUDA error: out of memory")},
      {case_name(1), noisy_samples(40, 0.01, 10, 9), {}, {}}};
  nlohmann::json context = fa_context();
  context["ab_round"] = "3";
  sets.head[2] = report::parse_report(make_report(cases, context), "head-3.json");
  const Comparison comparison = compare_sets(sets);
  EXPECT_EQ(comparison.head_failures, 1u);
  const CaseComparison* failed = nullptr;
  for (const CaseComparison& c : comparison.cases) {
    if (c.name == case_name(0)) failed = &c;
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_TRUE(failed->head_failed);
  EXPECT_EQ(failed->rounds->rounds, 5u);  // round 3 left out, not counted
  ASSERT_EQ(failed->rounds->left_out.size(), 1u);
  EXPECT_NE(failed->rounds->left_out[0].find("head-3.json: failed: CUDA error"), std::string::npos);
}

TEST(RoundComparison, PairsByArgumentOrderWithoutRoundsAndElseUnpaired) {
  ReportSets sets = simulate(5, 1, 1.0, 0.05, 0.01, 5);
  for (auto* side : {&sets.base, &sets.head}) {
    for (report::Report& report : *side) report.context.erase("ab_round");
  }
  EXPECT_EQ(compare_sets(sets).pairing, Pairing::argument_order);
  sets.head.pop_back();
  const Comparison unpaired = compare_sets(sets);
  EXPECT_EQ(unpaired.pairing, Pairing::unpaired);
  EXPECT_FALSE(unpaired.cases[0].rounds->paired);
  EXPECT_EQ(unpaired.cases[0].rounds->head_processes, 4u);
}

TEST(RoundComparison, RefusesMixedContextsOnASideAndTooFewReports) {
  ReportSets sets = simulate(3, 1, 1.0, 0.05, 0.01, 6);
  ReportSets mixed = sets;
  mixed.base[1].context["mode"] = "compile";
  try {
    compare_sets(mixed);
    FAIL() << "mixed modes on --base were accepted";
  } catch (const report::ReportError& error) {
    EXPECT_EQ(error.path(), "base-2.json");
    EXPECT_NE(error.problem().find("context.mode"), std::string::npos) << error.what();
  }
  ReportSets one = sets;
  one.head.resize(1);
  EXPECT_THROW(compare_sets(one), report::ReportError);
  ReportSets twice = sets;
  twice.head[2].context["ab_round"] = "1";
  EXPECT_THROW(compare_sets(twice), report::ReportError);
}

}  // namespace
}  // namespace fa::compare
