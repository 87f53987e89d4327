// fa-compare --base A1.json ... --head B1.json ...: the multi-report form as a subprocess (exit
// codes, the JSON fields scripts/ab reads, and one line per bad input).
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace fa::testing {
namespace {

using nlohmann::json;

const std::string kCase = "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager";
const std::string kOther = "fwd/v2.6.3/b:4/s:50/h:16/d:16/fp16/eager";

class RoundsCli : public FaCompareCli {
 protected:
  // `rounds` rounds of base-NN.json / head-NN.json with ab_round and ab_side, as scripts/ab
  // writes them; kCase is `factor` times slower on the head, kOther unchanged. 2% process noise.
  std::vector<std::string> write_rounds(int rounds, double factor, const std::string& prefix = "",
                                        const json& base_context = fa_context()) {
    std::vector<std::string> base;
    std::vector<std::string> head;
    for (int round = 1; round <= rounds; ++round) {
      for (const char* side : {"base", "head"}) {
        const bool is_head = std::string(side) == "head";
        const auto seed = static_cast<std::uint64_t>(round * 10 + (is_head ? 1 : 0));
        const double process = lognormal_factor(0.02, seed);
        json context = is_head ? fa_context() : base_context;
        context["ab_round"] = fmt_round(round);
        context["ab_side"] = side;
        const std::string text = make_report(
            {{kCase, noisy_samples(40 * process * (is_head ? factor : 1), 0.01, 8, seed), {}, {}},
             {kOther, noisy_samples(80 * process, 0.01, 8, seed + 1000), {}, {}}},
            context);
        (is_head ? head : base)
            .push_back(write(prefix + side + "-" + fmt_round(round) + ".json", text));
      }
    }
    std::vector<std::string> args = {"--base"};
    args.insert(args.end(), base.begin(), base.end());
    args.push_back("--head");
    args.insert(args.end(), head.begin(), head.end());
    return args;
  }

  static std::string fmt_round(int round) {
    return (round < 10 ? "0" : "") + std::to_string(round);
  }

  static std::vector<std::string> with(std::vector<std::string> args,
                                       const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  static const json& case_of(const json& report, const std::string& name) {
    for (const json& c : report["cases"]) {
      if (c["name"] == name) return c;
    }
    throw std::runtime_error("no case " + name);
  }
};

TEST_F(RoundsCli, APlantedRegressionOverEightRoundsFailsTheGateWithTheContractFields) {
  const std::vector<std::string> args = write_rounds(8, 1.10);
  const ProcessResult gated = fa_compare(with(args, {"--fail-on", "regression"}));
  EXPECT_EQ(gated.exit_code, 1) << gated.err << gated.out;
  EXPECT_NE(gated.out.find("between-run noise: accounted for"), std::string::npos) << gated.out;

  const ProcessResult result =
      fa_compare(with(args, {"--format", "json", "--plan-effect", "0.03"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report["correction"], "bh");  // the default
  EXPECT_EQ(report["rounds"], 8);
  EXPECT_EQ(report["unit"], "process");
  EXPECT_EQ(report["pairing"], "ab_round");
  EXPECT_EQ(report["counts"]["slower"], 1);
  EXPECT_EQ(report["counts"]["faster"], 0);
  EXPECT_EQ(report["counts"]["same"].get<int>() + report["counts"]["inconclusive"].get<int>(), 1);
  const json& slower = case_of(report, kCase);
  EXPECT_EQ(slower["verdict"], "slower");
  for (const char* field : {"ratio", "ci_low", "ci_high", "p_value", "p_adjusted", "rounds", "mde",
                            "between_process_cv", "within_process_cv", "rounds_for_plan"}) {
    EXPECT_TRUE(slower[field].is_number()) << field << ": " << slower.dump();
  }
  EXPECT_TRUE(slower.contains("rounds_needed"));
  EXPECT_TRUE(slower["rounds_needed"].is_null());
  EXPECT_NEAR(slower["ratio"].get<double>(), 1.10, 0.03);
  EXPECT_EQ(slower["rounds"], 8);
}

TEST_F(RoundsCli, BenjaminiHochbergIsNamedInTheOutput) {
  const std::vector<std::string> args = write_rounds(6, 1.0);
  const ProcessResult result = fa_compare(with(args, {"--format", "json", "--correction", "bh"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json::parse(result.out)["correction"], "bh");
  const ProcessResult markdown =
      fa_compare(with(args, {"--format", "markdown", "--correction", "bh"}));
  EXPECT_NE(markdown.out.find("Benjamini-Hochberg"), std::string::npos) << markdown.out;
  EXPECT_NE(markdown.out.find("p (bh)"), std::string::npos) << markdown.out;
}

TEST_F(RoundsCli, NoChangeNeverFailsTheGate) {
  const ProcessResult result = fa_compare(with(write_rounds(8, 1.0), {"--fail-on", "regression"}));
  EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_NE(result.out.find("2 cases: 2 same"), std::string::npos) << result.out;
}

TEST_F(RoundsCli, AFailedCaseInOneHeadRoundIsReportedAndFailsTheGateUnlessAllowed) {
  std::vector<std::string> args = write_rounds(6, 1.0);
  json context = fa_context();
  context["ab_round"] = "03";
  context["ab_side"] = "head";
  write("head-03.json", make_report({{kCase, {}, {}, std::string("CUDA error: out of memory")},
                                     {kOther, noisy_samples(80, 0.01, 8, 5), {}, {}}},
                                    context));
  const ProcessResult plain = fa_compare(args);
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.err.find("head-03.json: failed: CUDA error: out of memory"), std::string::npos)
      << plain.err;
  const ProcessResult gated = fa_compare(with(args, {"--fail-on", "regression"}));
  EXPECT_EQ(gated.exit_code, 1) << gated.err;
  EXPECT_NE(gated.err.find("1 case(s) failed on the contender side"), std::string::npos)
      << gated.err;
  EXPECT_EQ(fa_compare(with(args, {"--fail-on", "regression", "--allow-failed-cases"})).exit_code,
            0);
  const json report = json::parse(fa_compare(with(args, {"--format", "json"})).out);
  EXPECT_EQ(case_of(report, kCase)["rounds"], 5);  // the failed round left out, not counted
}

TEST_F(RoundsCli, AFailedContenderCaseFailsTheTwoFileGateToo) {
  const std::string base =
      write("base.json", make_report({{kCase, noisy_samples(40, 0.01, 8, 1), {}, {}}}));
  const std::string broken =
      write("new.json", make_report({{kCase, {}, {}, std::string("CUDA error: launch failure")}}));
  const ProcessResult gated = fa_compare({base, broken, "--fail-on", "regression"});
  EXPECT_EQ(gated.exit_code, 1) << gated.err;
  EXPECT_EQ(fa_compare({base, broken, "--fail-on", "regression", "--allow-failed-cases"}).exit_code,
            0);
}

struct BadRounds {
  std::string what;
  std::string expected;  // part of the one error line
};

TEST_F(RoundsCli, BadInputIsOneLineAndExitTwo) {
  // Mixed GPUs on --base: round 2's base report ran on another GPU.
  {
    std::vector<std::string> args = write_rounds(3, 1.0, "gpu-");
    json context = fa_context("NVIDIA A100");
    context["ab_round"] = "02";
    write("gpu-base-02.json", make_report({{kCase, noisy_samples(40, 0.01, 8, 1), {}, {}},
                                           {kOther, noisy_samples(80, 0.01, 8, 2), {}, {}}},
                                          context));
    const ProcessResult result = fa_compare(args);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("gpu-base-02.json: context.gpu_name (GPU) is \"NVIDIA A100\""),
              std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("on one side (--base)"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  // One report on --head, several on --base.
  {
    const std::vector<std::string> args = write_rounds(3, 1.0, "one-");
    const ProcessResult result =
        fa_compare({"--base", args[1], args[2], args[3], "--head", args[5]});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--head has 1 report(s) and --base has 3"), std::string::npos)
        << result.err;
  }
  // A round twice on one side (a copy: the same file twice is refused before, by identity).
  {
    const std::vector<std::string> args = write_rounds(3, 1.0, "dup-");
    const std::string copy = write("dup-head-01-copy.json", read_file(args[5]));
    const ProcessResult result =
        fa_compare({"--base", args[1], args[2], args[3], "--head", args[5], copy, args[6]});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("context.ab_round 01 is also in"), std::string::npos) << result.err;
  }
  // A report given for the wrong side.
  {
    const std::vector<std::string> args = write_rounds(3, 1.0, "side-");
    const ProcessResult result =
        fa_compare({"--base", args[1], args[2], args[5], "--head", args[6], args[7]});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("context.ab_side is \"head\" but the report is given after --base"),
              std::string::npos)
        << result.err;
  }
  // Positional reports and --base together; --base without --head.
  {
    const std::vector<std::string> args = write_rounds(2, 1.0, "use-");
    EXPECT_EQ(fa_compare({args[1], "--base", args[2], "--head", args[4]}).exit_code, 2);
    const ProcessResult result = fa_compare({"--base", args[1], args[2]});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("--base without --head"), std::string::npos) << result.err;
  }
}

// Two variants interleaved in each process (as fa-sweep runs them), several processes: the same
// reports on both sides, one variant per side, each process paired with itself.
TEST_F(RoundsCli, TwoVariantsOverSeveralProcessesComparedWithTheProcessAsTheUnit) {
  const std::string small_270 = "fwd/v2.7.0/b:2/s:50/h:16/d:16/fp16/eager";
  const std::string large_270 = "fwd/v2.7.0/b:4/s:50/h:16/d:16/fp16/eager";
  std::vector<std::string> reports;
  for (int round = 1; round <= 8; ++round) {
    const auto seed = static_cast<std::uint64_t>(round * 10);
    const double process = lognormal_factor(0.05, seed);  // shared by both variants
    json context = fa_context();
    context["ab_round"] = fmt_round(round);
    context["ab_side"] = "base";  // the side of the build, not of the variant: no refusal
    reports.push_back(
        write("run-" + fmt_round(round) + ".json",
              make_report({{kCase, noisy_samples(40 * process, 0.01, 8, seed + 1), {}, {}},
                           {kOther, noisy_samples(80 * process, 0.01, 8, seed + 2), {}, {}},
                           {small_270, noisy_samples(48 * process, 0.01, 8, seed + 3), {}, {}},
                           {large_270, noisy_samples(80 * process, 0.01, 8, seed + 4), {}, {}}},
                          context)));
  }
  std::vector<std::string> args = {"--base"};
  args.insert(args.end(), reports.begin(), reports.end());
  args.emplace_back("--head");
  args.insert(args.end(), reports.begin(), reports.end());

  const ProcessResult result =
      fa_compare(with(args, {"--baseline", "v2.6.3", "--contender", "v2.7.0", "--format", "json"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report["unit"], "process");
  EXPECT_EQ(report["rounds"], 8);
  const json& small = case_of(report, "b:2/s:50/h:16/d:16/fp16/eager");
  EXPECT_EQ(small["verdict"], "slower") << small.dump();
  EXPECT_NEAR(small["ratio"].get<double>(), 1.2, 0.03) << small.dump();
  EXPECT_EQ(case_of(report, "b:4/s:50/h:16/d:16/fp16/eager")["verdict"], "same");
  EXPECT_EQ(fa_compare(with(args, {"--baseline", "v2.6.3", "--contender", "v2.7.0", "--fail-on",
                                   "regression"}))
                .exit_code,
            1);

  const ProcessResult nothing =
      fa_compare(with(args, {"--baseline", "v2.6.3", "--contender", "v2.6.3"}));
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("are one file"), std::string::npos) << nothing.err;
  EXPECT_EQ(fa_compare(args).exit_code, 2);  // the same reports, no variants
}

// Issue 15 re-run: a report given twice, without ab_round to tell (plain Google Benchmark or
// hand-run fa-sweep reports), was taken: one process counted as two, or a report on both sides.
// Refused by identity (another spelling, a link too), one line naming both places, exit 2.
TEST_F(RoundsCli, AReportGivenTwiceIsRefusedByIdentity) {
  std::vector<std::string> plain;
  for (int i = 0; i < 3; ++i) {
    plain.push_back(write("plain-" + std::to_string(i) + ".json",
                          make_report({{kCase, noisy_samples(40, 0.01, 8, 7 + i), {}, {}}})));
  }
  const std::string link = path("link-to-plain-0.json");
  std::filesystem::create_symlink(plain[0], link);
  const std::string other_spelling = path("./plain-1.json");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--base", plain[0], plain[0], "--head", plain[1], plain[2]},
       "--base " + plain[0] + " and --base " + plain[0] + " are one file"},
      {{"--base", plain[0], plain[1], "--head", plain[1], plain[2]},
       "--base " + plain[1] + " and --head " + plain[1] + " are one file"},
      {{"--base", plain[0], plain[1], "--head", link, plain[2]},
       "--base " + plain[0] + " and --head " + link + " are one file"},
      {{"--base", plain[0], plain[1], "--head", other_spelling, plain[2]},
       "--base " + plain[1] + " and --head " + other_spelling + " are one file"},
      {{"--base", plain[0], "--head", plain[0]}, "are one file"},
      {{plain[2], plain[2]}, "BASE " + plain[2] + " and CONTENDER " + plain[2] + " are one file"},
  };
  for (const auto& [args, message] : cases) {
    const ProcessResult result = fa_compare(args);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  // Copies are distinct files (the ab_round check above catches a copied round of scripts/ab).
  EXPECT_EQ(fa_compare({"--base", plain[0], plain[1], "--head", plain[2],
                        write("copy.json", read_file(plain[0]))})
                .exit_code,
            0);
}

// Issue 15 re-run: --plan-effect and --correction were silently ignored with one report per side.
TEST_F(RoundsCli, FlagsOfSeveralReportsPerSideAreRefusedWithOne) {
  const std::vector<std::string> args = write_rounds(2, 1.0, "flags-");
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--plan-effect", "0.03"}, {"--correction", "holm"}}) {
    for (const std::vector<std::string>& reports :
         {std::vector<std::string>{args[1], args[4]}, {"--base", args[1], "--head", args[4]}}) {
      const ProcessResult result = fa_compare(with(reports, flags));
      EXPECT_EQ(result.exit_code, 2) << result.err;
      EXPECT_NE(result.err.find(flags[0] + " goes with several reports per side"),
                std::string::npos)
          << result.err;
    }
    EXPECT_EQ(fa_compare(with(args, flags)).exit_code, 0);
  }
}

}  // namespace
}  // namespace fa::testing
