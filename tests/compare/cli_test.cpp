// fa-compare as a subprocess: exit codes, outputs, and one line per bad input.
#include <filesystem>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace fa::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kCase = "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager";

class CompareCli : public FaCompareCli {
 protected:
  // Two one-case runs, the contender `factor` times the baseline, 1% noise.
  std::pair<std::string, std::string> two_runs(double factor) {
    return {
        write("base.json", make_report({{kCase, noisy_samples(40, 0.01, 10, 1), {}, {}}})),
        write("new.json", make_report({{kCase, noisy_samples(40 * factor, 0.01, 10, 2), {}, {}}}))};
  }
};

TEST_F(CompareCli, RegressionExitsOneOnlyWithFailOnRegression) {
  const auto [base, contender] = two_runs(1.2);
  const ProcessResult plain = fa_compare({base, contender});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("slower"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("1 case: 1 slower"), std::string::npos) << plain.out;
  // One report per side: the gate needs --trust-single-run (issue 18), see the test below.
  const ProcessResult gated =
      fa_compare({base, contender, "--fail-on", "regression", "--trust-single-run"});
  EXPECT_EQ(gated.exit_code, 1) << gated.err;
  EXPECT_EQ(fa_compare({base, contender, "--fail-on", "never"}).exit_code, 0);
}

TEST_F(CompareCli, ASingleRunPerSideOnlyWarnsOnRegressionAndSaysWhy) {
  const auto [base, contender] = two_runs(1.2);
  const ProcessResult gated = fa_compare({base, contender, "--fail-on", "regression"});
  EXPECT_EQ(gated.exit_code, 0) << gated.err;
  EXPECT_NE(gated.err.find("warning: 1 case(s) slower, but one report per side cannot account "
                           "for between-run noise"),
            std::string::npos)
      << gated.err;
  EXPECT_NE(gated.out.find("between-run noise: NOT accounted for"), std::string::npos) << gated.out;
  const ProcessResult as_json = fa_compare({base, contender, "--format", "json"});
  const json report = json::parse(as_json.out);
  EXPECT_TRUE(report["single_run"].get<bool>());
  EXPECT_NE(report["between_run_noise"].get<std::string>().find("NOT accounted for"),
            std::string::npos);
  const ProcessResult markdown = fa_compare({base, contender, "--format", "markdown"});
  EXPECT_NE(markdown.out.find("Between-run noise: NOT accounted for"), std::string::npos);
  // The same two files given as --base/--head (one each) are the same single-run comparison.
  EXPECT_EQ(fa_compare({"--base", base, "--head", contender, "--fail-on", "regression"}).exit_code,
            0);
}

TEST_F(CompareCli, ImprovementsAndSameRunsNeverFail) {
  const auto [base, faster] = two_runs(0.8);
  EXPECT_EQ(fa_compare({base, faster, "--fail-on", "regression"}).exit_code, 0);
  const auto [base2, same] = two_runs(1.0);
  const ProcessResult result = fa_compare({base2, same, "--fail-on", "regression"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("1 same"), std::string::npos) << result.out;
}

TEST_F(CompareCli, NoColourWhenStdoutIsNotATerminal) {
  const auto [base, contender] = two_runs(1.2);
  EXPECT_EQ(fa_compare({base, contender}).out.find('\033'), std::string::npos);
}

TEST_F(CompareCli, ComparesVariantsOfOneRunWithSummaries) {
  const std::string run = grid_run();
  const ProcessResult result =
      fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report["cases"].size(), 12u);
  EXPECT_EQ(report["verdict_counts"]["slower"], 4);
  EXPECT_EQ(report["verdict_counts"]["same"], 8);
  std::map<int, json> crossover;
  for (const json& group : report["groups"]) {
    crossover[group["seqlen"].get<int>()] = group["crossover_batch"];
  }
  EXPECT_EQ(crossover[50], 16);
  EXPECT_EQ(crossover[150], 4);
  EXPECT_EQ(crossover[300], 2);
  const json& s50 = report["groups"][0];
  ASSERT_EQ(s50["group"], "s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(s50["recommendations"][0]["use"], "v2.6.3");
  EXPECT_EQ(s50["recommendations"][3]["use"], "either");

  const json& first = report["cases"][0];
  EXPECT_EQ(first["name"], "b:2/s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(first["verdict"], "slower");
  for (const char* field : {"ratio", "ci_low", "ci_high"}) EXPECT_TRUE(first[field].is_number());
  EXPECT_TRUE(first["test"]["p_value"].is_number());
  EXPECT_EQ(first["baseline"]["samples"], 10);
  EXPECT_TRUE(first["baseline"]["kernel_median_us"].is_number());
  EXPECT_EQ(report["settings"]["threshold"], 0.05);

  // The same kernel underneath: by kernel time nothing differs.
  const ProcessResult kernel = fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0",
                                           "--metric", "kernel", "--format", "json"});
  ASSERT_EQ(kernel.exit_code, 0) << kernel.err;
  EXPECT_EQ(json::parse(kernel.out)["verdict_counts"]["same"], 12);
}

