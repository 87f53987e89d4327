#pragma once
// fa-compare's command line: the options and the command from argv to exit code.

#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "comparison.h"

namespace fa::compare {

// fa-compare's command line, parsed with CLI11 into plain settings. Bad usage is a UsageError
// whose what() is one line naming the flag and the problem (exit 2).
enum class OutputFormat { table, markdown, json };

struct CliOptions {
  std::vector<std::string> reports;  // BASE.json CONTENDER.json, or RUN.json
  // --base A1.json A2.json ... --head B1.json ...: several reports per side (with one each, they
  // become `reports` and compare as two runs).
  std::vector<std::string> base_reports;
  std::vector<std::string> head_reports;
  std::optional<std::string> baseline_variant;
  std::optional<std::string> contender_variant;
  CompareSettings settings;
  OutputFormat format = OutputFormat::table;
  std::optional<std::string> html_path;
  std::optional<std::string> output_path;  // the text output goes here instead of stdout
  bool fail_on_regression = false;
  // One report per side cannot account for between-run noise: --fail-on regression then only
  // warns, unless the user trusts the single run.
  bool trust_single_run = false;
  bool allow_failed_cases = false;  // a failed contender case does not fail --fail-on regression
  bool help = false;                // --help: print help_text, exit 0
  std::string help_text;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

CliOptions parse_cli(int argc, const char* const* argv);

// "5%" -> 0.05, "0.05" -> 0.05; nullopt for anything else or outside [0, 1).
std::optional<double> parse_threshold(const std::string& text);

// fa-compare from argv to exit code: parse, load, compare, render every output in memory, then
// write files (atomically) and print. Any bad input or usage is one line on `err` and exit 2,
// before anything is written.
inline constexpr int kExitFine = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitBadInput = 2;

int compare_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                 bool out_is_terminal);

}  // namespace fa::compare
