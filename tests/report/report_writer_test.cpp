// The report writer: Google Benchmark's JSON format, read back by the loader; typed case status;
// context keys the harness sets cannot be overridden by a user's --benchmark_context.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "report/context_keys.h"
#include "report/lenient_json.h"
#include "report/report.h"
#include "report/report_writer.h"
#include "report/text.h"

namespace fa::report {
namespace {

using nlohmann::ordered_json;

ReportRow iteration(const std::string& case_name, int index, double e2e_us) {
  ReportRow row;
  row.name = case_name + "/manual_time";
  row.run_name = row.name;
  row.family_index = 3;
  row.repetitions = 3;
  row.repetition_index = index;
  row.iterations = 64;
  row.real_time = e2e_us + 0.5;
  row.cpu_time = e2e_us + 0.25;
  row.counters = {{"e2e_us", e2e_us}, {"host_us", e2e_us / 2},
                  {"kernel_us", 4.0}, {"overhead_us", e2e_us - 4.0},
                  {"tflops", 0.5},    {"phase:v2.7.0/dispatch", 1.25}};
  row.label = case_name;
  return row;
}

ReportDocument document() {
  ReportDocument document;
  document.context = {
      {"date", "2026-12-02T04:27:45+00:00", ContextSource::benchmark_library},
      {"host_name", "vm", ContextSource::benchmark_library},
      {"num_cpus", 2, ContextSource::benchmark_library},
      {"caches", ordered_json::array({ordered_json{{"type", "Data"}, {"level", 1}}}),
       ContextSource::benchmark_library},
      {std::string(kSchemaVersionKey), kReportSchemaVersion, ContextSource::harness},
      {"gpu_name", "none (cpu backend)", ContextSource::harness},
      {"backend", "cpu", ContextSource::harness},
      {"ab_round", "01", ContextSource::user},
  };
  const std::string name = "fwd/v2.7.0/b:2/s:50/h:4/d:16/fp16/eager";
  for (int i = 0; i < 3; ++i) document.rows.push_back(iteration(name, i, 20.0 + i));
  ReportRow median = iteration(name, 0, 21.0);
  median.name = name + "/manual_time_median";
  median.run_type = RunType::aggregate;
  median.aggregate_name = "median";
  median.aggregate_unit = "time";
  document.rows.push_back(median);
  ReportRow cv = median;
  cv.name = name + "/manual_time_cv";
  cv.aggregate_name = "cv";
  cv.aggregate_unit = "percentage";
  cv.counters["tflops"] = std::nan("");  // an all-equal counter's cv can be 0/0
  cv.counters["gbps"] = -INFINITY;
  document.rows.push_back(cv);

  ReportRow skipped;
  skipped.name = "fwd/sdpa-flash/b:2/s:50/h:4/d:16/fp16/eager/manual_time";
  skipped.run_name = skipped.name;
  skipped.label = "fwd/sdpa-flash/b:2/s:50/h:4/d:16/fp16/eager";
  skipped.status = CaseStatus::skipped("needs the CUDA backend");
  document.rows.push_back(skipped);
  ReportRow failed = skipped;
  failed.name = "fwd/v2.6.3/b:9/s:50/h:4/d:16/fp16/eager/manual_time";
  failed.run_name = failed.name;
  failed.label = "fwd/v2.6.3/b:9/s:50/h:4/d:16/fp16/eager";
  failed.status = CaseStatus::failed("out of memory");
  document.rows.push_back(failed);
  return document;
}

ordered_json written(const ReportDocument& doc) {
  return ordered_json::parse(quote_non_finite_tokens(format_report(doc), 64));
}

std::vector<std::string> keys_of(const ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

TEST(ReportWriter, RoundTripThroughTheLoader) {
  const Report report = parse_report(format_report(document()), "written.json");
  ASSERT_EQ(report.cases.size(), 3u);
  const CaseResult* measured = report.find("fwd/v2.7.0/b:2/s:50/h:4/d:16/fp16/eager");
  ASSERT_NE(measured, nullptr);
  EXPECT_EQ(*measured->samples_of(Metric::e2e), (std::vector<double>{20, 21, 22}));
  EXPECT_EQ(*measured->samples_of(Metric::host), (std::vector<double>{10, 10.5, 11}));
  EXPECT_EQ(*measured->samples_of(Metric::kernel), (std::vector<double>{4, 4, 4}));
  EXPECT_EQ(*measured->phase_samples_of("v2.7.0/dispatch"),
            (std::vector<double>{1.25, 1.25, 1.25}));
  EXPECT_EQ(measured->declared_repetitions, 3u);
  EXPECT_EQ(measured->status, CaseStatus::ok());
  EXPECT_EQ(report.context_string("gpu_name"), "none (cpu backend)");
  EXPECT_EQ(report.context_string("ab_round"), "01");
  EXPECT_EQ(report.context.at("fa_versus_schema"), kReportSchemaVersion);
}

TEST(ReportWriter, CaseStatusIsTyped) {
  const Report report = parse_report(format_report(document()), "written.json");
  const CaseResult* skipped = report.find("fwd/sdpa-flash/b:2/s:50/h:4/d:16/fp16/eager");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ(skipped->status.state, CaseState::skipped);
  EXPECT_EQ(skipped->samples.size(), 0u);
  const CaseResult* failed = report.find("fwd/v2.6.3/b:9/s:50/h:4/d:16/fp16/eager");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->status.state, CaseState::failed);
  ASSERT_TRUE(failed->error);
  EXPECT_EQ(*failed->error, "failed: out of memory");

  // Google Benchmark's readers see error rows as they always did.
  const ordered_json json = written(document());
  const ordered_json& row = json["benchmarks"][5];
  EXPECT_EQ(row["error_occurred"], true);
  EXPECT_EQ(row["error_message"], "skipped: needs the CUDA backend");
  EXPECT_EQ(row["case_status"], "skipped");
  EXPECT_FALSE(json["benchmarks"][0].contains("error_occurred"));
  EXPECT_FALSE(json["benchmarks"][0].contains("case_status"));

  // A row with error_occurred and an unknown case_status is refused by the loader.
  std::string text = format_report(document());
  text.replace(text.find("\"case_status\": \"skipped\""), 24, "\"case_status\": \"sometimes\"");
  EXPECT_THROW(parse_report(text, "bad.json"), ReportError);
}

TEST(ReportWriter, GoogleBenchmarkFieldsInItsOrder) {
  const ordered_json json = written(document());
  EXPECT_EQ(keys_of(json), (std::vector<std::string>{"context", "benchmarks"}));
  EXPECT_EQ(keys_of(json["benchmarks"][0]),
            (std::vector<std::string>{"name", "family_index", "per_family_instance_index",
                                      "run_name", "run_type", "repetitions", "repetition_index",
                                      "threads", "iterations", "real_time", "cpu_time", "time_unit",
                                      "e2e_us", "host_us", "kernel_us", "overhead_us",
                                      "phase:v2.7.0/dispatch", "tflops", "label"}));
  EXPECT_EQ(keys_of(json["benchmarks"][3]),
            (std::vector<std::string>{"name",       "family_index",   "per_family_instance_index",
                                      "run_name",   "run_type",       "repetitions",
                                      "threads",    "aggregate_name", "aggregate_unit",
                                      "iterations", "real_time",      "cpu_time",
                                      "time_unit",  "e2e_us",         "host_us",
                                      "kernel_us",  "overhead_us",    "phase:v2.7.0/dispatch",
                                      "tflops",     "label"}));
  const std::vector<std::string> error_keys = keys_of(json["benchmarks"][6]);
  EXPECT_EQ(std::vector<std::string>(error_keys.begin() + 8, error_keys.begin() + 11),
            (std::vector<std::string>{"error_occurred", "error_message", "case_status"}));
  EXPECT_EQ(json["benchmarks"][0]["run_type"], "iteration");
  EXPECT_EQ(json["benchmarks"][3]["run_type"], "aggregate");
  EXPECT_EQ(json["benchmarks"][0]["time_unit"], "us");
  EXPECT_EQ(json["benchmarks"][0]["real_time"], 20.5);
  // Library fields first in their order, then the harness's and the user's sorted by key, as
  // Google Benchmark keeps its custom context in a std::map.
  EXPECT_EQ(keys_of(json["context"]),
            (std::vector<std::string>{"date", "host_name", "num_cpus", "caches", "ab_round",
                                      "backend", "fa_versus_schema", "gpu_name"}));
  EXPECT_EQ(keys_of(json["context"]["caches"][0]), (std::vector<std::string>{"type", "level"}));
}

TEST(ReportWriter, NonFiniteNumbersAreBareAsGoogleBenchmarkWritesThem) {
  const std::string text = format_report(document());
  EXPECT_NE(text.find("\"tflops\": NaN"), std::string::npos) << text;
  EXPECT_NE(text.find("\"gbps\": -Infinity"), std::string::npos) << text;
  EXPECT_EQ(text.find("fa-non-finite"), std::string::npos);
  EXPECT_EQ(text.find("null"), std::string::npos);
  EXPECT_NO_THROW(parse_report(text, "nan.json"));
  // A string that looks like the placeholder stays a string.
  ReportDocument doc = document();
  doc.context.push_back({"note_from_user",
                         "\x01"
                         "fa-non-finite-0:NaN",
                         ContextSource::user});
  EXPECT_EQ(written(doc)["context"]["note_from_user"],
            "\x01"
            "fa-non-finite-0:NaN");
}

TEST(ReportWriter, ContextKeysTheHarnessSetsCannotBeOverridden) {
  for (const char* key : {"gpu_name", "fa_versus_schema", "date", "git_commit", "backend"}) {
    SCOPED_TRACE(key);
    ReportDocument forged = document();
    forged.context.push_back({key, "forged", ContextSource::user});
    EXPECT_EQ(colliding_user_keys(forged.context), std::vector<std::string>{key});
    try {
      format_report(forged);
      ADD_FAILURE() << "accepted a user " << key;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(key), std::string::npos) << error.what();
    }
  }
  ReportDocument twice = document();
  twice.context.push_back({"backend", "cuda", ContextSource::harness});
  EXPECT_THROW(format_report(twice), std::invalid_argument);
  ReportDocument no_schema = document();
  no_schema.context.erase(no_schema.context.begin() + 4);
  EXPECT_THROW(format_report(no_schema), std::invalid_argument);
  EXPECT_TRUE(colliding_user_keys(document().context).empty());
}

TEST(ReportWriter, WritesTheFileWholeAndLeavesNoTemporary) {
  char dir_template[] = "/tmp/report_writer_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/r.json";
  write_report(path, document());
  const Report report = load_report(path);
  EXPECT_EQ(report.cases.size(), 3u);
  ReportDocument forged = document();
  forged.context.push_back({"gpu_name", "forged", ContextSource::user});
  EXPECT_THROW(write_report(path, forged), std::invalid_argument);
  EXPECT_EQ(load_report(path).context_string("gpu_name"), "none (cpu backend)");  // kept
  std::remove(path.c_str());
  EXPECT_EQ(::rmdir(dir_template), 0) << "a temporary file was left behind";
}

TEST(ContextKeys, RequiredKeysAreHarnessKeys) {
  for (const std::string_view key : required_context_keys()) {
    EXPECT_TRUE(is_harness_context_key(key)) << key;
  }
  EXPECT_TRUE(is_harness_context_key(kSchemaVersionKey));
  EXPECT_FALSE(is_harness_context_key("ab_round"));
}

TEST(Text, OneLineAndJoin) {
  EXPECT_EQ(one_line("graph capture failed:\nbad\t"), "graph capture failed: bad");
  EXPECT_EQ(one_line("abcdef", 3), "abc...");
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join({}, ","), "");
}

}  // namespace
}  // namespace fa::report
