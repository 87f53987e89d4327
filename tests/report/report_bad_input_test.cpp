// Every kind of bad report gives one ReportError line: "<path>: <problem>".
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "report/report.h"

namespace fa::report {
namespace {

namespace fs = std::filesystem;

// The problem text of the error `parse_report` throws for `text`, checked to be one line that
// starts with the source name.
std::string problem_with(const std::string& text) {
  try {
    parse_report(text, "bad.json");
  } catch (const ReportError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("bad.json: ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(error.path(), "bad.json");
    return message;
  }
  ADD_FAILURE() << "no ReportError for: " << text.substr(0, 200);
  return "";
}

std::string one_row(const std::string& fields) {
  return R"({"benchmarks": [{"name": "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager", )" + fields +
         "}]}";
}

TEST(ReportBadInput, MalformedJson) {
  EXPECT_NE(problem_with(R"({"benchmarks": [)").find("malformed JSON"), std::string::npos);
  EXPECT_NE(problem_with("{,}").find("malformed JSON"), std::string::npos);
  EXPECT_NE(problem_with("").find("empty file"), std::string::npos);
  EXPECT_NE(problem_with("  \n").find("empty file"), std::string::npos);
  EXPECT_NE(problem_with(std::string("{\"benchmarks\": \"\xff\"}")).find("malformed JSON"),
            std::string::npos);
}

TEST(ReportBadInput, NotABenchmarkReport) {
  EXPECT_NE(problem_with(R"({"foo": 1})").find("no \"benchmarks\" array"), std::string::npos);
  EXPECT_NE(problem_with(R"({"benchmarks": {}})").find("no \"benchmarks\" array"),
            std::string::npos);
  EXPECT_NE(problem_with("[1, 2]").find("top level is array"), std::string::npos);
  EXPECT_NE(problem_with(R"("text")").find("not a benchmark report"), std::string::npos);
  EXPECT_NE(problem_with(R"({"benchmarks": []})").find("empty"), std::string::npos);
  EXPECT_NE(problem_with(R"({"context": 3, "benchmarks": [{"name": "a", "real_time": 1,
                            "time_unit": "ns"}]})")
                .find("\"context\" is number"),
            std::string::npos);
  EXPECT_NE(problem_with(R"({"benchmarks": [1]})").find("benchmarks[0] is number"),
            std::string::npos);
  EXPECT_NE(
      problem_with(R"({"benchmarks": [{"real_time": 1, "time_unit": "ns"}]})").find("no \"name\""),
      std::string::npos);
}

TEST(ReportBadInput, ZeroNegativeNanAndInfiniteTimes) {
  EXPECT_NE(problem_with(one_row(R"("real_time": 0, "time_unit": "ns")")).find("real_time is 0"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": -3.5, "time_unit": "ns")"))
                .find("real_time is -3.5; times must be positive"),
            std::string::npos);
  // Google Benchmark writes non-finite doubles as bare tokens, which is not JSON.
  EXPECT_NE(problem_with(one_row(R"("real_time": NaN, "time_unit": "ns")"))
                .find("benchmarks[0] (fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager).real_time is NaN"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": -NaN, "time_unit": "ns")")).find("is NaN"),
            std::string::npos);
  EXPECT_NE(
      problem_with(one_row(R"("real_time": Infinity, "time_unit": "ns")")).find("is infinite"),
      std::string::npos);
  EXPECT_NE(
      problem_with(one_row(R"("real_time": -Infinity, "time_unit": "ns")")).find("is infinite"),
      std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 1e308, "time_unit": "s")")).find("infinite"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 10, "time_unit": "ns", "host_us": 0)"))
                .find("host_us is 0"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 10, "time_unit": "ns", "kernel_us": NaN)"))
                .find("kernel_us is NaN"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 10, "time_unit": "ns", "overhead_us": -Infinity)"))
                .find("overhead_us is infinite"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 10, "time_unit": "ns", "e2e_us": NaN)"))
                .find("e2e_us is NaN"),
            std::string::npos);
}

