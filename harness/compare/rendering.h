#pragma once
// Rendering a comparison: number formats, the per-case rows, the table, markdown, JSON and HTML
// (with its SVG charts).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "comparison.h"

namespace fa::compare {

// How numbers read in the text outputs (JSON keeps every digit). A missing value is "-".
std::string format_us(double microseconds);            // "41.2", "4.20", "1234"
std::string format_ratio(double ratio);                // "1.203"
std::string format_interval(double low, double high);  // "[1.190, 1.215]"
std::string format_p_value(double p);                  // "0.0079", "1.8e-04"
std::string format_change(double ratio);               // "+20.3%"
std::string format_percent(double fraction);           // 0.05 -> "5%"

// The per-case columns every human-readable format shows, as text, so the table, the markdown
// and the HTML agree cell for cell.
struct CaseRow {
  std::string name;
  std::string baseline_median;
  std::string contender_median;
  std::string ratio;
  std::string interval;
  std::string change;
  std::string p_value;  // several reports per side: the adjusted p
  // Several reports per side: rounds, mde, rounds to decide (and rounds for --plan-effect).
  std::vector<std::string> extras;
  std::string verdict;
  Verdict verdict_kind = Verdict::same;
};

// The unit of a table's medians, one per table: ns when any median is below 1 us, else us. (A
// 20 ns Google Benchmark case printed as "0.02" on both sides beside a ratio of 1.208.)
struct TimeUnit {
  std::string_view name;  // "us" or "ns"
  double per_us = 1;      // how many of the unit make a microsecond
};
TimeUnit median_unit(const Comparison& comparison);

std::vector<std::string> case_row_headers(const Comparison& comparison);
CaseRow make_case_row(const CaseComparison& c, const TimeUnit& unit);

// "27 cases: 3 slower, 1 faster, 23 same" (kinds with no case left out).
std::string verdict_counts(const Comparison& comparison);
// "e2e time (median, us); slower/faster when p < 0.05 and the ratio is outside 1 +/- 5%".
std::string method_line(const Comparison& comparison);

// The terminal table: aligned columns, the verdict coloured when asked (a terminal without
// NO_COLOR; the caller decides).
std::string render_table(const Comparison& comparison, bool colour);

// True when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org).
bool stdout_wants_colour();

// GitHub-flavoured markdown: the per-case table plus the summaries (geomean, crossover, which
// variant to use per batch and seq), ready to append to $GITHUB_STEP_SUMMARY.
std::string render_markdown(const Comparison& comparison);

// Text safe inside a markdown table cell: '|' escaped, HTML brackets as entities.
std::string markdown_cell(const std::string& text);

// Every number of a comparison as JSON, for machines. Missing numbers are null.
nlohmann::json comparison_to_json(const Comparison& comparison);
std::string render_json(const Comparison& comparison);

// Text from reports is untrusted: escape it for HTML element content and attribute values.
std::string html_escape(const std::string& text);

// One self-contained HTML file (inline CSS and SVG, no network at view time): the ratio vs batch
// chart per group with the bootstrap intervals, per case the kernel vs overhead bars of each side
// (when the reports have those counters), the summaries and the per-case table.
std::string render_html(const Comparison& comparison);

// The HTML report's charts as inline SVG, generated here so the file needs nothing from the
// network. Elements carry classes (and data- attributes) that tests and stylesheets can find:
//   svg.chart.ratio-chart       one per group: g.ratio-point (circle.point, line.error-bar) per
//                               batch, line.unity-line at 1.0, rect.threshold-band, polyline
//   svg.chart.overhead-chart    one per case: g.stack-bar per side, each with rect.bar-kernel
//                               under rect.bar-overhead
// Ratio (contender / baseline) vs batch for one group, with the bootstrap interval as error bars.
std::string ratio_chart_svg(const GroupSummary& group,
                            const std::vector<const CaseComparison*>& cases_by_batch,
                            const Comparison& comparison, std::size_t index);

// Kernel time under overhead, stacked, for each side of one case (medians of kernel_us and
// overhead_us). Requires both medians on both sides.
// The phase waterfall of one case: one bar per phase difference, stacked, then their sum
// (svg.chart.phase-chart, g.phase-step with rect.phase-bar per phase). Requires c.phases.
std::string phase_chart_svg(const CaseComparison& c, std::size_t index);

std::string overhead_chart_svg(const CaseComparison& c, const Comparison& comparison,
                               std::size_t index);

// What the comparison says about between-run noise, in one sentence (every output shows it).
std::string between_run_noise(const Comparison& comparison);

// One line saying why there is no phase table at all ("" when some case has one).
std::string phase_table_note(const Comparison& comparison);
// The detailed outputs (markdown, HTML) show a case's phase table when it has phases and its
// verdict is not "same": a change, or no decision, is what needs explaining. JSON has them all.
bool shows_phase_table(const CaseComparison& c);

// "slower +6.8%: v2.7.0/dispatch +1.1 us, core/launch +0.3 us": the verdict and change, with
// the largest phases (at most three) when the case has a phase table.
std::string explained_verdict(const CaseComparison& c);
// "+1.1 us", "-0.35 us": a signed phase difference.
std::string format_difference_us(double microseconds);

}  // namespace fa::compare