TEST_F(CompareCli, OutputIsReproducible) {
  const std::string run = grid_run();
  const std::vector<std::string> args = {run,      "--baseline", "v2.6.3", "--contender",
                                         "v2.7.0", "--format",   "json"};
  EXPECT_EQ(fa_compare(args).out, fa_compare(args).out);
}

TEST_F(CompareCli, MarkdownHasTheTableAndTheSummaries) {
  const std::string run = grid_run();
  const ProcessResult result =
      fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0", "--format", "markdown"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string& md = result.out;
  EXPECT_EQ(md.rfind("## fa-compare: v2.7.0 vs v2.6.3 (e2e)", 0), 0u) << md;
  EXPECT_NE(md.find("| case | v2.6.3 us | v2.7.0 us | ratio | 95% CI | change | p | verdict |"),
            std::string::npos);
  EXPECT_NE(md.find("| b:2/s:50/h:16/d:16/fp16/eager |"), std::string::npos);
  EXPECT_NE(md.find("**slower**"), std::string::npos);
  EXPECT_NE(md.find("### Per group"), std::string::npos);
  EXPECT_NE(md.find("| s:50/h:16/d:16/fp16/eager | "), std::string::npos);
  EXPECT_NE(md.find("### Which to use"), std::string::npos);
  EXPECT_NE(md.find("| group \\ batch | 2 | 4 | 8 | 16 |"), std::string::npos);
}

TEST_F(CompareCli, OutputFileReplacesStdoutAndLeavesNoTemporary) {
  const auto [base, contender] = two_runs(1.2);
  const std::string out = path("compare.md");
  const ProcessResult result =
      fa_compare({base, contender, "--format", "markdown", "--output", out});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.empty());
  EXPECT_NE(read_file(out).find("## fa-compare"), std::string::npos);
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos);
  }
}