TEST(ReportBadInput, MissingOrWrongTimeFields) {
  EXPECT_NE(problem_with(one_row(R"("real_time": "fast", "time_unit": "ns")"))
                .find("real_time is string, expected a number"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 1)")).find("no \"time_unit\""), std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 1, "time_unit": "fortnights")"))
                .find("time_unit \"fortnights\" is not one of ns, us, ms, s"),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("time_unit": "ns")")).find("no \"real_time\""),
            std::string::npos);
  EXPECT_NE(problem_with(one_row(R"("real_time": 1, "time_unit": "ns", "run_type": "other")"))
                .find("run_type is \"other\""),
            std::string::npos);
}

TEST(ReportBadInput, OtherSchemaVersion) {
  EXPECT_NE(problem_with(R"({"context": {"fa_versus_schema": 2}, "benchmarks": [
                             {"name": "a", "real_time": 1, "time_unit": "ns"}]})")
                .find("fa_versus_schema is 2"),
            std::string::npos);
}

TEST(ReportBadInput, DuplicateKeysAreRefusedWithTheKeyAndTheRow) {
  // Issue 15: nlohmann kept the last of two values silently.
  const std::string row = R"({"name": "a", "real_time": 1, "time_unit": "ns"})";
  const std::string twice =
      R"({"name": "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager", "real_time": 1, "real_time": 900,
          "time_unit": "ns"})";
  EXPECT_NE(problem_with(R"({"benchmarks": [)" + row + "," + twice + "]}")
                .find("benchmarks[1] (fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager): key "
                      "\"real_time\" appears twice"),
            std::string::npos);
  EXPECT_NE(problem_with(R"({"context": {"gpu_name": "A", "gpu_name": "B"}, "benchmarks": [)" +
                         row + "]}")
                .find("bad.json: context: key \"gpu_name\" appears twice"),
            std::string::npos);
  EXPECT_NE(problem_with(R"({"benchmarks": [)" + row + R"(], "benchmarks": [)" + row + "]}")
                .find("(top level): key \"benchmarks\" appears twice"),
            std::string::npos);
  // Deeper, and the same key in different objects is fine.
  EXPECT_NE(problem_with(R"({"benchmarks": [{"name": "a", "x": {"k": [1, {"q": 1, "q": 2}]},
                            "real_time": 1, "time_unit": "ns"}]})")
                .find("benchmarks[0].x.k[1]: key \"q\" appears twice"),
            std::string::npos);
  EXPECT_NO_THROW(parse_report(R"({"benchmarks": [)" + row + "," + row + "]}", "ok.json"));
}

TEST(ReportBadInput, HostileShapesAreBounded) {
  // Deep nesting: refused before any recursive walk could exhaust the stack.
  const std::string deep =
      "{\"benchmarks\": " + std::string(200000, '[') + std::string(200000, ']') + "}";
  EXPECT_NE(problem_with(deep).find("nested deeper than"), std::string::npos);
  // A control character in a name would break one-line messages and tables.
  EXPECT_NE(problem_with(R"({"benchmarks": [{"name": "a\nb", "real_time": 1, "time_unit": "ns"}]})")
                .find("control character"),
            std::string::npos);
  // Too many rows for one case: the statistics' cost stays bounded.
  std::string rows;
  for (std::size_t i = 0; i <= kMaxSamplesPerCase; ++i) {
    rows += std::string(i == 0 ? "" : ",") + R"({"name":"a","real_time":1,"time_unit":"ns"})";
  }
  EXPECT_NE(problem_with("{\"benchmarks\": [" + rows + "]}").find("more than"), std::string::npos);
}

class ReportFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fa-report-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  // The one-line message load_report throws for `path`.
  static std::string load_problem(const std::string& path) {
    try {
      load_report(path);
    } catch (const ReportError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      return message;
    }
    ADD_FAILURE() << "no ReportError for " << path;
    return "";
  }
  fs::path dir_;
};

