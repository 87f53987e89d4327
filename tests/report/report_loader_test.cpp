// What the loader keeps from a good report: per-case samples per metric, in microseconds.
#include "report/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fa::report {
namespace {

using nlohmann::json;

json iteration(const std::string& name, double e2e_us, int index) {
  return {{"name", name + "/manual_time"},
          {"run_name", name + "/manual_time"},
          {"run_type", "iteration"},
          {"repetitions", 3},
          {"repetition_index", index},
          {"iterations", 1000},
          {"real_time", e2e_us * 1000},
          {"cpu_time", e2e_us * 900},
          {"time_unit", "ns"},
          {"e2e_us", e2e_us},
          {"host_us", e2e_us / 4},
          {"kernel_us", 4.0},
          {"overhead_us", e2e_us - 4.0},
          {"tflops", 0.5},
          {"gbps", 100.0}};
}

json aggregate(const std::string& name, const std::string& which, double value) {
  return {{"name", name + "/manual_time_" + which},
          {"run_name", name + "/manual_time"},
          {"run_type", "aggregate"},
          {"aggregate_name", which},
          {"repetitions", 3},
          {"iterations", 3},
          {"real_time", value},
          {"cpu_time", value},
          {"time_unit", "ns"}};
}

std::string fa_report_text() {
  const std::string a = "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager";
  const std::string b = "fwd/v2.7.0/b:2/s:50/h:16/d:16/fp16/eager";
  json benchmarks = json::array();
  for (int i = 0; i < 3; ++i) benchmarks.push_back(iteration(a, 40.0 + i, i));
  benchmarks.push_back(aggregate(a, "median", 41000));
  benchmarks.push_back(aggregate(a, "stddev", 0));  // zero spread is not a zero time
  benchmarks.push_back(aggregate(a, "cv", 0));
  for (int i = 0; i < 3; ++i) benchmarks.push_back(iteration(b, 80.0 + i, i));
  json context = {{"fa_versus_schema", 1}, {"gpu_name", "NVIDIA H100"}, {"backend", "cuda"}};
  return json{{"context", context}, {"benchmarks", benchmarks}}.dump();
}

TEST(ReportLoader, KeepsEveryRepetitionPerMetricInMicroseconds) {
  const Report report = parse_report(fa_report_text(), "run.json");
  EXPECT_EQ(report.path, "run.json");
  EXPECT_EQ(report.context_string("gpu_name"), "NVIDIA H100");
  ASSERT_EQ(report.cases.size(), 2u);

  const CaseResult* first = report.find("fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager");
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->key);
  EXPECT_EQ(first->key->variant, "v2.6.3");
  EXPECT_EQ(first->key->batch, 2);
  EXPECT_EQ(*first->samples_of(Metric::e2e), (std::vector<double>{40, 41, 42}));
  EXPECT_EQ(*first->samples_of(Metric::kernel), (std::vector<double>{4, 4, 4}));
  EXPECT_EQ(*first->samples_of(Metric::host), (std::vector<double>{10, 10.25, 10.5}));
  EXPECT_EQ(*first->samples_of(Metric::overhead), (std::vector<double>{36, 37, 38}));
  EXPECT_EQ(first->declared_repetitions, 3u);
  EXPECT_FALSE(first->aggregates_only);
  EXPECT_FALSE(first->error);
}

TEST(ReportLoader, KeepsRealTimeApartFromE2e) {
  // Issue 15 item 11: real_time (a repetition's mean, in its time_unit) is its own metric;
  // e2e is fa-sweep's e2e_us counter when the row has one, real_time only otherwise.
  json row = iteration("fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager", 40, 0);
  row["real_time"] = 55000;  // ns
  json plain = {{"name", "BM_Sort"}, {"real_time", 2.5}, {"time_unit", "ms"}};
  const Report report =
      parse_report(json{{"benchmarks", json::array({row, plain})}}.dump(), "run.json");
  EXPECT_EQ(*report.cases[0].samples_of(Metric::e2e), (std::vector<double>{40}));
  EXPECT_EQ(*report.cases[0].samples_of(Metric::real_time), (std::vector<double>{55}));
  EXPECT_EQ(*report.cases[1].samples_of(Metric::e2e), (std::vector<double>{2500}));
  EXPECT_EQ(*report.cases[1].samples_of(Metric::real_time), (std::vector<double>{2500}));
}

