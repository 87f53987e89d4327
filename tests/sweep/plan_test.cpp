// Case naming and the grid, the command line, and how a plan applies it to a config.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>

#include "report/case_key.h"
#include "report/case_work.h"
#include "sweep/benchmark_cases.h"
#include "sweep/benchmark_compat.h"
#include "sweep/case_grid.h"
#include "sweep/cli_options.h"
#include "sweep/sweep_plan.h"
#include "test_support.h"
#include "variants.h"

namespace fa::sweep {
namespace {

SweepConfig smoke() {
  return load_sweep_config(test::configs_dir() + "/smoke.json");
}
SweepConfig article() {
  return load_sweep_config(test::configs_dir() + "/article.json");
}

std::vector<const fa::Variant*> both_paths() {
  return {fa::find_variant("v2.6.3"), fa::find_variant("v2.7.0")};
}

CommandLine parse(std::vector<std::string> args) {
  std::vector<const char*> argv{"fa-sweep"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

std::string usage_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(accepted)";
}

const CudaAvailability kNoCuda{false, "no GPU in this test"};
const CudaAvailability kCuda{true, ""};

TEST(CaseGrid, NamesAreStableKeys) {
  const std::vector<SweepCase> cases = build_case_grid(smoke(), both_paths(), {"eager"});
  std::vector<std::string> names;
  for (const SweepCase& one : cases) names.push_back(one.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "fwd/empty/b:2/s:50/h:4/d:16/fp16/eager",
                       "fwd/v2.6.3/b:2/s:50/h:4/d:16/fp16/eager",
                       "fwd/v2.7.0/b:2/s:50/h:4/d:16/fp16/eager",
                       "fwd/v2.6.3/b:4/s:50/h:4/d:16/fp16/eager",
                       "fwd/v2.7.0/b:4/s:50/h:4/d:16/fp16/eager",
                   }));
  for (const SweepCase& one : cases) {
    const auto key = report::parse_case_name(one.name);
    ASSERT_TRUE(key.has_value()) << one.name;
    EXPECT_EQ(*key, one.key);
    EXPECT_EQ(one.is_floor(), one.key.variant == "empty");
  }
}

TEST(CaseGrid, ArticleGridHasEveryShapeVariantAndMode) {
  const std::vector<SweepCase> cases = build_case_grid(article(), both_paths(), {"eager", "graph"});
  EXPECT_EQ(cases.size(), 2u * (1 + 9 * 3 * 2));
  EXPECT_EQ(cases.front().name, "fwd/empty/b:2/s:50/h:16/d:16/fp16/eager");
  const auto has = [&](const std::string& name) {
    return std::any_of(cases.begin(), cases.end(),
                       [&](const SweepCase& one) { return one.name == name; });
  };
  EXPECT_TRUE(has("fwd/v2.7.0/b:512/s:300/h:16/d:16/fp16/graph"));
  EXPECT_TRUE(has("fwd/empty/b:2/s:50/h:16/d:16/fp16/graph"));
}

TEST(CaseGrid, FilterSearchesAnywhereInTheName) {
  const std::vector<SweepCase> cases = build_case_grid(article(), both_paths(), {"eager", "graph"});
  EXPECT_EQ(filter_cases(cases, std::regex("b:2/s:50/")).size(), 2u * 3);  // floor + 2 paths
  EXPECT_EQ(filter_cases(cases, std::regex("^fwd/v2.7.0/.*/graph$")).size(), 27u);
}

TEST(CaseGrid, WorkOfAKernel) {
  const report::CaseKey key{"v2.6.3", 2, 50, 16, 16, "fp16", "eager"};
  EXPECT_DOUBLE_EQ(report::attention_flops(key, false), 4.0 * 2 * 16 * 50 * 50 * 16);
  EXPECT_DOUBLE_EQ(report::attention_flops(key, true), 2.0 * 2 * 16 * 50 * 50 * 16);
  EXPECT_DOUBLE_EQ(report::attention_bytes(key), 4.0 * 2 * 50 * 16 * 16 * 2);
}

TEST(CommandLine, ParsesEveryFlag) {
  const CommandLine line =
      parse({"--config",        "c.json", "--variants", "v2.7.0, v2.6.3",
             "--mode",          "both",   "--backend",  "cpu",
             "--repetitions",   "4",      "--min-time", "0.05",
             "--out",           "r.json", "--filter",   "b:2/",
             "--kernel-timing", "inline", "--no-nvtx",  "--benchmark_counters_tabular=true"});
  ASSERT_TRUE(line.run);
  const SweepOptions& options = line.options;
  EXPECT_EQ(options.config_path, "c.json");
  EXPECT_EQ(*options.variants, (std::vector<std::string>{"v2.7.0", "v2.6.3"}));
  EXPECT_EQ(*options.mode, "both");
  EXPECT_EQ(options.backend, "cpu");
  EXPECT_EQ(*options.repetitions, 4);
  EXPECT_DOUBLE_EQ(*options.min_time_s, 0.05);
  EXPECT_EQ(options.out, "r.json");
  EXPECT_EQ(options.filter, "b:2/");
  EXPECT_EQ(options.kernel_timing, "inline");
  EXPECT_FALSE(options.nvtx);
  EXPECT_EQ(options.benchmark_args, std::vector<std::string>{"--benchmark_counters_tabular=true"});
}

TEST(CommandLine, BadFlagsSayWhichAndWhy) {
  EXPECT_EQ(usage_error({}).rfind("fa-sweep: ", 0), 0u);
  EXPECT_NE(usage_error({}).find("--config"), std::string::npos);
  EXPECT_EQ(usage_error({"--config", "c", "--mode", "lazy"}),
            "fa-sweep: --mode: must be eager, graph or both, got 'lazy'");
  EXPECT_EQ(usage_error({"--config", "c", "--backend", "tpu"}),
            "fa-sweep: --backend: must be auto, cuda or cpu, got 'tpu'");
  EXPECT_EQ(usage_error({"--config", "c", "--repetitions", "0"}),
            "fa-sweep: --repetitions: must be a positive integer, got '0'");
  EXPECT_EQ(usage_error({"--config", "c", "--repetitions", "3x"}),
            "fa-sweep: --repetitions: must be a positive integer, got '3x'");
  EXPECT_EQ(usage_error({"--config", "c", "--min-time", "-1"}),
            "fa-sweep: --min-time: must be a positive number of seconds, got '-1'");
  EXPECT_NE(usage_error({"--config", "c", "--min-time", "1", "--iterations", "5"})
                .find("--iterations: give either"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--kernel-timing", "never"}).find("--kernel-timing"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_filter=x"})
                .find("--benchmark_filter: set by fa-sweep: use --filter"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_repetitions=3"}).find("--repetitions"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_out=x.json"}).find("--out"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_report_aggregates_only=true"})
                .find("every repetition row"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--frobnicate"}).find("--frobnicate"), std::string::npos);
}

TEST(CommandLine, BenchmarkContextIsTypedAndCannotReuseAHarnessKey) {
  const CommandLine line = parse({"--config", "c", "--benchmark_context=ab_round=01,ab_side=base",
                                  "--benchmark_enable_random_interleaving=false"});
  EXPECT_EQ(line.options.user_context, (std::vector<std::pair<std::string, std::string>>{
                                           {"ab_round", "01"}, {"ab_side", "base"}}));
  EXPECT_FALSE(line.options.random_interleaving);
  EXPECT_TRUE(line.options.benchmark_args.empty());  // read here, not passed on verbatim
  EXPECT_TRUE(parse({"--config", "c"}).options.random_interleaving);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_context=gpu_name=H100"})
                .find("--benchmark_context: 'gpu_name' is a context key fa-sweep sets itself"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_context=novalue"}).find("key=value"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_context=a=1,a=2"}).find("twice"),
            std::string::npos);
  EXPECT_NE(usage_error({"--config", "c", "--benchmark_display_aggregates_only=true"})
                .find("every repetition row"),
            std::string::npos);
}

