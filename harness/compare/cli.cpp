#include "cli.h"

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <new>
#include <ostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "comparison.h"
#include "rendering.h"
#include "report/atomic_file.h"
#include "report/output_file.h"
#include "report/report.h"
#include "report/text.h"

namespace fa::compare {

namespace {

constexpr const char* kDescription =
    "fa-compare: compare fa-sweep (or any Google Benchmark) JSON reports case by case. Several "
    "reports per side (--base/--head, one per process): the process is the unit, a two-level "
    "bootstrap interval, an exact sign-flip or permutation test over rounds, Holm or BH across "
    "cases, verdicts slower/faster/same/inconclusive. One report: ratio of medians with a "
    "bootstrap 95% interval and a Mann-Whitney U test over repetitions. Summaries per seq "
    "length, a phase table, markdown for CI, an HTML report with plots.";

constexpr const char* kExamples = R"(Examples:
  fa-compare --base ab/base-*.json --head ab/head-*.json --fail-on regression
      two builds, several processes each (scripts/ab): the form for a CI gate
  fa-compare results/run.json --baseline v2.6.3 --contender v2.7.0
      two variants inside one run (matched by the case without its variant)
  fa-compare results/base.json results/new.json
      two runs, one report each: cannot account for between-run noise, so --fail-on
      regression only warns unless --trust-single-run
  fa-compare --base ab/base-*.json --head ab/head-*.json --format markdown >> "$GITHUB_STEP_SUMMARY"
  fa-compare run.json --baseline v2.6.3 --contender v2.7.0 --metric kernel --html report.html

Exit codes: 0 fine; 1 with --fail-on regression: a case slower (adjusted p < alpha, interval
excluding 1, beyond the threshold) or a contender case failed; 2 bad input or usage (one line
names the file or flag and the problem; nothing is written).)";

// The loader's limits, stated as limits with their values (issue 15 item 8): a larger input is
// refused with exit 2, never taken for a broken report.
std::string limits_text() {
  return fmt::format(
      "\nLimits: a report file of at most {} MiB, at most {} iteration rows (repetitions) per "
      "case, names of at most {} characters, JSON nested at most {} levels deep; fa-sweep's "
      "reports are far below them (the article grid at 10 repetitions: under 2 MB).",
      report::kMaxReportBytes >> 20, report::kMaxSamplesPerCase, report::kMaxNameLength,
      report::kMaxJsonDepth);
}

// Every file fa-compare writes goes through report/output_file.h, as fa-sweep's --out does: an
// input report is never overwritten (same file by identity), a non-regular target is refused.
void check_outputs(const CliOptions& options) {
  std::vector<std::pair<std::string, std::string>> outputs;
  if (options.html_path) outputs.emplace_back("--html", *options.html_path);
  if (options.output_path) outputs.emplace_back("--output", *options.output_path);
  std::vector<std::string> inputs(options.reports);
  inputs.insert(inputs.end(), options.base_reports.begin(), options.base_reports.end());
  inputs.insert(inputs.end(), options.head_reports.begin(), options.head_reports.end());
  for (const auto& [flag, path] : outputs) {
    if (path.empty()) throw UsageError(flag + ": empty file name");
    try {
      report::refuse_overwriting_inputs(flag, path, inputs, "an input report");
      report::check_output_target(path);
    } catch (const report::OutputTargetError& error) {
      throw UsageError(error.what());
    }
  }
  if (outputs.size() == 2) {
    const auto target = [](const std::string& path) {
      std::error_code ignored;
      return std::filesystem::weakly_canonical(report::resolve_output_path(path), ignored).string();
    };
    if (report::same_file(outputs[0].second, outputs[1].second) ||
        target(outputs[0].second) == target(outputs[1].second)) {
      throw UsageError("--html and --output name the same file " + outputs[0].second);
    }
  }
}

// A report given twice (by identity: another spelling, a link) counts one process twice, or
// compares a run with itself: either decides nothing, so it is refused (issue 15 re-run: it was
// taken, and a duplicated round narrowed the interval as if it were new evidence). One exception:
// with two different variants selected, a report may be on --base and on --head once each (its
// two variants ran interleaved in that process).
void refuse_reports_given_twice(const CliOptions& options, bool variants_differ) {
  std::vector<std::pair<std::string, std::string>> inputs;  // (flag or role, path)
  for (std::size_t i = 0; i < options.reports.size(); ++i) {
    inputs.emplace_back(options.reports.size() == 2 && i == 1 ? "CONTENDER" : "BASE",
                        options.reports[i]);
  }
  for (const std::string& path : options.base_reports) inputs.emplace_back("--base", path);
  for (const std::string& path : options.head_reports) inputs.emplace_back("--head", path);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (std::size_t j = i + 1; j < inputs.size(); ++j) {
      if (!report::same_file(inputs[i].second, inputs[j].second)) continue;
      if (variants_differ && inputs[i].first == "--base" && inputs[j].first == "--head") continue;
      throw UsageError(fmt::format(
          "{} {} and {} {} are one file: give each report once (a report counted twice, or "
          "compared with itself, is no evidence)",
          inputs[i].first, report::one_line(inputs[i].second), inputs[j].first,
          report::one_line(inputs[j].second)));
    }
  }
}

}  // namespace