TEST(ReportLoader, ReadsPlainGoogleBenchmarkJsonByRealTimeAndUnit) {
  json benchmarks = json::array();
  const std::pair<const char*, double> units[] = {
      {"ns", 2500}, {"us", 2.5}, {"ms", 0.0025}, {"s", 0.0000025}};
  for (const auto& [unit, value] : units) {
    for (int i = 0; i < 2; ++i) {
      benchmarks.push_back({{"name", std::string("BM_Sort/") + unit + "/repeats:2"},
                            {"run_type", "iteration"},
                            {"real_time", value},
                            {"cpu_time", value},
                            {"time_unit", unit}});
    }
  }
  const Report report = parse_report(
      json{{"context", {{"host_name", "x"}}}, {"benchmarks", benchmarks}}.dump(), "gb.json");
  ASSERT_EQ(report.cases.size(), 4u);
  for (const CaseResult& result : report.cases) {
    EXPECT_FALSE(result.key) << result.name;
    ASSERT_NE(result.samples_of(Metric::e2e), nullptr);
    for (const double us : *result.samples_of(Metric::e2e)) EXPECT_NEAR(us, 2.5, 1e-9);
    EXPECT_EQ(result.samples_of(Metric::kernel), nullptr) << "no counter, no kernel metric";
  }
  EXPECT_NE(report.find("BM_Sort/ms"), nullptr);
}

TEST(ReportLoader, RecognisesAggregatesWithoutRunType) {
  // Old Google Benchmark: no run_type, no run_name; aggregates only by their suffix.
  const std::string text = R"({"benchmarks": [
    {"name": "BM_x/8", "real_time": 10, "cpu_time": 10, "time_unit": "us"},
    {"name": "BM_x/8", "real_time": 12, "cpu_time": 12, "time_unit": "us"},
    {"name": "BM_x/8_mean", "real_time": 11, "cpu_time": 11, "time_unit": "us"},
    {"name": "BM_x/8_stddev", "real_time": 0, "cpu_time": 0, "time_unit": "us"}]})";
  const Report report = parse_report(text, "old.json");
  ASSERT_EQ(report.cases.size(), 1u);
  EXPECT_EQ(*report.cases[0].samples_of(Metric::e2e), (std::vector<double>{10, 12}));
}

TEST(ReportLoader, FallsBackToTheMedianWhenOnlyAggregatesWereKept) {
  const std::string text = R"({"benchmarks": [
    {"name": "BM_x_mean", "run_name": "BM_x", "run_type": "aggregate", "aggregate_name": "mean",
     "real_time": 11, "cpu_time": 11, "time_unit": "us"},
    {"name": "BM_x_median", "run_name": "BM_x", "run_type": "aggregate",
     "aggregate_name": "median", "real_time": 10, "cpu_time": 10, "time_unit": "us"}]})";
  const Report report = parse_report(text, "aggregates.json");
  ASSERT_EQ(report.cases.size(), 1u);
  EXPECT_TRUE(report.cases[0].aggregates_only);
  EXPECT_EQ(*report.cases[0].samples_of(Metric::e2e), (std::vector<double>{10}));
}

TEST(ReportLoader, KeepsAFailedCaseAsAnError) {
  const std::string text = R"({"benchmarks": [
    {"name": "fwd/v2.7.0/b:2/s:50/h:16/d:16/fp16/graph/manual_time", "run_type": "iteration",
     "error_occurred": true, "error_message": "graph capture failed:\nbad", "real_time": 0,
     "time_unit": "ns"}]})";
  const Report report = parse_report(text, "failed.json");
  ASSERT_EQ(report.cases.size(), 1u);
  ASSERT_TRUE(report.cases[0].error);
  EXPECT_EQ(*report.cases[0].error, "graph capture failed: bad");  // one line
  EXPECT_EQ(report.cases[0].samples_of(Metric::e2e), nullptr);
}

TEST(ReportLoader, DropsACounterThatSomeRowsLack) {
  const std::string text = R"({"benchmarks": [
    {"name": "BM_x", "real_time": 10, "time_unit": "us", "kernel_us": 2},
    {"name": "BM_x", "real_time": 11, "time_unit": "us"}]})";
  const Report report = parse_report(text, "partial.json");
  EXPECT_EQ(report.cases[0].samples_of(Metric::kernel), nullptr);
  EXPECT_EQ(report.cases[0].samples_of(Metric::e2e)->size(), 2u);
}

