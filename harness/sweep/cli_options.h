#pragma once
// fa-sweep's command line (CLI11). Flags starting with --benchmark_ go to Google Benchmark.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fa::sweep {

struct SweepOptions {
  std::string config_path;
  std::optional<std::vector<std::string>> variants;  // --variants a,b
  std::optional<std::string> mode;                   // eager | graph | both
  std::string backend = "auto";                      // auto | cuda | cpu
  std::optional<int> repetitions;
  std::optional<double> min_time_s;
  std::optional<int> iterations;
  std::string out;                      // empty: print only
  std::string filter;                   // empty: every case
  std::string kernel_timing = "after";  // after | inline | off
  bool nvtx = true;                     // --no-nvtx: no per-case range
  std::optional<int> phase_samples;     // --phase-samples N (0: no phase pass)
  bool list = false;                    // --list: print the case names and exit
  // --benchmark_enable_random_interleaving (default true), read here once: fa-sweep passes
  // Google Benchmark the value and writes it to the report.
  bool random_interleaving = true;
  // --benchmark_context=key=value,... : the user's context fields, written to the report after
  // the harness's own (whose keys they may not reuse).
  std::vector<std::pair<std::string, std::string>> user_context;
  std::vector<std::string> benchmark_args;  // the other --benchmark_* flags, verbatim
};

struct CommandLine {
  bool run = false;  // false: exit with exit_code (after --help, or an error already printed)
  int exit_code = 0;
  SweepOptions options;
};

// Parses argv. --help prints the help (to stdout) and returns {run=false, exit_code=0}. A bad flag
// throws UsageError("fa-sweep: <flag>: <problem>").
CommandLine parse_command_line(int argc, const char* const* argv);

// Splits "a,b,,c" into {"a", "b", "c"} (empty items dropped, spaces trimmed).
std::vector<std::string> split_list(const std::string& text);

}  // namespace fa::sweep
