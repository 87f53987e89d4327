// The report file (written whole or not at all), its context fields, and the summary table.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sweep/progress_reporter.h"
#include "sweep/report_context.h"
#include "sweep/report_output.h"
#include "sweep/summary_table.h"
#include "sweep/sweep_plan.h"
#include "test_support.h"
#include "variants.h"

namespace fa::sweep {
namespace {

using test::file_exists;
using test::list_directory;
using test::read_file;
using test::TempDir;
using test::write_file;

const char* const kMinimalReport = R"({
  "context": {"date": "now", "fa_versus_schema": "1"},
  "benchmarks": [{"name": "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager/manual_time",
                  "real_time": 1.5, "tflops_cv": NaN}]
})";

TEST(ReportFile, CommitRenamesAWholeReportAndWritesTheSchemaAsANumber) {
  const TempDir dir;
  const std::string out = dir.file("report.json");
  write_file(out, "previous report");
  {
    ReportFile report(out);
    EXPECT_TRUE(file_exists(report.temporary_path()));
    EXPECT_EQ(read_file(out), "previous report");
    write_file(report.temporary_path(), kMinimalReport);
    report.commit();
    EXPECT_FALSE(file_exists(report.temporary_path()));
  }
  const nlohmann::json written = nlohmann::json::parse(read_file(out));
  EXPECT_EQ(written["context"]["fa_versus_schema"], 1);
  EXPECT_TRUE(written["context"]["fa_versus_schema"].is_number_integer());
  EXPECT_EQ(written["benchmarks"][0]["real_time"], 1.5);
  EXPECT_EQ(list_directory(dir.path()), std::vector<std::string>{"report.json"});
}

TEST(ReportFile, AnIncompleteReportIsNeverRenamedAndTheOldOneStays) {
  const TempDir dir;
  const std::string out = dir.file("report.json");
  write_file(out, "previous report");
  {
    ReportFile report(out);
    write_file(report.temporary_path(), R"({"context": {}, "benchmarks": [{"name": "x",)");
    EXPECT_THROW(report.commit(), std::runtime_error);
  }
  EXPECT_EQ(read_file(out), "previous report");
  EXPECT_EQ(list_directory(dir.path()), std::vector<std::string>{"report.json"});
}

TEST(ReportFile, AnAbandonedRunLeavesNothing) {
  const TempDir dir;
  const std::string out = dir.file("report.json");
  {
    ReportFile report(out);
    write_file(report.temporary_path(), "{\"context\": {}, \"benchm");
  }  // no commit: an error or an exception left the run
  EXPECT_TRUE(list_directory(dir.path()).empty());
}

TEST(ReportFile, UnwritableOrBadPathsAreUsageErrors) {
  const TempDir dir;
  try {
    ReportFile report(dir.file("missing-dir/report.json"));
    FAIL() << "accepted";
  } catch (const UsageError& error) {
    EXPECT_NE(
        std::string(error.what())
            .find("fa-sweep: --out: " + dir.file("missing-dir/report.json") + ": cannot write"),
        std::string::npos)
        << error.what();
  }
  EXPECT_THROW(ReportFile{dir.path()}, UsageError);  // a directory
  if (::geteuid() != 0) {                            // root writes anywhere
    const std::string locked = dir.file("locked");
    ASSERT_EQ(::mkdir(locked.c_str(), 0500), 0);
    EXPECT_THROW(ReportFile{locked + "/report.json"}, UsageError);
    ::chmod(locked.c_str(), 0700);
    ::rmdir(locked.c_str());
  }
  EXPECT_TRUE(list_directory(dir.path()).empty());
}

TEST(ReportFile, LoadAcceptsGoogleBenchmarksNonFiniteNumbers) {
  const TempDir dir;
  write_file(dir.file("r.json"), kMinimalReport);
  const nlohmann::ordered_json report = load_report_json(dir.file("r.json"));
  EXPECT_EQ(report["benchmarks"].size(), 1u);
  write_file(dir.file("bad.json"), R"({"benchmarks": []})");
  EXPECT_THROW(load_report_json(dir.file("bad.json")), std::runtime_error);
}

