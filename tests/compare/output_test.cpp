// The text renderers on a small comparison, in process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "comparison.h"
#include "rendering.h"
#include "synthetic_report.h"

namespace fa::compare {
namespace {

using fa::testing::make_report;
using fa::testing::noisy_samples;

class Outputs : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = report::parse_report(
        make_report(
            {{"fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager", noisy_samples(20, 0.01, 10, 1), {}, {}},
             {"fwd/v2.7.0/b:2/s:50/h:16/d:16/fp16/eager", noisy_samples(40, 0.01, 10, 2), {}, {}},
             {"fwd/v2.6.3/b:4/s:50/h:16/d:16/fp16/eager", noisy_samples(20, 0.01, 2, 3), {}, {}},
             {"fwd/v2.7.0/b:4/s:50/h:16/d:16/fp16/eager", noisy_samples(20, 0.01, 2, 4), {}, {}}}),
        "run.json");
    comparison_ = compare_reports({&run_, std::string("v2.6.3"), "v2.6.3"},
                                  {&run_, std::string("v2.7.0"), "v2.7.0"}, {});
  }
  report::Report run_;
  Comparison comparison_;
};

TEST(OutputUnits, NanosecondCasesPrintInNanoseconds) {
  // Issue 15: plain Google Benchmark cases of 20 ns printed as "0.02" on both sides beside a
  // ratio of 1.208. A table with a median under 1 us is in ns, in every format.
  const auto rows = [](double center_ns, std::uint64_t seed) {
    nlohmann::json benchmarks = nlohmann::json::array();
    for (const double t : noisy_samples(center_ns, 0.001, 10, seed)) {
      benchmarks.push_back(
          {{"name", "BM_Add"}, {"run_type", "iteration"}, {"real_time", t}, {"time_unit", "ns"}});
    }
    return nlohmann::json{{"benchmarks", benchmarks}}.dump();
  };
  const report::Report base = report::parse_report(rows(20, 1), "base.json");
  const report::Report head = report::parse_report(rows(24.16, 2), "head.json");
  const Comparison comparison =
      compare_reports({&base, std::nullopt, "base"}, {&head, std::nullopt, "head"}, {});
  const TimeUnit unit = median_unit(comparison);
  EXPECT_EQ(unit.name, "ns");
  const CaseRow row = make_case_row(comparison.cases[0], unit);
  EXPECT_EQ(row.baseline_median, "20.0");
  EXPECT_EQ(row.contender_median, "24.2");
  const std::string table = render_table(comparison, false);
  EXPECT_NE(table.find("base ns"), std::string::npos) << table;
  EXPECT_NE(table.find("median of each side, ns"), std::string::npos) << table;
  EXPECT_EQ(table.find("0.02"), std::string::npos) << table;
  EXPECT_NE(render_markdown(comparison).find("| base ns | head ns |"), std::string::npos);
  EXPECT_NE(render_html(comparison).find("base ns"), std::string::npos);
}

TEST_F(Outputs, MicrosecondCasesStayInMicroseconds) {
  EXPECT_EQ(median_unit(comparison_).name, "us");
  EXPECT_NE(render_table(comparison_, false).find("v2.6.3 us"), std::string::npos);
}

TEST_F(Outputs, TableIsAlignedAndColouredOnlyWhenAsked) {
  const std::string plain = render_table(comparison_, false);
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_NE(plain.find("too few samples"), std::string::npos);
  // The verdict column starts at the same place on every line.
  const auto line_with = [&](const std::string& name) {
    const std::size_t at = plain.find(name);
    EXPECT_NE(at, std::string::npos) << name;
    return plain.substr(at, plain.find('\n', at) - at);
  };
  EXPECT_EQ(line_with("b:2/s:50").find("slower"), line_with("b:4/s:50").find("too few samples"));
  const std::string coloured = render_table(comparison_, true);
  EXPECT_NE(coloured.find("\033[1;31mslower\033[0m"), std::string::npos);
}

TEST_F(Outputs, JsonHasEveryNumberAndNullsForMissingOnes) {
  const nlohmann::json json = nlohmann::json::parse(render_json(comparison_));
  ASSERT_EQ(json["cases"].size(), 2u);
  const auto& decided = json["cases"][0];
  EXPECT_EQ(decided["verdict"], "slower");
  EXPECT_GT(decided["ratio"].get<double>(), 1.9);
  EXPECT_EQ(decided["test"]["method"], "normal approximation");
  const auto& undecided = json["cases"][1];
  EXPECT_EQ(undecided["verdict"], "too few samples");
  EXPECT_TRUE(undecided["ci_low"].is_null());
  EXPECT_TRUE(undecided["test"].is_null());
  EXPECT_EQ(json["verdict_counts"]["too few samples"], 1);
  EXPECT_EQ(json["baseline"]["context"]["gpu_name"], "NVIDIA H100 80GB HBM3");
}

TEST_F(Outputs, MarkdownEscapesTableCells) {
  EXPECT_EQ(markdown_cell("a|b<c>&"), "a\\|b&lt;c&gt;&amp;");
  const std::string md = render_markdown(comparison_);
  EXPECT_NE(md.find("### Warnings"), std::string::npos);
  EXPECT_NE(md.find("unknown (too few samples)"), std::string::npos);
}

}  // namespace
}  // namespace fa::compare
