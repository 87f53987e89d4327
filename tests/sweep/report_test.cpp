// The report file (written whole or not at all), its context fields, and the summary table.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "report/case_key.h"
#include "report/context_keys.h"
#include "report/median.h"

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

// A document the writer accepts: the schema version, one measured row.
report::ReportDocument minimal_document() {
  report::ReportDocument document;
  document.context.push_back(
      {"fa_versus_schema", report::kReportSchemaVersion, report::ContextSource::harness});
  report::ReportRow row;
  row.name = "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager/manual_time";
  row.run_name = row.name;
  row.iterations = 10;
  row.real_time = 1.5;
  row.cpu_time = 1.5;
  document.rows.push_back(row);
  return document;
}

TEST(ReportFile, CommitRenamesAWholeReportAndWritesTheSchemaAsANumber) {
  const TempDir dir;
  const std::string out = dir.file("report.json");
  write_file(out, "previous report");
  {
    ReportFile report(out);
    EXPECT_TRUE(file_exists(report.temporary_path()));
    EXPECT_EQ(read_file(out), "previous report");
    report.commit(minimal_document());
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
    report::ReportDocument forged = minimal_document();  // the writer refuses it
    forged.context.push_back({"gpu_name", "forged", report::ContextSource::user});
    EXPECT_THROW(report.commit(forged), std::invalid_argument);
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

TEST(ReportContext, HasEveryField) {
  SweepPlan plan;
  plan.config = load_sweep_config(test::configs_dir() + "/smoke.json");
  plan.config.modes = {"eager"};
  plan.skipped_modes_note = "graph mode skipped: test";
  plan.variants = {fa::find_variant("v2.6.3"), fa::find_variant("v2.7.0")};
  RunFacts facts;
  facts.kernel_timing = "cpu-core-steady-clock";
  facts.command_line = "fa-sweep --config configs/smoke.json";
  const auto fields = report_context(plan, facts);
  std::map<std::string, nlohmann::ordered_json> by_key;
  for (const report::ContextField& field : fields) {
    EXPECT_EQ(field.source, report::ContextSource::harness) << field.key;
    EXPECT_TRUE(report::is_harness_context_key(field.key))
        << field.key << " is not in context_keys";
    by_key.emplace(field.key, field.value);
  }
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
  EXPECT_EQ(by_key["fa_versus_schema"], 1);
  EXPECT_EQ(by_key["config_name"], "smoke");
  EXPECT_EQ(by_key["backend"], "cpu");
  EXPECT_EQ(by_key["variants"], "v2.6.3,v2.7.0");
  EXPECT_FALSE(by_key["git_commit"].get<std::string>().empty());
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
  record.key = *report::parse_case_name(name);  // as the plan's case would give it
  record.row.counters = {
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
  aggregate.row.run_type = report::RunType::aggregate;  // ignored: medians of repetition rows
  runs.push_back(aggregate);
  RunRecord failed = row("fwd/v2.7.0/b:4/s:50/h:16/d:16/fp16/eager", 0, 0);
  failed.row.counters.clear();
  failed.row.status = report::CaseStatus::failed("boom");
  runs.push_back(failed);
  RunRecord skipped = row("fwd/v2.7.0/b:8/s:50/h:16/d:16/fp16/eager", 0, 0);
  skipped.row.counters.clear();
  skipped.row.status = report::CaseStatus::skipped("needs CUDA");
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

  const std::vector<UnmeasuredCase> unmeasured = unmeasured_cases(runs);
  ASSERT_EQ(unmeasured.size(), 2u);
  EXPECT_EQ(unmeasured[0].case_name, "fwd/v2.7.0/b:4/s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(unmeasured[0].status, report::CaseStatus::failed("boom"));
  EXPECT_EQ(unmeasured[1].case_name, "fwd/v2.7.0/b:8/s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(unmeasured[1].status, report::CaseStatus::skipped("needs CUDA"));
}

TEST(Summary, Median) {
  EXPECT_EQ(report::median({3, 1, 2}), 2);
  EXPECT_EQ(report::median({4, 1, 3, 2}), 2.5);
  // Decided once for the project: no values, no median (NaN), not a measured 0.
  EXPECT_TRUE(std::isnan(report::median({})));
}

TEST(Progress, Durations) {
  EXPECT_EQ(format_duration(0.2), "0:00");
  EXPECT_EQ(format_duration(65), "1:05");
  EXPECT_EQ(format_duration(3723), "1:02:03");
}

}  // namespace
}  // namespace fa::sweep