TEST(ReportLoader, KernelAndOverheadMayBeZeroOrNegative) {
  // fa-sweep's floor case: no kernel work; overhead = e2e - kernel from separate calls.
  const std::string text = R"({"benchmarks": [
    {"name": "fwd/empty/b:2/s:50/h:16/d:16/fp16/eager", "real_time": 10, "time_unit": "us",
     "e2e_us": 10, "kernel_us": 0, "overhead_us": 10},
    {"name": "fwd/empty/b:2/s:50/h:16/d:16/fp16/eager", "real_time": 10, "time_unit": "us",
     "e2e_us": 10, "kernel_us": 10.5, "overhead_us": -0.5}]})";
  const Report report = parse_report(text, "floor.json");
  EXPECT_EQ(*report.cases[0].samples_of(Metric::kernel), (std::vector<double>{0, 10.5}));
  EXPECT_EQ(*report.cases[0].samples_of(Metric::overhead), (std::vector<double>{10, -0.5}));
}

TEST(ReportLoader, ReportsWithoutContextGetAnEmptyOne) {
  const Report report =
      parse_report(R"({"benchmarks": [{"name": "a", "real_time": 1, "time_unit": "ms"}]})", "p");
  EXPECT_TRUE(report.context.is_object());
  EXPECT_TRUE(report.context.empty());
  EXPECT_EQ(report.context_string("gpu_name"), "");
}

// A cheap stand-in for the fuzzer: mutated reports either load or throw ReportError; nothing
// else escapes and nothing crashes.
TEST(ReportLoader, MutatedInputsLoadOrFailWithAReportError) {
  const std::string original = fa_report_text();
  std::uint64_t state = 42;
  const auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  const char alphabet[] = "{}[]\",:0123456789-.eEnaNIfinity tru\\\x01\xff";
  int loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = next() % text.size();
      switch (next() % 4) {
        case 0:
          text[at] = alphabet[next() % (sizeof alphabet - 1)];
          break;
        case 1:
          text.erase(at, 1 + next() % 8);
          break;
        case 2:
          text.insert(at, 1, alphabet[next() % (sizeof alphabet - 1)]);
          break;
        default:
          text.resize(at);
      }
      if (text.empty()) text = "x";
    }
    try {
      parse_report(text, "mutated.json");
      ++loaded;
    } catch (const ReportError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind("mutated.json: ", 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
  EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace fa::report

namespace fa::report {
namespace {

TEST(ReportLoader, KeepsPhaseCountersPerIterationRowAndDropsPartialOnes) {
  const std::string name = "fwd/v2.7.0/b:2/s:50/h:16/d:16/fp16/eager";
  json benchmarks = json::array();
  for (int i = 0; i < 3; ++i) {
    json row = iteration(name, 40.0 + i, i);
    row[phase_counter_name("v2.7.0/dispatch")] = 1.5 + i;
    row[phase_counter_name("unattributed")] = 0.25;
    if (i == 0) row[phase_counter_name("only/first")] = 1.0;  // not in every row: dropped
    benchmarks.push_back(row);
  }
  const Report report = parse_report(json{{"benchmarks", benchmarks}}.dump(), "run.json");
  ASSERT_EQ(report.cases.size(), 1u);
  const CaseResult& result = report.cases.front();
  ASSERT_NE(result.phase_samples_of("v2.7.0/dispatch"), nullptr);
  EXPECT_EQ(*result.phase_samples_of("v2.7.0/dispatch"), (std::vector<double>{1.5, 2.5, 3.5}));
  ASSERT_NE(result.phase_samples_of(kUnattributedPhase), nullptr);
  EXPECT_EQ(result.phase_samples_of("only/first"), nullptr);
  EXPECT_EQ(result.phases.size(), 2u);
}

TEST(ReportLoader, RejectsANegativePhaseTimeNamingTheCounter) {
  json row = iteration("fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager", 40.0, 0);
  row[phase_counter_name("core/launch")] = -1.0;
  try {
    parse_report(json{{"benchmarks", json::array({row})}}.dump(), "run.json");
    FAIL() << "a negative phase time was accepted";
  } catch (const ReportError& error) {
    EXPECT_NE(std::string(error.what()).find("phase:core/launch"), std::string::npos)
        << error.what();
  }
}

TEST(PhaseCounter, NamesRoundTrip) {
  EXPECT_EQ(phase_counter_name("core/launch"), "phase:core/launch");
  EXPECT_EQ(phase_of_counter("phase:core/launch").value_or(""), "core/launch");
  EXPECT_FALSE(phase_of_counter("phase:").has_value());
  EXPECT_FALSE(phase_of_counter("e2e_us").has_value());
}

}  // namespace
}  // namespace fa::report