TEST(CommandLine, SplitList) {
  EXPECT_EQ(split_list(" a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_list(",").empty());
}

SweepPlan plan_for(std::vector<std::string> args, const CudaAvailability& cuda = kNoCuda,
                   SweepConfig config = SweepConfig()) {
  const CommandLine line = parse(std::move(args));
  if (config.name.empty()) config = smoke();
  return make_sweep_plan(line.options, std::move(config), cuda);
}

std::string plan_error(std::vector<std::string> args, const CudaAvailability& cuda = kNoCuda) {
  try {
    plan_for(std::move(args), cuda);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(accepted)";
}

TEST(SweepPlan, ConfigDefaultsAndOverrides) {
  const SweepPlan plan = plan_for({"--config", "x"});
  EXPECT_EQ(plan.backend, Backend::kCpu);
  EXPECT_EQ(plan.config.repetitions, 3);
  EXPECT_EQ(plan.cases.size(), 5u);
  EXPECT_EQ(plan.kernel_timing, KernelTiming::kAfter);

  const SweepPlan overridden = plan_for(
      {"--config", "x", "--variants", "v2.7.0", "--repetitions", "7", "--iterations", "3"});
  EXPECT_EQ(overridden.config.repetitions, 7);
  EXPECT_EQ(*overridden.config.iterations, 3);
  EXPECT_EQ(overridden.cases.size(), 3u);  // floor + 2 batches
}

TEST(SweepPlan, AutoBackendPicksCudaWhenAvailable) {
  EXPECT_EQ(plan_for({"--config", "x"}, kCuda).backend, Backend::kCuda);
  EXPECT_EQ(plan_for({"--config", "x", "--backend", "cpu"}, kCuda).backend, Backend::kCpu);
  EXPECT_EQ(plan_error({"--config", "x", "--backend", "cuda"}),
            "fa-sweep: --backend: cuda is not available: no GPU in this test");
}

TEST(SweepPlan, GraphModeIsSkippedWithAReasonOnTheCpuBackend) {
  const SweepPlan plan = plan_for({"--config", "x", "--mode", "both"});
  EXPECT_EQ(plan.config.modes, std::vector<std::string>{"eager"});
  EXPECT_NE(plan.skipped_modes_note.find("graph mode skipped"), std::string::npos);
  for (const SweepCase& one : plan.cases) EXPECT_EQ(one.key.mode, "eager");
  EXPECT_NE(plan_error({"--config", "x", "--mode", "graph"}).find("--mode: nothing to run"),
            std::string::npos);
  const SweepPlan on_cuda = plan_for({"--config", "x", "--mode", "both"}, kCuda);
  EXPECT_EQ(on_cuda.config.modes, (std::vector<std::string>{"eager", "graph"}));
  EXPECT_EQ(on_cuda.cases.size(), 10u);
}

TEST(SweepPlan, FilterAndVariantErrors) {
  EXPECT_EQ(plan_for({"--config", "x", "--filter", "b:4/"}).cases.size(), 2u);
  EXPECT_NE(plan_error({"--config", "x", "--filter", "b:999/"}).find("matches none of the 5 cases"),
            std::string::npos);
  EXPECT_NE(plan_error({"--config", "x", "--filter", "(("}).find("invalid regular expression"),
            std::string::npos);
  const std::string unknown = plan_error({"--config", "x", "--variants", "v3"});
  EXPECT_NE(unknown.find("--variants: unknown variant 'v3' (known: v2.6.3, v2.7.0"),
            std::string::npos)
      << unknown;
}

TEST(BenchmarkArguments, OursFirstThenTheUsers) {
  const SweepPlan plan = plan_for({"--config", "x", "--benchmark_counters_tabular=true"});
  const std::vector<std::string> arguments =
      benchmark_arguments(plan, {"--benchmark_counters_tabular=true"});
  const auto has = [&](const std::vector<std::string>& list, const std::string& argument) {
    return std::find(list.begin(), list.end(), argument) != list.end();
  };
  EXPECT_TRUE(has(arguments, "--benchmark_repetitions=3"));
  EXPECT_TRUE(has(arguments, "--benchmark_enable_random_interleaving=true"));
  EXPECT_TRUE(has(arguments, "--benchmark_min_time=" + gbench::min_time_flag_value(0.01)));
  EXPECT_EQ(arguments.back(), "--benchmark_counters_tabular=true");
  EXPECT_FALSE(has(arguments, "--benchmark_report_aggregates_only=true"));
  for (const std::string& argument : arguments) {
    // fa-sweep's reporter writes the report: Google Benchmark writes no file.
    EXPECT_EQ(argument.find("--benchmark_out"), std::string::npos);
  }

  // Random interleaving: read from the user's flag once, typed, then passed on.
  const SweepPlan off = plan_for({"--config", "x", "--benchmark_enable_random_interleaving=false"});
  EXPECT_FALSE(off.random_interleaving);
  EXPECT_TRUE(has(benchmark_arguments(off, {}), "--benchmark_enable_random_interleaving=false"));
  EXPECT_FALSE(has(benchmark_arguments(off, {}), "--benchmark_enable_random_interleaving=true"));
  EXPECT_TRUE(plan.random_interleaving);

  const SweepPlan fixed = plan_for({"--config", "x", "--iterations", "5"});
  for (const std::string& argument : benchmark_arguments(fixed, {})) {
    EXPECT_EQ(argument.find("--benchmark_min_time"), std::string::npos);
    EXPECT_EQ(argument.find("--benchmark_out"), std::string::npos);
  }
}

TEST(BenchmarkArguments, MinTimeSpelling) {
#ifdef FA_BENCHMARK_1_8
  EXPECT_EQ(gbench::min_time_flag_value(0.15), "0.15s");
#else
  EXPECT_EQ(gbench::min_time_flag_value(0.15), "0.15");
#endif
}

}  // namespace
}  // namespace fa::sweep
