#include "compare_command.h"

#include <filesystem>
#include <new>
#include <ostream>

#include "cli_options.h"
#include "comparison.h"
#include "html_output.h"
#include "json_output.h"
#include "markdown_output.h"
#include "report/atomic_file.h"
#include "report/report.h"
#include "table_output.h"

namespace fa::compare {
namespace {

// How outputs name the two sides: variants when comparing variants, else the files' names.
std::pair<std::string, std::string> side_labels(const CliOptions& options) {
  const bool two_files = options.reports.size() == 2;
  if (options.baseline_variant) {
    const std::string& base = *options.baseline_variant;
    const std::string& contender = *options.contender_variant;
    if (base != contender) return {base, contender};
    const auto file = [](const std::string& path) {
      return std::filesystem::path(path).filename().string();
    };
    return {base + " (" + file(options.reports[0]) + ")",
            contender + " (" + file(options.reports[two_files ? 1 : 0]) + ")"};
  }
  std::string base = std::filesystem::path(options.reports[0]).stem().string();
  std::string contender = std::filesystem::path(options.reports[1]).stem().string();
  if (base == contender || base.empty() || contender.empty()) return {"baseline", "contender"};
  return {base, contender};
}

std::string render_text(const Comparison& comparison, OutputFormat format, bool colour) {
  switch (format) {
    case OutputFormat::markdown:
      return render_markdown(comparison);
    case OutputFormat::json:
      return render_json(comparison);
    case OutputFormat::table:
      return render_table(comparison, colour);
  }
  return {};
}

int run(const CliOptions& options, std::ostream& out, std::ostream& err, bool out_is_terminal) {
  const report::Report baseline_report = report::load_report(options.reports[0]);
  std::optional<report::Report> contender_report;
  if (options.reports.size() == 2) contender_report = report::load_report(options.reports[1]);
  const report::Report& contender_source = contender_report ? *contender_report : baseline_report;

  const auto [baseline_label, contender_label] = side_labels(options);
  const ReportSide baseline{&baseline_report, options.baseline_variant, baseline_label};
  const ReportSide contender{&contender_source, options.contender_variant, contender_label};
  const Comparison comparison = compare_reports(baseline, contender, options.settings);

  // Everything is rendered before anything is written: a failure leaves no partial output.
  const bool colour = !options.output_path && out_is_terminal && stdout_wants_colour();
  const std::string text = render_text(comparison, options.format, colour);
  const std::string html = options.html_path ? render_html(comparison) : std::string();

  if (options.html_path) report::write_file_atomically(*options.html_path, html);
  if (options.output_path) report::write_file_atomically(*options.output_path, text);

  for (const std::string& warning : comparison.warnings) {
    err << "fa-compare: warning: " << warning << "\n";
  }
  if (options.html_path) err << "fa-compare: wrote " << *options.html_path << "\n";
  if (options.output_path) {
    err << "fa-compare: wrote " << *options.output_path << "\n";
  } else {
    out << text << std::flush;
  }
  const bool regressed = comparison.count(Verdict::slower) > 0;
  return options.fail_on_regression && regressed ? kExitRegression : kExitFine;
}

}  // namespace

int compare_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                 bool out_is_terminal) {
  try {
    const CliOptions options = parse_cli(argc, argv);
    if (options.help) {
      out << options.help_text << std::flush;
      return kExitFine;
    }
    return run(options, out, err, out_is_terminal);
  } catch (const std::bad_alloc&) {
    err << "fa-compare: out of memory\n";
  } catch (const std::exception& error) {
    // ReportError, UsageError and write failures: each is one line naming the file or flag.
    err << "fa-compare: " << error.what() << "\n";
  }
  return kExitBadInput;
}

}  // namespace fa::compare