TEST_F(ReportFiles, LoadsAGoodFile) {
  const std::string path =
      write("good.json", R"({"benchmarks": [{"name": "a", "real_time": 1, "time_unit": "ns"}]})");
  EXPECT_EQ(load_report(path).path, path);
}

TEST_F(ReportFiles, MissingFile) {
  EXPECT_NE(load_problem((dir_ / "absent.json").string()).find("no such file"), std::string::npos);
}

TEST_F(ReportFiles, DirectoryInsteadOfFile) {
  fs::create_directory(dir_ / "folder.json");
  EXPECT_NE(load_problem((dir_ / "folder.json").string()).find("is a directory"),
            std::string::npos);
}

TEST_F(ReportFiles, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: permissions do not stop reads";
  const std::string path = write("locked.json", "{}");
  fs::permissions(path, fs::perms::none);
  EXPECT_NE(load_problem(path).find("cannot read"), std::string::npos);
}

TEST_F(ReportFiles, FifoIsRefusedWithoutBlocking) {
  const std::string path = (dir_ / "pipe.json").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_NE(load_problem(path).find("not a regular file"), std::string::npos);
}

TEST_F(ReportFiles, FileLargerThanTheLimitIsRefusedAsALimit) {
  // Issue 15 item 8: the message says it is a limit, with its value. A sparse file: refused by
  // its size, before anything is read.
  const std::string path = write("huge.json", "");
  fs::resize_file(path, kMaxReportBytes + 1);
  const std::string problem = load_problem(path);
  EXPECT_NE(problem.find(fmt::format("larger than the {} MiB limit", kMaxReportBytes >> 20)),
            std::string::npos)
      << problem;
  EXPECT_EQ(problem.find("not a benchmark report"), std::string::npos) << problem;
}

TEST_F(ReportFiles, FaSweepsLargeReportsLoad) {
  // Issue 15 item 8: a 900-batch grid at 10 repetitions wrote 18.7 MB and the 16 MiB limit refused
  // it (its rows carry more counters). fa-sweep's iteration rows, 3,200 cases x 10: 19 MB.
  std::string text = R"({"benchmarks": [)";
  bool first = true;
  constexpr int kBatches = 1600;
  constexpr int kRepetitions = 10;
  for (int batch = 1; batch <= kBatches; ++batch) {
    for (const char* variant : {"v2.6.3", "v2.7.0"}) {
      const std::string name =
          fmt::format("fwd/{}/b:{}/s:300/h:16/d:16/fp16/eager", variant, batch);
      for (int repetition = 0; repetition < kRepetitions; ++repetition) {
        text += fmt::format(
            R"({}{{"name": "{}/manual_time", "family_index": {}, "per_family_instance_index": 0,
  "run_name": "{}/manual_time", "run_type": "iteration", "repetitions": {},
  "repetition_index": {}, "threads": 1, "iterations": 11822, "real_time": 17.840320250380607,
  "cpu_time": 18.438426323803135, "time_unit": "us", "e2e_us": 17.527,
  "gbps": 233.41247981764656, "host_us": 9.084, "kernel_us": 5.2645,
  "overhead_us": 12.262500000000001, "tflops": 35.01187197264698, "label": "{}"}})",
            first ? "" : ",\n", name, batch, name, kRepetitions, repetition, name);
        first = false;
      }
    }
  }
  text += "]}";
  ASSERT_GT(text.size(), std::size_t{18} << 20);  // above the old 16 MiB limit
  const std::string path = write("large.json", text);
  const Report report = load_report(path);
  ASSERT_EQ(report.cases.size(), std::size_t{2 * kBatches});
  EXPECT_EQ(report.cases.back().samples_of(Metric::e2e)->size(), std::size_t{kRepetitions});
}

}  // namespace
}  // namespace fa::report
