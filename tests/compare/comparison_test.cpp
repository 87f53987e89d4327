// Known answers for whole comparisons built from synthetic reports, in process.
#include "comparison.h"

#include <cmath>

#include <gtest/gtest.h>

#include "synthetic_report.h"

namespace fa::compare {
namespace {

using fa::testing::make_report;
using fa::testing::noisy_samples;
using fa::testing::SyntheticCase;

const std::string kCase = "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager";

struct TwoRuns {
  report::Report baseline;
  report::Report contender;
};

TwoRuns two_runs(const std::vector<double>& baseline, const std::vector<double>& contender) {
  return {report::parse_report(make_report({{kCase, baseline, {}, {}}}), "base.json"),
          report::parse_report(make_report({{kCase, contender, {}, {}}}), "new.json")};
}

Comparison compare(const TwoRuns& runs, const CompareSettings& settings = {}) {
  return compare_reports({&runs.baseline, std::nullopt, "base"},
                         {&runs.contender, std::nullopt, "new"}, settings);
}

TEST(Comparison, TwentyPercentSlowerWithLowNoiseIsARegression) {
  const TwoRuns runs = two_runs(noisy_samples(40, 0.01, 10, 1), noisy_samples(48, 0.01, 10, 2));
  const Comparison comparison = compare(runs);
  ASSERT_EQ(comparison.cases.size(), 1u);
  const CaseComparison& c = comparison.cases[0];
  EXPECT_EQ(c.verdict, Verdict::slower);
  EXPECT_NEAR(c.ratio, 1.2, 0.02);
  EXPECT_LT(c.ci_low, 1.2);
  EXPECT_GT(c.ci_high, 1.2);
  ASSERT_TRUE(c.test);
  EXPECT_NEAR(c.test->p_value, 0.00018267179110955002, 1e-12);  // complete separation, 10 vs 10
  EXPECT_EQ(comparison.count(Verdict::slower), 1u);
}

TEST(Comparison, TwentyPercentFasterIsAnImprovement) {
  const TwoRuns runs = two_runs(noisy_samples(48, 0.01, 10, 1), noisy_samples(40, 0.01, 10, 2));
  EXPECT_EQ(compare(runs).cases[0].verdict, Verdict::faster);
}

TEST(Comparison, TwoSamplesOfOneDistributionAreTheSame) {
  const TwoRuns runs = two_runs(noisy_samples(40, 0.02, 10, 11), noisy_samples(40, 0.02, 10, 12));
  const Comparison comparison = compare(runs);
  const CaseComparison& c = comparison.cases[0];
  EXPECT_EQ(c.verdict, Verdict::same);
  EXPECT_NEAR(c.ratio, 1.0, 0.02);
  EXPECT_LE(c.ci_low, 1.0);
  EXPECT_GE(c.ci_high, 1.0);
}

TEST(Comparison, HeavilyOverlappingNoisySamplesAreNotSignificantNorTheSame) {
  // A 10% shift under +/-40% noise: the U test cannot tell them apart, and the interval is far
  // wider than +/- 5%, so neither a change nor equivalence is shown.
  const TwoRuns runs = two_runs(noisy_samples(100, 0.4, 10, 21), noisy_samples(110, 0.4, 10, 22));
  const Comparison comparison = compare(runs);
  const CaseComparison& c = comparison.cases[0];
  ASSERT_TRUE(c.test);
  EXPECT_GT(c.test->p_value, 0.05);
  EXPECT_EQ(c.verdict, Verdict::inconclusive);
}

TEST(Comparison, SignificantButBelowTheThresholdIsTheSame) {
  const TwoRuns runs =
      two_runs(noisy_samples(100, 0.001, 10, 31), noisy_samples(102, 0.001, 10, 32));
  CompareSettings settings;
  EXPECT_EQ(compare(runs, settings).cases[0].verdict, Verdict::same);  // 2% < 5%
  settings.rule.threshold = 0.01;
  EXPECT_EQ(compare(runs, settings).cases[0].verdict, Verdict::slower);
  settings.rule.alpha = 1e-6;  // not significant enough for a tiny alpha, and outside +/- 1%
  EXPECT_EQ(compare(runs, settings).cases[0].verdict, Verdict::inconclusive);
}

TEST(Comparison, TooFewSamplesGiveNoVerdict) {
  const TwoRuns runs = two_runs({40, 41}, noisy_samples(80, 0.01, 10, 2));
  const Comparison comparison = compare(runs);
  const CaseComparison& c = comparison.cases[0];
  EXPECT_EQ(c.verdict, Verdict::too_few_samples);
  EXPECT_FALSE(c.test);
  EXPECT_NE(c.note.find("baseline has 2 samples"), std::string::npos) << c.note;
  EXPECT_FALSE(comparison.warnings.empty());
}

TEST(Comparison, FewerThanNineSamplesWarnLikeCompareDotPy) {
  const TwoRuns runs = two_runs(noisy_samples(40, 0.01, 5, 1), noisy_samples(48, 0.01, 5, 2));
  const Comparison comparison = compare(runs);
  EXPECT_EQ(comparison.cases[0].verdict, Verdict::slower);  // exact test: p = 2/252 < 0.05
  bool warned = false;
  for (const std::string& warning : comparison.warnings) {
    warned |= warning.find("fewer than 9 samples") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

TEST(Comparison, WarnsWhenTooFewSamplesCanNeverBeSignificant) {
  // 3 against 3, completely separated, 2x slower: p = 0.1 at best, so not "slower"; never
  // "same" either (the ratio is far outside +/- 5%): inconclusive, and a warning.
  const TwoRuns runs = two_runs({10, 10.1, 10.2}, {20, 20.1, 20.2});
  const Comparison comparison = compare(runs);
  EXPECT_EQ(comparison.cases[0].verdict, Verdict::inconclusive);
  bool warned = false;
  for (const std::string& warning : comparison.warnings) {
    warned |= warning.find(
                  "cannot be significant at alpha 0.05 (with 3 and 3 samples the "
                  "smallest possible p is 0.1)") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

TEST(Comparison, AFailedCaseIsAnErrorVerdict) {
  const report::Report baseline =
      report::parse_report(make_report({{kCase, noisy_samples(40, 0.01, 10, 1), {}, {}}}), "b");
  const report::Report contender =
      report::parse_report(make_report({{kCase, {}, {}, std::string("out of memory")}}), "c");
  const Comparison comparison =
      compare_reports({&baseline, std::nullopt, "b"}, {&contender, std::nullopt, "c"}, {});
  EXPECT_EQ(comparison.cases[0].verdict, Verdict::failed);
  EXPECT_NE(comparison.cases[0].note.find("out of memory"), std::string::npos);
}

TEST(Comparison, ACaseFailedOnBothSidesSaysSoWithBothErrors) {
  // Issue 15: it said only "baseline failed: ...".
  const report::Report baseline =
      report::parse_report(make_report({{kCase, {}, {}, std::string("failed: bad shape")}}), "b");
  const report::Report contender =
      report::parse_report(make_report({{kCase, {}, {}, std::string("out of memory")}}), "c");
  const Comparison comparison =
      compare_reports({&baseline, std::nullopt, "b"}, {&contender, std::nullopt, "c"}, {});
  EXPECT_EQ(comparison.cases[0].verdict, Verdict::failed);
  EXPECT_EQ(comparison.cases[0].note,
            "both sides failed: baseline: failed: bad shape; contender: out of memory");
  EXPECT_TRUE(comparison.cases[0].head_failed);
}

TEST(Comparison, VariantsInsideOneRunAreMatchedWithoutTheVariant) {
  const std::string a = "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager";
  const std::string b = "fwd/v2.7.0/b:2/s:50/h:16/d:16/fp16/eager";
  const std::string floor = "fwd/empty/b:2/s:50/h:16/d:16/fp16/eager";
  const report::Report run = report::parse_report(
      make_report({{a, noisy_samples(20, 0.01, 10, 1), noisy_samples(4, 0.01, 10, 3), {}},
                   {b, noisy_samples(40, 0.01, 10, 2), noisy_samples(4, 0.01, 10, 4), {}},
                   {floor, noisy_samples(8, 0.01, 10, 5), {}, {}}}),
      "run.json");
  const Comparison comparison = compare_reports({&run, std::string("v2.6.3"), "v2.6.3"},
                                                {&run, std::string("v2.7.0"), "v2.7.0"}, {});
  ASSERT_EQ(comparison.cases.size(), 1u);
  EXPECT_EQ(comparison.cases[0].name, "b:2/s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(comparison.cases[0].verdict, Verdict::slower);
  EXPECT_EQ(comparison.cases[0].group, "s:50/h:16/d:16/fp16/eager");
  EXPECT_TRUE(comparison.has_kernel_and_overhead());
  EXPECT_NEAR(*comparison.cases[0].baseline.kernel_median_us, 4, 0.05);
  EXPECT_NEAR(*comparison.cases[0].contender.overhead_median_us, 36, 0.5);

  // Same kernel, different overhead: --metric kernel sees no difference.
  CompareSettings kernel;
  kernel.metric = report::Metric::kernel;
  const Comparison by_kernel = compare_reports({&run, std::string("v2.6.3"), "v2.6.3"},
                                               {&run, std::string("v2.7.0"), "v2.7.0"}, kernel);
  EXPECT_EQ(by_kernel.cases[0].verdict, Verdict::same);
}

TEST(Comparison, ZeroKernelTimesGiveNoRatioInsteadOfNonsense) {
  const std::string floor = "fwd/empty/b:2/s:50/h:16/d:16/fp16/eager";
  const std::vector<double> no_kernel(10, 0.0);
  const report::Report baseline = report::parse_report(
      make_report({{floor, noisy_samples(8, 0.01, 10, 1), no_kernel, {}}}), "base.json");
  const report::Report contender = report::parse_report(
      make_report({{floor, noisy_samples(8, 0.01, 10, 2), no_kernel, {}}}), "new.json");
  CompareSettings kernel;
  kernel.metric = report::Metric::kernel;
  const Comparison comparison =
      compare_reports({&baseline, std::nullopt, "b"}, {&contender, std::nullopt, "c"}, kernel);
  const CaseComparison& c = comparison.cases[0];
  EXPECT_EQ(c.verdict, Verdict::no_ratio);
  EXPECT_NE(c.note.find("zero or negative kernel_us samples"), std::string::npos) << c.note;
  EXPECT_FALSE(std::isfinite(c.ratio));
  // By e2e the same floor cases compare normally.
  const Comparison by_e2e =
      compare_reports({&baseline, std::nullopt, "b"}, {&contender, std::nullopt, "c"}, {});
  EXPECT_EQ(by_e2e.cases[0].verdict, Verdict::same);
}

TEST(Comparison, UnknownVariantNamesTheReportAndItsVariants) {
  const report::Report run = report::parse_report(
      make_report({{kCase, noisy_samples(20, 0.01, 10, 1), {}, {}}}), "run.json");
  try {
    compare_reports({&run, std::string("v2.6.3"), "a"}, {&run, std::string("v9"), "b"}, {});
    FAIL() << "expected a ReportError";
  } catch (const report::ReportError& error) {
    EXPECT_STREQ(error.what(), "run.json: no cases of variant \"v9\" (variants in it: v2.6.3)");
  }
}

TEST(Comparison, AbsentCounterIsAClearError) {
  const TwoRuns runs = two_runs(noisy_samples(40, 0.01, 10, 1), noisy_samples(48, 0.01, 10, 2));
  CompareSettings settings;
  settings.metric = report::Metric::kernel;
  try {
    compare(runs, settings);
    FAIL() << "expected a ReportError";
  } catch (const report::ReportError& error) {
    EXPECT_NE(std::string(error.what()).find("base.json: case " + kCase + " has no kernel_us"),
              std::string::npos)
        << error.what();
  }
}

TEST(Comparison, DifferentGpusWarnOrAreRefusedWhenStrict) {
  const auto samples = noisy_samples(40, 0.01, 10, 1);
  const report::Report h100 = report::parse_report(
      make_report({{kCase, samples, {}, {}}}, fa::testing::fa_context("NVIDIA H100")), "h.json");
  const report::Report a100 = report::parse_report(
      make_report({{kCase, samples, {}, {}}}, fa::testing::fa_context("NVIDIA A100")), "a.json");
  const Comparison lenient =
      compare_reports({&h100, std::nullopt, "h"}, {&a100, std::nullopt, "a"}, {});
  ASSERT_FALSE(lenient.warnings.empty());
  EXPECT_NE(lenient.warnings[0].find("gpu_name"), std::string::npos);
  CompareSettings strict;
  strict.strict = true;
  EXPECT_THROW(compare_reports({&h100, std::nullopt, "h"}, {&a100, std::nullopt, "a"}, strict),
               report::ReportError);
}

}  // namespace
}  // namespace fa::compare
