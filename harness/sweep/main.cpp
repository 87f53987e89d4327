// fa-sweep: run the sweep of a config, print progress and a summary table, write the report.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "report/output_file.h"
#include "sweep/benchmark_cases.h"
#include "sweep/cli_options.h"
#include "sweep/progress_reporter.h"
#include "sweep/report_context.h"
#include "sweep/report_output.h"
#include "sweep/summary_table.h"
#include "sweep/sweep_config.h"
#include "sweep/sweep_plan.h"
#include "variants.h"

#ifdef FA_HAVE_CUPTI
#include "sweep/cupti_kernel_timer.h"
#endif

namespace {

using namespace fa::sweep;

std::string quoted_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string argument = argv[i];
    const bool plain =
        argument.find_first_of(" \t'\"\\$*?()[]{}|&;<>") == std::string::npos && !argument.empty();
    if (!plain) {
      std::string escaped = "'";
      for (const char c : argument) escaped += c == '\'' ? std::string("'\\''") : std::string(1, c);
      argument = escaped + "'";
    }
    line += (i == 0 ? "" : " ") + argument;
  }
  return line;
}

int run(int argc, char** argv) {
  const CommandLine command_line = parse_command_line(argc, argv);
  if (!command_line.run) return command_line.exit_code;
  const SweepOptions& options = command_line.options;

  SweepConfig config = load_sweep_config(options.config_path);
  const CudaAvailability cuda =
      options.backend == "cpu" ? CudaAvailability{false, "--backend cpu"} : detect_cuda();
  const SweepPlan plan = make_sweep_plan(options, std::move(config), cuda);

  if (options.list) {
    for (const SweepCase& sweep_case : plan.cases) std::printf("%s\n", sweep_case.name.c_str());
    if (!plan.skipped_modes_note.empty()) {
      std::fprintf(stderr, "[fa-sweep] %s\n", plan.skipped_modes_note.c_str());
    }
    return 0;
  }

  std::unique_ptr<ReportFile> report;
  if (!plan.out.empty()) {
    report = std::make_unique<ReportFile>(plan.out, std::vector<std::string>{options.config_path});
  }

  // Google Benchmark's flags: ours, then the user's other --benchmark_* flags.
  std::vector<std::string> storage = benchmark_arguments(plan, options.benchmark_args);
  std::vector<char*> benchmark_argv;
  for (std::string& argument : storage) benchmark_argv.push_back(argument.data());
  benchmark_argv.push_back(nullptr);
  int benchmark_argc = static_cast<int>(storage.size());
  benchmark::Initialize(&benchmark_argc, benchmark_argv.data());
  if (benchmark::ReportUnrecognizedArguments(benchmark_argc, benchmark_argv.data())) {
    throw UsageError("fa-sweep: unrecognised --benchmark_* flag (see above)");
  }

  std::fprintf(stderr, "[fa-sweep] %s: %zu cases x %d repetitions on the %s backend (%s)\n",
               plan.config.name.c_str(), plan.cases.size(), plan.config.repetitions,
               backend_name(plan.backend),
               (plan.config.iterations ? fmt::format("{} iterations", *plan.config.iterations)
                                       : fmt::format("{} s", plan.config.min_time_s))
                   .append(" per repetition")
                   .c_str());
  if (!plan.skipped_modes_note.empty()) {
    std::fprintf(stderr, "[fa-sweep] %s\n", plan.skipped_modes_note.c_str());
  }

  auto cases = std::make_unique<SweepCases>(plan);
  cases->prepare(stderr);

  RunFacts facts;
  facts.kernel_timing = cases->kernel_timing();
  facts.command_line = quoted_command_line(argc, argv);
  std::vector<fa::report::ContextField> context = report_context(plan, facts);
  const std::vector<fa::report::ContextField> user = user_context(options.user_context);
  context.insert(context.end(), user.begin(), user.end());
  add_report_context(context);

  ProgressTracker progress(static_cast<int>(plan.cases.size()) * plan.config.repetitions,
                           static_cast<int>(plan.cases.size()), stderr);
  cases->register_benchmarks(&progress);

  const int color = ::isatty(::fileno(stdout)) ? benchmark::ConsoleReporter::OO_Color : 0;
  SweepReporter display(static_cast<benchmark::ConsoleReporter::OutputOptions>(
                            benchmark::ConsoleReporter::OO_Tabular | color),
                        *cases);
  benchmark::RunSpecifiedBenchmarks(&display);
  benchmark::Shutdown();
  cases->release();  // CUDA graphs and inputs go while the CUDA context is alive

  std::vector<std::string> variant_names;
  for (const fa::Variant* variant : plan.variants) variant_names.emplace_back(variant->name);
  errno = 0;
  std::printf("\n%s", format_summary(display.records(), variant_names).c_str());
  std::fflush(stdout);
  // Every write to a failed stdout fails again, so errno is the summary's write's.
  const int stdout_error = std::ferror(stdout) ? errno : 0;
  bool results_lost = false;
  if (stdout_error == EPIPE) {
    // The reader went away (`fa-sweep ... | head -1`: EPIPE, SIGPIPE is ignored): the sweep ran
    // to the end regardless and the report is written below; only the printing stopped.
    std::fprintf(stderr, "[fa-sweep] stdout was closed by its reader; the sweep went on\n");
  } else if (std::ferror(stdout)) {
    // Another failure (`> /dev/full`) is said as what it is (issue 15 re-run: it was called a
    // closed pipe); without --out the table was the only output, so the run failed.
    results_lost = !report;
    std::fprintf(
        stderr, "[fa-sweep] cannot write stdout: %s%s\n",
        stdout_error != 0 ? fa::report::errno_message(stdout_error).c_str() : "write error",
        results_lost ? "; without --out the results are lost (exit 1)"
                     : "; the report is still written");
  }
#ifdef FA_HAVE_CUPTI
  if (facts.kernel_timing == "cupti") {
    std::fprintf(stderr, "[fa-sweep] CUPTI: %s\n", CuptiKernelTimer::attribution_summary().c_str());
  }
#endif

  int status = results_lost ? 1 : 0;
  for (const UnmeasuredCase& unmeasured : unmeasured_cases(display.records())) {
    const bool skipped = unmeasured.status.state == fa::report::CaseState::skipped;
    std::fprintf(stderr, "[fa-sweep] %s %s: %s: %s\n",
                 skipped ? "not run:" : "FAILED:", unmeasured.case_name.c_str(),
                 std::string(fa::report::case_state_name(unmeasured.status.state)).c_str(),
                 unmeasured.status.message.c_str());
    if (!skipped) status = 1;
  }
  if (report) {
    fa::report::ReportDocument document;
    document.context = display.library_context();
    document.context.insert(document.context.end(), context.begin(), context.end());
    for (const RunRecord& record : display.records()) document.rows.push_back(record.row);
    report->commit(document);
    std::fprintf(stderr, "[fa-sweep] report: %s\n", report->final_path().c_str());
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  fa::report::ignore_broken_pipes();  // a closed stdout must not kill the sweep (issue 15 item 3)
  try {
    return run(argc, argv);
  } catch (const UsageError& error) {
    std::fprintf(stderr, "%s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "fa-sweep: %s\n", error.what());
    return 1;
  }
}