std::optional<double> parse_threshold(const std::string& text) {
  std::string number = text;
  bool percent = false;
  if (!number.empty() && number.back() == '%') {
    percent = true;
    number.pop_back();
  }
  if (number.empty()) return std::nullopt;
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != number.size() || !std::isfinite(value)) return std::nullopt;
  if (percent) value /= 100;
  if (value < 0 || value >= 1) return std::nullopt;
  return value;
}

CliOptions parse_cli(int argc, const char* const* argv) {
  CliOptions options;
  CLI::App app(kDescription, "fa-compare");
  app.footer(std::string(kExamples) + limits_text());
  app.get_formatter()->column_width(34);

  std::string metric = "e2e";
  std::string threshold = "5%";
  std::string format = "table";
  std::string fail_on = "never";
  std::string baseline_variant;
  std::string contender_variant;
  std::string html_path;
  std::string output_path;

  std::string correction = "bh";
  double plan_effect = 0;
  app.add_option("reports", options.reports,
                 "BASE.json CONTENDER.json (two runs), or RUN.json with --baseline and "
                 "--contender; e.g. results/base.json results/new.json");
  app.add_option("--base", options.base_reports,
                 "several reports of the baseline build, one per process (round); with --head; "
                 "e.g. --base ab/base-*.json")
      ->expected(1, -1);
  app.add_option("--head", options.head_reports,
                 "several reports of the contender build, one per process; e.g. "
                 "--head ab/head-*.json")
      ->expected(1, -1);
  app.add_option("--correction", correction,
                 "with --base/--head: bh (Benjamini-Hochberg false discovery rate, default) or "
                 "holm (family-wise error) across the cases; e.g. --correction holm")
      ->check(CLI::IsMember({"holm", "bh"}));
  app.add_option("--plan-effect", plan_effect,
                 "with --base/--head: per case, the rounds needed to detect a change of this "
                 "fraction; e.g. --plan-effect 0.03");
  app.add_flag("--trust-single-run", options.trust_single_run,
               "with one report per side, let --fail-on regression fail (exit 1) although one "
               "run per side cannot account for between-run noise; e.g. --trust-single-run");
  app.add_flag("--allow-failed-cases", options.allow_failed_cases,
               "a case that failed on the contender side does not fail --fail-on regression; "
               "e.g. --allow-failed-cases");
  app.add_option("--baseline", baseline_variant,
                 "the baseline variant: compare variants by the case without its variant; "
                 "with --base/--head, one variant per side over the processes (the same "
                 "reports may be on both sides); e.g. --baseline v2.6.3");
  app.add_option("--contender", contender_variant,
                 "the contender variant, with --baseline; e.g. --contender v2.7.0");
  app.add_option("--metric", metric,
                 "time to compare: e2e (end to end, fa-sweep's per-repetition median e2e_us; "
                 "real_time for other programs' reports), kernel, host, overhead, or real_time "
                 "(Google Benchmark's field, a repetition's mean: compare.py's U test); default "
                 "e2e; e.g. --metric kernel")
      ->check(CLI::IsMember({"e2e", "kernel", "host", "overhead", "real_time"}));
  app.add_option("--threshold", threshold,
                 "smallest change that counts, a percentage or a fraction; default 5%; "
                 "e.g. --threshold 10% or --threshold 0.1");
  app.add_option("--alpha", options.settings.rule.alpha,
                 "significance level of the U test; default 0.05; e.g. --alpha 0.01");
  app.add_option("--format", format,
                 "text output: table (aligned, colour on a terminal unless NO_COLOR is set), "
                 "markdown (with summaries, for $GITHUB_STEP_SUMMARY) or json (every number); "
                 "default table; e.g. --format markdown")
      ->check(CLI::IsMember({"table", "markdown", "json"}));
  app.add_option("--output", output_path,
                 "write the text output to FILE instead of stdout (atomically); "
                 "e.g. --output results/compare.md");
  app.add_option("--html", html_path,
                 "also write a self-contained HTML report with charts; e.g. --html report.html");
  app.add_option("--fail-on", fail_on,
                 "regression: exit 1 when any case is significantly slower beyond the threshold; "
                 "never: exit 0 whatever the verdicts; default never; e.g. --fail-on regression")
      ->check(CLI::IsMember({"regression", "never"}));
  app.add_flag("--strict", options.settings.strict,
               "refuse (exit 2) reports from different GPUs, configs, modes or backends instead "
               "of warning; e.g. --strict");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    options.help = true;
    options.help_text = app.help();
    return options;
  } catch (const CLI::ParseError& error) {
    throw UsageError(std::string(error.what()) + " (see fa-compare --help)");
  }

  const bool sets = !options.base_reports.empty() || !options.head_reports.empty();
  if (sets && !options.reports.empty()) {
    throw UsageError(
        fmt::format("{} given with --base/--head: give the reports either as "
                    "BASE.json CONTENDER.json or after --base and --head",
                    options.reports.front()));
  }
  if (sets && (options.base_reports.empty() || options.head_reports.empty())) {
    throw UsageError(fmt::format("{} without {}: give both sides' reports",
                                 options.base_reports.empty() ? "--head" : "--base",
                                 options.base_reports.empty() ? "--base" : "--head"));
  }
  if (!sets && options.reports.empty()) {
    throw UsageError(
        "reports is required: give BASE.json CONTENDER.json, RUN.json with --baseline and "
        "--contender, or --base A1.json ... --head B1.json ... (see fa-compare --help)");
  }
  if (baseline_variant.empty() != contender_variant.empty()) {
    throw UsageError(fmt::format("{} without {}: name both variants",
                                 baseline_variant.empty() ? "--contender" : "--baseline",
                                 baseline_variant.empty() ? "--baseline" : "--contender"));
  }
  refuse_reports_given_twice(options,
                             !baseline_variant.empty() && baseline_variant != contender_variant);
  if (options.base_reports.size() == 1 && options.head_reports.size() == 1) {
    options.reports = {options.base_reports.front(), options.head_reports.front()};
    options.base_reports.clear();
    options.head_reports.clear();
  }
  options.settings.correction = correction == "bh" ? Correction::bh : Correction::holm;
  if (app.count("--plan-effect") > 0) {
    if (!(plan_effect > 0 && plan_effect < 1)) {
      throw UsageError(
          fmt::format("--plan-effect {}: expected a fraction between 0 and 1, e.g. "
                      "0.03 for 3%",
                      plan_effect));
    }
    options.settings.plan_effect = plan_effect;
  }
  // Flags of the several-reports form have no effect on one report per side: refused, not
  // silently ignored (issue 15 re-run).
  for (const char* flag : {"--plan-effect", "--correction"}) {
    if (options.base_reports.empty() && app.count(flag) > 0) {
      throw UsageError(fmt::format(
          "{} goes with several reports per side (--base A1.json A2.json ... --head B1.json "
          "B2.json ...); with one report per side it would have no effect",
          flag));
    }
  }
  if (options.reports.size() > 2) {
    throw UsageError(
        fmt::format("{} reports given; give BASE.json CONTENDER.json, or RUN.json "
                    "with --baseline and --contender",
                    options.reports.size()));
  }
  if (!baseline_variant.empty()) {
    options.baseline_variant = baseline_variant;
    options.contender_variant = contender_variant;
  }
  if (options.reports.size() == 1) {
    if (!options.baseline_variant) {
      throw UsageError(
          fmt::format("one report ({}) needs --baseline and --contender variants; "
                      "or give two reports",
                      options.reports[0]));
    }
    if (baseline_variant == contender_variant) {
      throw UsageError(fmt::format("--baseline and --contender both name {}: nothing to compare",
                                   baseline_variant));
    }
  }
  const auto parsed_threshold = parse_threshold(threshold);
  if (!parsed_threshold) {
    throw UsageError(
        fmt::format("--threshold {}: expected a percentage (5%) or a fraction "
                    "(0.05) from 0 up to but not including 1",
                    threshold));
  }
  options.settings.rule.threshold = *parsed_threshold;
  const double alpha = options.settings.rule.alpha;
  if (!(alpha > 0 && alpha < 1)) {
    throw UsageError(fmt::format("--alpha {}: expected a probability between 0 and 1", alpha));
  }
  options.settings.metric = *report::parse_metric(metric);
  options.format = format == "markdown" ? OutputFormat::markdown
                   : format == "json"   ? OutputFormat::json
                                        : OutputFormat::table;
  options.fail_on_regression = fail_on == "regression";
  if (!html_path.empty() || app.count("--html") > 0) options.html_path = html_path;
  if (!output_path.empty() || app.count("--output") > 0) options.output_path = output_path;
  check_outputs(options);
  return options;
}

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