TEST_F(CompareCli, ThresholdTakesAPercentageOrAFraction) {
  const auto [base, contender] = two_runs(1.08);
  const auto verdicts = [&](const std::string& threshold) {
    const ProcessResult result =
        fa_compare({base, contender, "--threshold", threshold, "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out)["cases"][0]["verdict"].get<std::string>();
  };
  EXPECT_EQ(verdicts("5%"), "slower");
  EXPECT_EQ(verdicts("0.05"), "slower");
  EXPECT_EQ(verdicts("10%"), "same");
  EXPECT_EQ(verdicts("0.1"), "same");
}

TEST_F(CompareCli, ReadsPlainGoogleBenchmarkJsonByName) {
  const auto rows = [](double center, std::uint64_t seed) {
    json benchmarks = json::array();
    for (const double t : noisy_samples(center, 0.01, 10, seed)) {
      benchmarks.push_back({{"name", "BM_Sort/1024/repeats:10"},
                            {"run_name", "BM_Sort/1024/repeats:10"},
                            {"run_type", "iteration"},
                            {"real_time", t},
                            {"cpu_time", t},
                            {"time_unit", "ms"}});
    }
    return json{{"context", {{"host_name", "box"}}}, {"benchmarks", benchmarks}}.dump();
  };
  const std::string base = write("gb_base.json", rows(2.0, 1));
  const std::string contender = write("gb_new.json", rows(3.0, 2));
  const ProcessResult result = fa_compare({base, contender, "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report["cases"][0]["name"], "BM_Sort/1024");
  EXPECT_NEAR(report["cases"][0]["baseline"]["median_us"].get<double>(), 2000, 20);
  EXPECT_EQ(report["cases"][0]["verdict"], "slower");
  EXPECT_TRUE(report["groups"].empty());
  EXPECT_EQ(report["baseline"]["label"], "gb_base");
}

TEST_F(CompareCli, StrictRefusesDifferentGpusWhereTheDefaultWarns) {
  const auto samples = noisy_samples(40, 0.01, 10, 1);
  const std::string h100 =
      write("h100.json", make_report({{kCase, samples, {}, {}}}, fa_context("NVIDIA H100")));
  const std::string a100 =
      write("a100.json", make_report({{kCase, samples, {}, {}}}, fa_context("NVIDIA A100")));
  const ProcessResult lenient = fa_compare({h100, a100});
  EXPECT_EQ(lenient.exit_code, 0);
  EXPECT_NE(lenient.err.find("warning: " + a100 + ": context.gpu_name"), std::string::npos)
      << lenient.err;
  const ProcessResult strict = fa_compare({h100, a100, "--strict"});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find("--strict refuses"), std::string::npos) << strict.err;
  // Within one run there is nothing to refuse.
  EXPECT_EQ(fa_compare({grid_run(), "--baseline", "v2.6.3", "--contender", "v2.7.0", "--strict"})
                .exit_code,
            0);
}

TEST_F(CompareCli, MetricRealTimeTestsGoogleBenchmarksFieldNotTheMedian) {
  // Issue 15 item 11: the medians (e2e_us) agree, but a few slow calls per repetition raise the
  // contender's means (real_time, what compare.py tests) by 20%: the two metrics disagree.
  const auto with_real_time = [](const std::vector<double>& e2e_us, double mean_factor) {
    json report = json::parse(make_report({{kCase, e2e_us, {}, {}}}));
    for (json& row : report["benchmarks"]) {
      if (row["run_type"] == "iteration") {
        row["real_time"] = row["e2e_us"].get<double>() * mean_factor * 1000;  // ns
      }
    }
    return report.dump();
  };
  const std::string base = write("base.json", with_real_time(noisy_samples(40, 0.01, 10, 1), 1));
  const std::string contender =
      write("new.json", with_real_time(noisy_samples(40, 0.01, 10, 2), 1.2));
  const auto verdict_of = [&](const char* metric) {
    const ProcessResult result =
        fa_compare({base, contender, "--metric", metric, "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const json comparison = json::parse(result.out);
    EXPECT_EQ(comparison["settings"]["metric"], metric);
    return comparison["cases"][0]["verdict"].get<std::string>();
  };
  EXPECT_EQ(verdict_of("e2e"), "same");
  EXPECT_EQ(verdict_of("real_time"), "slower");
}

TEST_F(CompareCli, AContextFieldMissingOnOneSideIsAMismatch) {
  // Issue 15 item 9: deleting gpu_name from one report must not pass --strict.
  const auto samples = noisy_samples(40, 0.01, 10, 1);
  nlohmann::json stripped = fa_context();
  stripped.erase("gpu_name");
  const std::string full = write("full.json", make_report({{kCase, samples, {}, {}}}));
  const std::string bare = write("bare.json", make_report({{kCase, samples, {}, {}}}, stripped));
  const ProcessResult strict = fa_compare({full, bare, "--strict"});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find("context.gpu_name (GPU) is missing"), std::string::npos) << strict.err;
  const ProcessResult lenient = fa_compare({full, bare});
  EXPECT_EQ(lenient.exit_code, 0);
  EXPECT_NE(lenient.err.find("warning: " + bare + ": context.gpu_name (GPU) is missing"),
            std::string::npos)
      << lenient.err;
}

TEST_F(CompareCli, AllOutputsOrNone) {
  // Issue 15 item 5: an --output that cannot be written leaves no --html behind either.
  const auto [base, contender] = two_runs(1.2);
  const std::string html = path("p.html");
  const ProcessResult result =
      fa_compare({base, contender, "--html", html, "--output", "/nonexistent/x.txt"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("/nonexistent/x.txt"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(html));
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
  // Both writable: both written.
  const std::string text = path("x.txt");
  ASSERT_EQ(fa_compare({base, contender, "--html", html, "--output", text}).exit_code, 0);
  EXPECT_TRUE(fs::exists(html));
  EXPECT_TRUE(fs::exists(text));
}

TEST_F(CompareCli, HelpGivesAnExamplePerFlag) {
  const ProcessResult result = fa_compare({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* flag :
       {"--baseline", "--contender", "--metric", "--threshold", "--alpha", "--format", "--output",
        "--html", "--fail-on", "--strict", "--base", "--head", "--correction", "--plan-effect",
        "--trust-single-run", "--allow-failed-cases"}) {
    const std::size_t at = result.out.find(flag);
    ASSERT_NE(at, std::string::npos) << flag;
    EXPECT_NE(result.out.find("e.g. " + std::string(flag), at), std::string::npos) << flag;
  }
  EXPECT_NE(result.out.find("Exit codes"), std::string::npos);
  // Issue 15 item 8: the loader's limits are stated as limits, with their values.
  EXPECT_NE(result.out.find("Limits: a report file of at most 512 MiB, at most 100000 iteration "
                            "rows (repetitions) per case"),
            std::string::npos)
      << result.out;
}

// --- Bad input and usage: exit 2, one line on stderr naming the file or flag, nothing written.

struct BadCase {
  std::string what;
  std::vector<std::string> args;  // "{dir}" is replaced by the temporary folder
  std::string expected;           // a part of the error line, "{dir}" replaced too
};

// Test names show what the case is, not the parameter's bytes.
void PrintTo(const BadCase& bad, std::ostream* out) {
  *out << bad.what;
}

class CompareCliBadInput : public CompareCli, public ::testing::WithParamInterface<BadCase> {
 protected:
  void SetUp() override {
    const auto good = [](double center, std::uint64_t seed) {
      return SyntheticCase{kCase, noisy_samples(center, 0.01, 10, seed), {}, {}};
    };
    const std::string other_case = "fwd/v2.6.3/b:4/s:50/h:16/d:16/fp16/eager";
    write("base.json", make_report({good(40, 1)}));
    write("new.json", make_report({good(48, 2)}));
    write("two_cases.json",
          make_report({good(40, 3), {other_case, noisy_samples(80, 0.01, 10, 4), {}, {}}}));
    write("other.json", make_report({{"fwd/v2.6.3/b:512/s:50/h:16/d:16/fp16/eager",
                                      noisy_samples(40, 0.01, 10, 5),
                                      {},
                                      {}}}));
    write("malformed.json", R"({"benchmarks": [{"name": "x", "real_time": )");
    write("not_report.json", R"({"name": "not a benchmark report"})");
    const auto row = [](const std::string& time) {
      return R"({"benchmarks": [{"name": ")" + kCase + R"(", "real_time": )" + time +
             R"(, "time_unit": "ns"}]})";
    };
    write("zero.json", row("0"));
    write("negative.json", row("-5"));
    write("nan.json", row("NaN"));
    write("gb.json",
          R"({"benchmarks": [{"name": ")" + kCase + R"(", "real_time": 5, "time_unit": "ns"}]})");
    fs::create_directory(dir_.path() / "folder.json");
    write("a100.json", make_report({good(40, 6)}, fa_context("NVIDIA A100")));
  }

  std::string expand(std::string text) const {
    for (std::size_t at; (at = text.find("{dir}")) != std::string::npos;) {
      text.replace(at, 5, dir_.path().string());
    }
    return text;
  }
};

TEST_P(CompareCliBadInput, ExitsTwoWithOneLineAndWritesNothing) {
  const BadCase& bad = GetParam();
  std::vector<std::string> args;
  for (const std::string& arg : bad.args) args.push_back(expand(arg));
  const std::string html = path("out.html");
  const std::string text = path("out.txt");
  if (bad.what.rfind("usage", 0) != 0) {
    args.insert(args.end(), {"--html", html, "--output", text});
  }
  std::set<std::string> before;
  for (const auto& entry : fs::directory_iterator(dir_.path())) before.insert(entry.path());

  const ProcessResult result = fa_compare(args);
  EXPECT_EQ(result.exit_code, 2) << bad.what << "\n" << result.out << result.err;
  ASSERT_FALSE(result.err.empty()) << bad.what;
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "not one line: " << result.err;
  EXPECT_NE(result.err.find(expand(bad.expected)), std::string::npos)
      << bad.what << ": " << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;

  std::set<std::string> after;
  for (const auto& entry : fs::directory_iterator(dir_.path())) after.insert(entry.path());
  EXPECT_EQ(before, after) << bad.what << ": something was written";
}

INSTANTIATE_TEST_SUITE_P(
    Issue4, CompareCliBadInput,
    ::testing::Values(
        BadCase{"missing file",
                {"{dir}/absent.json", "{dir}/new.json"},
                "fa-compare: {dir}/absent.json: no such file"},
        BadCase{"unreadable file (a directory)",
                {"{dir}/base.json", "{dir}/folder.json"},
                "{dir}/folder.json: is a directory"},
        BadCase{"malformed JSON",
                {"{dir}/base.json", "{dir}/malformed.json"},
                "{dir}/malformed.json: malformed JSON: parse error"},
        BadCase{"not a report",
                {"{dir}/not_report.json", "{dir}/new.json"},
                "{dir}/not_report.json: not a benchmark report: no \"benchmarks\" array"},
        BadCase{"no common cases",
                {"{dir}/base.json", "{dir}/other.json"},
                "{dir}/other.json: no case in common with {dir}/base.json"},
        BadCase{"case on one side only",
                {"{dir}/two_cases.json", "{dir}/new.json"},
                "{dir}/new.json: lacks 1 case(s) that {dir}/two_cases.json has: "
                "fwd/v2.6.3/b:4/s:50/h:16/d:16/fp16/eager"},
        BadCase{"case on the other side only",
                {"{dir}/new.json", "{dir}/two_cases.json"},
                "{dir}/new.json: lacks 1 case(s)"},
        BadCase{"zero time",
                {"{dir}/base.json", "{dir}/zero.json"},
                "{dir}/zero.json: benchmarks[0] (" + kCase + ").real_time is 0"},
        BadCase{"negative time",
                {"{dir}/negative.json", "{dir}/base.json"},
                "{dir}/negative.json: benchmarks[0] (" + kCase + ").real_time is -5"},
        BadCase{"NaN time",
                {"{dir}/base.json", "{dir}/nan.json"},
                "{dir}/nan.json: benchmarks[0] (" + kCase + ").real_time is NaN"},
        BadCase{"absent counter",
                {"{dir}/gb.json", "{dir}/base.json", "--metric", "kernel"},
                "{dir}/gb.json: case " + kCase + " has no kernel_us counter"},
        BadCase{"different GPU under --strict",
                {"{dir}/base.json", "{dir}/a100.json", "--strict"},
                "{dir}/a100.json: context.gpu_name (GPU) is \"NVIDIA A100\""},
        BadCase{"unknown variant",
                {"{dir}/base.json", "--baseline", "v2.6.3", "--contender", "v9"},
                "{dir}/base.json: no cases of variant \"v9\" (variants in it: v2.6.3)"},
        BadCase{"usage: no report", {}, "reports is required"},
        BadCase{"usage: one report without variants",
                {"{dir}/base.json"},
                "one report ({dir}/base.json) needs --baseline and --contender"},
        BadCase{"usage: only --baseline",
                {"{dir}/base.json", "{dir}/new.json", "--baseline", "v2.6.3"},
                "--baseline without --contender"},
        BadCase{"usage: bad threshold",
                {"{dir}/base.json", "{dir}/new.json", "--threshold", "5"},
                "--threshold 5: expected a percentage (5%) or a fraction (0.05)"},
        BadCase{"usage: bad alpha",
                {"{dir}/base.json", "{dir}/new.json", "--alpha", "2"},
                "--alpha 2: expected a probability"},
        BadCase{"usage: unknown format",
                {"{dir}/base.json", "{dir}/new.json", "--format", "xml"},
                "--format"},
        BadCase{"usage: unknown metric",
                {"{dir}/base.json", "{dir}/new.json", "--metric", "gpu"},
                "--metric"},
        BadCase{
            "usage: unknown flag", {"{dir}/base.json", "{dir}/new.json", "--colour"}, "--colour"},
        BadCase{"usage: output over an input",
                {"{dir}/base.json", "{dir}/new.json", "--output", "{dir}/new.json"},
                "--output {dir}/new.json: that is an input report"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string name;
      for (const char c : info.param.what)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

}  // namespace
}  // namespace fa::testing
