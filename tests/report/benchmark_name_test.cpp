#include "report/benchmark_name.h"

#include <gtest/gtest.h>

namespace fa::report {
namespace {

TEST(BenchmarkName, StripsGoogleBenchmarkRunOptions) {
  EXPECT_EQ(strip_run_options("fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager/manual_time"),
            "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(strip_run_options("BM_x/8/iterations:100/repeats:10/manual_time"), "BM_x/8");
  EXPECT_EQ(strip_run_options("BM_x/min_time:0.500/min_warmup_time:0.1/real_time"), "BM_x");
  EXPECT_EQ(strip_run_options("BM_x/process_time"), "BM_x");
}

TEST(BenchmarkName, KeepsWhatNamesTheBenchmark) {
  EXPECT_EQ(strip_run_options("BM_x/8/threads:4"), "BM_x/8/threads:4");
  EXPECT_EQ(strip_run_options("BM_manual_time"), "BM_manual_time");
  EXPECT_EQ(strip_run_options("plain"), "plain");
  EXPECT_EQ(strip_run_options(""), "");
}

TEST(BenchmarkName, FindsStandardAggregateSuffixes) {
  EXPECT_EQ(standard_aggregate_suffix("BM_x/8_median"), "median");
  EXPECT_EQ(standard_aggregate_suffix("BM_x_mean"), "mean");
  EXPECT_EQ(standard_aggregate_suffix("BM_x_stddev"), "stddev");
  EXPECT_EQ(standard_aggregate_suffix("BM_x_cv"), "cv");
  EXPECT_FALSE(standard_aggregate_suffix("BM_x"));
  EXPECT_FALSE(standard_aggregate_suffix("_mean"));  // nothing before the suffix
  EXPECT_FALSE(standard_aggregate_suffix("BM_xmean"));
}

}  // namespace
}  // namespace fa::report