// A side's label in the multi-report form: its reports' common ab_revision, else "base"/"head".
std::string set_label(const std::vector<report::Report>& reports, const char* fallback) {
  const std::string revision = reports.front().context_string("ab_revision");
  for (const report::Report& report : reports) {
    if (report.context_string("ab_revision") != revision) return fallback;
  }
  return revision.empty() ? fallback : revision;
}

std::vector<report::Report> load_all(const std::vector<std::string>& paths) {
  std::vector<report::Report> reports;
  reports.reserve(paths.size());
  for (const std::string& path : paths) reports.push_back(report::load_report(path));
  return reports;
}

Comparison compare_from_options(const CliOptions& options) {
  if (!options.base_reports.empty()) {
    const std::vector<report::Report> base = load_all(options.base_reports);
    const std::vector<report::Report> head = load_all(options.head_reports);
    if (options.baseline_variant) {
      const SetVariants variants{options.baseline_variant, options.contender_variant};
      SideLabels labels{*variants.baseline, *variants.contender};
      if (labels.baseline == labels.contender) {
        labels = {fmt::format("{} ({})", labels.baseline, set_label(base, "base")),
                  fmt::format("{} ({})", labels.contender, set_label(head, "head"))};
      }
      return compare_report_sets(base, head, labels, options.settings, variants);
    }
    SideLabels labels{set_label(base, "base"), set_label(head, "head")};
    if (labels.baseline == labels.contender) labels = {"base", "head"};
    return compare_report_sets(base, head, labels, options.settings);
  }
  const report::Report baseline_report = report::load_report(options.reports[0]);
  std::optional<report::Report> contender_report;
  if (options.reports.size() == 2) contender_report = report::load_report(options.reports[1]);
  const report::Report& contender_source = contender_report ? *contender_report : baseline_report;

  const auto [baseline_label, contender_label] = side_labels(options);
  const ReportSide baseline{&baseline_report, options.baseline_variant, baseline_label};
  const ReportSide contender{&contender_source, options.contender_variant, contender_label};
  return compare_reports(baseline, contender, options.settings);
}

