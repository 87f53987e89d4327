// The phase pass through fa-sweep (CPU backend, configs/smoke.json): phase:<range> counters in
// the report, read back by the report loader; --phase-samples 0 turns them off; under an
// external NVTX tool the pass says so and is skipped.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/phase_recorder.h"
#include "report/metric.h"
#include "report/report.h"
#include "test_support.h"

namespace fa::sweep {
namespace {

class PhasePass : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef FA_HAVE_NVTX
    GTEST_SKIP() << "built without NVTX: no phase ranges";
#endif
  }

  report::Report sweep(const std::vector<std::string>& extra, const std::vector<std::string>& env,
                       test::ProcessResult* result_out = nullptr) {
    const std::string out = dir_.file("report.json");
    std::vector<std::string> args{"--config",      test::configs_dir() + "/smoke.json",
                                  "--backend",     "cpu",
                                  "--iterations",  "3",
                                  "--repetitions", "2",
                                  "--out",         out};
    args.insert(args.end(), extra.begin(), extra.end());
    const test::ProcessResult result = test::run_sweep(args, env);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    if (result_out != nullptr) *result_out = result;
    return report::load_report(out);
  }

  test::TempDir dir_;
};

TEST_F(PhasePass, EveryPhaseOfEachPathIsACounterTheLoaderReads) {
  const report::Report report = sweep({"--phase-samples", "20"}, {});
  const std::set<std::string> core = {"core/device_guard", "core/alloc", "core/params",
                                      "core/launch", "unattributed"};
  std::set<std::string> v263 = {"v2.6.3/mha_fwd", "v2.6.3/checks"};
  std::set<std::string> v270 = {"v2.7.0/flash_attn_func", "v2.7.0/prechecks", "v2.7.0/dispatch",
                                "v2.7.0/autograd",        "v2.7.0/mha_fwd",   "v2.7.0/op_checks",
                                "v2.7.0/alloc_p",         "v2.7.0/slice"};
  v263.insert(core.begin(), core.end());
  v270.insert(core.begin(), core.end());
  int variant_cases = 0;
  for (const report::CaseResult& result : report.cases) {
    SCOPED_TRACE(result.name);
    ASSERT_FALSE(result.error.has_value()) << *result.error;
    std::set<std::string> names;
    for (const auto& [name, samples] : result.phases) {
      names.insert(name);
      EXPECT_EQ(samples.size(), 2u) << name;  // one per repetition
      for (double us : samples) EXPECT_GT(us, 0.0) << name;
    }
    if (result.name.find("/v2.6.3/") != std::string::npos) {
      EXPECT_EQ(names, v263);
      ++variant_cases;
    } else if (result.name.find("/v2.7.0/") != std::string::npos) {
      EXPECT_EQ(names, v270);
      ++variant_cases;
    } else {  // the floor: an empty call, host time only
      EXPECT_EQ(names, std::set<std::string>{"unattributed"});
    }
    ASSERT_NE(result.phase_samples_of("unattributed"), nullptr);
  }
  EXPECT_EQ(variant_cases, 4);
}

TEST_F(PhasePass, ZeroPhaseSamplesReportsNoPhases) {
  const report::Report report = sweep({"--phase-samples", "0"}, {});
  ASSERT_FALSE(report.cases.empty());
  for (const report::CaseResult& result : report.cases) {
    EXPECT_TRUE(result.phases.empty()) << result.name;
  }
}

TEST_F(PhasePass, SkippedWithAMessageUnderAnExternalNvtxTool) {
#ifndef FA_NVTX_RECORDER
  GTEST_SKIP() << "no NVTX injection library in this build";
#else
  test::ProcessResult result;
  const report::Report report = sweep({"--phase-samples", "20"},
                                      {std::string("NVTX_INJECTION64_PATH=") + FA_NVTX_RECORDER,
                                       "FA_NVTX_RECORD=" + dir_.file("nvtx.tsv")},
                                      &result);
  EXPECT_NE(result.err.find("phase pass skipped: an external NVTX tool is attached"),
            std::string::npos)
      << result.err;
  for (const report::CaseResult& result_case : report.cases) {
    EXPECT_TRUE(result_case.phases.empty()) << result_case.name;
  }
  // The tool still saw every range of the timed calls.
  EXPECT_NE(test::read_file(dir_.file("nvtx.tsv")).find("core/launch"), std::string::npos);
#endif
}

TEST_F(PhasePass, ConfigFieldSetsTheCallsAndRejectsNegatives) {
  const std::string config = dir_.file("phases.json");
  std::string text = test::read_file(test::configs_dir() + "/smoke.json");
  const std::string anchor = "\"seed\": 0";
  ASSERT_NE(text.find(anchor), std::string::npos);
  text.replace(text.find(anchor), anchor.size(), "\"seed\": 0, \"phase_samples\": 0");
  test::write_file(config, text);
  const test::ProcessResult off =
      test::run_sweep({"--config", config, "--backend", "cpu", "--iterations", "2", "--repetitions",
                       "1", "--out", dir_.file("off.json")});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  for (const report::CaseResult& result : report::load_report(dir_.file("off.json")).cases) {
    EXPECT_TRUE(result.phases.empty()) << result.name;
  }

  text.replace(text.find("\"phase_samples\": 0"), 18, "\"phase_samples\": -1");
  test::write_file(config, text);
  const test::ProcessResult bad =
      test::run_sweep({"--config", config, "--backend", "cpu", "--list"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("phase_samples"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace fa::sweep
