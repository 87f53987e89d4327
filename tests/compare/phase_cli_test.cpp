// The phase table (issue 13): where a difference goes, phase by phase, in JSON and markdown, for
// the two-variant form (phases that differ by name between variants) and without phases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace fa::testing {
namespace {

using nlohmann::json;

class PhaseTable : public FaCompareCli {};

const json* find_phase(const json& c, const std::string& phase) {
  for (const json& row : c["phases"]) {
    if (row["phase"] == phase) return &row;
  }
  return nullptr;
}

TEST_F(PhaseTable, TwoVariantsMatchPhasesByNameAndKeepOneSidedOnes) {
  const std::string run = grid_run("phases.json", true);
  const ProcessResult result =
      fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  const json* slower = nullptr;
  for (const json& c : report["cases"]) {
    if (c["name"] == "b:2/s:50/h:16/d:16/fp16/eager") slower = &c;
  }
  ASSERT_NE(slower, nullptr) << result.out.substr(0, 2000);
  EXPECT_EQ((*slower)["verdict"], "slower");
  ASSERT_EQ((*slower)["phases"].size(), 5u);
  // Sorted by the size of the difference: v2.7.0/dispatch carries the extra 30 us (+1 us it
  // always costs), and exists on the contender side only.
  const json& first = (*slower)["phases"][0];
  EXPECT_EQ(first["phase"], "v2.7.0/dispatch");
  EXPECT_EQ(first["sides"], "contender only");
  EXPECT_TRUE(first["baseline_us"].is_null());
  EXPECT_NEAR(first["difference_us"].get<double>(), 31, 0.5);
  EXPECT_LT(first["ci_low_us"].get<double>(), first["difference_us"].get<double>());
  EXPECT_GT(first["ci_high_us"].get<double>(), first["difference_us"].get<double>());
  EXPECT_NEAR(first["share"].get<double>(), 31.0 / 31.0, 0.02);  // checks and prechecks cancel
  const json* checks = find_phase(*slower, "v2.6.3/checks");
  ASSERT_NE(checks, nullptr);
  EXPECT_EQ((*checks)["sides"], "baseline only");
  EXPECT_NEAR((*checks)["difference_us"].get<double>(), -4, 1e-9);
  const json* launch = find_phase(*slower, "core/launch");
  ASSERT_NE(launch, nullptr);
  EXPECT_EQ((*launch)["sides"], "both");
  EXPECT_NEAR((*launch)["difference_us"].get<double>(), 0, 1e-9);
  EXPECT_EQ((*slower)["summary"].get<std::string>().rfind("slower +", 0), 0u);
  EXPECT_NE((*slower)["summary"].get<std::string>().find(": v2.7.0/dispatch +31"),
            std::string::npos)
      << (*slower)["summary"];

  const ProcessResult markdown =
      fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0", "--format", "markdown"});
  EXPECT_NE(markdown.out.find("### Where the time goes"), std::string::npos);
  EXPECT_NE(markdown.out.find("| v2.7.0/dispatch | (none) |"), std::string::npos) << markdown.out;
  const ProcessResult table = fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0"});
  EXPECT_NE(table.out.find("b:2/s:50/h:16/d:16/fp16/eager: slower +"), std::string::npos)
      << table.out;
}

TEST_F(PhaseTable, ReportsWithoutPhasesCompareAsBeforeAndSayWhy) {
  const std::string run = grid_run();
  const ProcessResult result =
      fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report["verdict_counts"]["slower"], 4);
  for (const json& c : report["cases"]) {
    EXPECT_TRUE(c["phases"].empty());
    EXPECT_NE(c["phase_note"].get<std::string>().find("no phase counters"), std::string::npos);
  }
  const ProcessResult markdown =
      fa_compare({run, "--baseline", "v2.6.3", "--contender", "v2.7.0", "--format", "markdown"});
  EXPECT_EQ(markdown.out.find("### Where the time goes"), std::string::npos);
  EXPECT_NE(markdown.out.find("phases: no phase counters"), std::string::npos);
}

}  // namespace
}  // namespace fa::testing