// The exit code, with the line that explains a gate that did not fail although it could have.
int gate(const Comparison& comparison, const CliOptions& options, std::ostream& err) {
  if (!options.fail_on_regression) return kExitFine;
  if (comparison.head_failures > 0) {
    std::string example;
    for (const CaseComparison& c : comparison.cases) {
      if (c.head_failed) {
        example = c.name;
        break;
      }
    }
    if (!options.allow_failed_cases) {
      err << "fa-compare: " << comparison.head_failures << " case(s) failed on the contender side "
          << "(e.g. " << example << "): --fail-on regression fails (--allow-failed-cases "
          << "relaxes this)\n";
      return kExitRegression;
    }
  }
  const std::size_t slower = comparison.count(Verdict::slower);
  if (slower == 0) return kExitFine;
  if (comparison.single_run && !options.trust_single_run) {
    err << "fa-compare: warning: " << slower << " case(s) slower, but one report per side cannot "
        << "account for between-run noise: not failing --fail-on regression (exit 0); compare "
        << "several reports per side (--base/--head, e.g. from scripts/ab) or pass "
        << "--trust-single-run\n";
    return kExitFine;
  }
  return kExitRegression;
}

// The exit status once stdout was written (`write_error`: errno of a failed write, else 0). A
// reader that went away (`fa-compare ... | head -1`: EPIPE, SIGPIPE is ignored in main) leaves
// the verdict's status, the files having been written first (issue 15); any other failure (a full
// disk) lost the output that was asked for: one line, exit 2.
int stdout_status(int write_error, int verdict_status, std::ostream& err) {
  if (write_error == 0) return verdict_status;
  if (write_error == EPIPE) {
    err << "fa-compare: stdout was closed by its reader; the exit status is the verdict's\n";
    return verdict_status;
  }
  err << "fa-compare: cannot write the text output to stdout: "
      << report::errno_message(write_error) << "\n";
  return kExitBadInput;
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
  const Comparison comparison = compare_from_options(options);

  // Everything is rendered before anything is written: a failure leaves no partial output.
  const bool colour = !options.output_path && out_is_terminal && stdout_wants_colour();
  const std::string text = render_text(comparison, options.format, colour);
  const std::string html = options.html_path ? render_html(comparison) : std::string();

  std::vector<std::pair<std::string, const std::string*>> files;
  if (options.html_path) files.emplace_back(*options.html_path, &html);
  if (options.output_path) files.emplace_back(*options.output_path, &text);
  // Every output or none (issue 15 item 5), through the link to its target, never over a
  // device or FIFO, the temporary files removed on signals (report/atomic_file.h).
  report::write_files_atomically(files);

  for (const std::string& warning : comparison.warnings) {
    err << "fa-compare: warning: " << warning << "\n";
  }
  if (options.html_path) err << "fa-compare: wrote " << *options.html_path << "\n";
  if (options.output_path) {
    err << "fa-compare: wrote " << *options.output_path << "\n";
    return gate(comparison, options, err);
  }
  out << text << std::flush;
  const int write_error = out ? 0 : errno;
  return stdout_status(write_error, gate(comparison, options, err), err);
}

}  // namespace

int compare_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                 bool out_is_terminal) {
  try {
    const CliOptions options = parse_cli(argc, argv);
    if (options.help) {
      out << options.help_text << std::flush;
      return stdout_status(out ? 0 : errno, kExitFine, err);
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