TEST(ReportContext, HasEveryField) {
  SweepPlan plan;
  plan.config = load_sweep_config(test::configs_dir() + "/smoke.json");
  plan.modes = {"eager"};
  plan.skipped_modes_note = "graph mode skipped: test";
  plan.variants = {fa::find_variant("v2.6.3"), fa::find_variant("v2.7.0")};
  RunFacts facts;
  facts.kernel_timing = "cpu-core-steady-clock";
  facts.command_line = "fa-sweep --config configs/smoke.json";
  const auto fields = report_context(plan, facts);
  std::map<std::string, std::string> by_key(fields.begin(), fields.end());
  EXPECT_EQ(by_key.size(), fields.size()) << "duplicate keys";
  for (const char* key : {"fa_versus_schema",
                          "config_name",
                          "config_path",
                          "config_hash",
                          "backend",
                          "mode",
                          "skipped_modes",
                          "variants",
                          "dtype",
                          "causal",
                          "repetitions",
                          "min_time_s",
                          "random_interleaving",
                          "kernel_timing",
                          "kernel_timing_phase",
                          "counter_statistic",
                          "nvtx_case_ranges",
                          "gpu_name",
                          "libtorch_version",
                          "benchmark_library_version",
                          "git_commit",
                          "command_line"}) {
    EXPECT_TRUE(by_key.count(key)) << key;
  }
  EXPECT_EQ(by_key["fa_versus_schema"], "1");
  EXPECT_EQ(by_key["config_name"], "smoke");
  EXPECT_EQ(by_key["backend"], "cpu");
  EXPECT_EQ(by_key["variants"], "v2.6.3,v2.7.0");
  EXPECT_FALSE(by_key["git_commit"].empty());
}

TEST(ReportContext, GitCommitCanBeGiven) {
  ::setenv("FA_GIT_COMMIT", "abc123", 1);
  EXPECT_EQ(git_commit(), "abc123");
  ::unsetenv("FA_GIT_COMMIT");
  EXPECT_FALSE(git_commit().empty());
}

RunRecord row(const std::string& name, double e2e, double kernel) {
  RunRecord record;
  record.case_name = name;
  record.counters = {
      {"e2e_us", e2e}, {"kernel_us", kernel}, {"overhead_us", e2e - kernel}, {"host_us", e2e / 2}};
  return record;
}

TEST(Summary, MediansRatiosAndTheFloor) {
  std::vector<RunRecord> runs;
  for (const double e2e : {40.0, 41.0, 39.0}) {
    runs.push_back(row("fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager", e2e, 4.0));
  }
  for (const double e2e : {80.0, 82.0, 78.0}) {
    runs.push_back(row("fwd/v2.7.0/b:2/s:50/h:16/d:16/fp16/eager", e2e, 4.0));
  }
  runs.push_back(row("fwd/empty/b:2/s:50/h:16/d:16/fp16/eager", 11.5, 1.0));
  RunRecord aggregate = row("fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager", 1000, 1000);
  aggregate.aggregate = true;  // ignored: the summary takes medians of the repetition rows
  runs.push_back(aggregate);
  RunRecord skipped;
  skipped.case_name = "fwd/v2.7.0/b:4/s:50/h:16/d:16/fp16/eager";
  skipped.skipped = true;
  skipped.message = "failed: boom";
  runs.push_back(skipped);

  const std::string text = format_summary(runs, {"v2.6.3", "v2.7.0"});
  EXPECT_NE(text.find("floor fwd/empty/b:2/s:50/h:16/d:16/fp16/eager: e2e 11.50"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("e2e v2.6.3"), std::string::npos);
  EXPECT_NE(text.find("v2.7.0/v2.6.3"), std::string::npos);
  EXPECT_NE(text.find("40.00"), std::string::npos) << text;
  EXPECT_NE(text.find("80.00"), std::string::npos) << text;
  EXPECT_NE(text.find("2.000"), std::string::npos) << text;  // the ratio
  EXPECT_NE(text.find("76.00"), std::string::npos) << text;  // v2.7.0's overhead
  EXPECT_EQ(text.find("1000"), std::string::npos) << text;

  EXPECT_EQ(failed_cases(runs),
            std::vector<std::string>{"fwd/v2.7.0/b:4/s:50/h:16/d:16/fp16/eager: failed: boom"});
}

TEST(Summary, Median) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({}), 0);
}

TEST(Progress, Durations) {
  EXPECT_EQ(format_duration(0.2), "0:00");
  EXPECT_EQ(format_duration(65), "1:05");
  EXPECT_EQ(format_duration(3723), "1:02:03");
}

}  // namespace
}  // namespace fa::sweep
