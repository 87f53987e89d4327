#include "markdown_output.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "case_rows.h"
#include "number_format.h"

namespace fa::compare {
namespace {

std::string table_line(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const std::string& cell : cells) line += " " + markdown_cell(cell) + " |";
  return line + "\n";
}

std::string recommendation_grid(const Comparison& comparison) {
  std::set<int> batches;
  for (const GroupSummary& group : comparison.groups) {
    for (const Recommendation& r : group.recommendations) batches.insert(r.batch);
  }
  std::vector<std::string> header = {"group \\ batch"};
  for (const int batch : batches) header.push_back(std::to_string(batch));
  std::string out = table_line(header);
  out += "|---|";
  for (std::size_t i = 0; i < batches.size(); ++i) out += ":---:|";
  out += "\n";
  for (const GroupSummary& group : comparison.groups) {
    std::map<int, std::string> by_batch;
    for (const Recommendation& r : group.recommendations) {
      by_batch[r.batch] =
          r.verdict != Verdict::slower && r.verdict != Verdict::faster
              ? markdown_cell(r.choice)
              : fmt::format("**{}** ({})", markdown_cell(r.choice), format_ratio(r.ratio));
    }
    std::string line = "| " + markdown_cell(group.group) + " |";
    for (const int batch : batches) {
      const auto found = by_batch.find(batch);
      line += " " + (found == by_batch.end() ? std::string("") : found->second) + " |";
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string markdown_cell(const std::string& text) {
  std::string cell;
  for (const char c : text) {
    if (c == '|') {
      cell += "\\|";
    } else if (c == '<') {
      cell += "&lt;";
    } else if (c == '>') {
      cell += "&gt;";
    } else if (c == '&') {
      cell += "&amp;";
    } else if (c == '\n' || c == '\r') {
      cell += ' ';
    } else {
      cell += c;
    }
  }
  return cell;
}

std::string render_markdown(const Comparison& comparison) {
  std::string out = fmt::format(
      "## fa-compare: {} vs {} ({})\n\n", markdown_cell(comparison.contender.label),
      markdown_cell(comparison.baseline.label), report::metric_name(comparison.settings.metric));
  out += fmt::format("Baseline `{}` ({}), contender `{}` ({}).\n", comparison.baseline.path,
                     markdown_cell(comparison.baseline.label), comparison.contender.path,
                     markdown_cell(comparison.contender.label));
  out += markdown_cell(method_line(comparison)) + ".\n\n";
  out += "**" + verdict_counts(comparison) + "**\n\n";

  out += table_line(case_row_headers(comparison));
  out += "|---|---:|---:|---:|---|---:|---:|---|\n";
  for (const CaseComparison& c : comparison.cases) {
    CaseRow row = make_case_row(c);
    std::string verdict = markdown_cell(row.verdict);
    if (c.verdict == Verdict::slower || c.verdict == Verdict::faster)
      verdict = "**" + verdict + "**";
    std::string line = table_line({row.name, row.baseline_median, row.contender_median, row.ratio,
                                   row.interval, row.change, row.p_value});
    out += line.substr(0, line.size() - 1) + " " + verdict + " |\n";
  }

  if (!comparison.groups.empty()) {
    out += "\n### Per group: geometric mean of the ratios and the crossover batch\n\n";
    out += "| group | geomean ratio | cases | crossover batch | |\n|---|---:|---:|---:|---|\n";
    for (const GroupSummary& group : comparison.groups) {
      out += table_line({group.group, format_ratio(group.geomean_ratio),
                         std::to_string(group.cases_in_geomean),
                         group.crossover.batch ? std::to_string(*group.crossover.batch) : "-",
                         group.crossover.note});
    }
    out += "\n### Which to use, per group and batch\n\n";
    out += fmt::format(
        "The faster side where the difference counts (its ratio "
        "{}/{} in brackets), else either.\n\n",
        markdown_cell(comparison.contender.label), markdown_cell(comparison.baseline.label));
    out += recommendation_grid(comparison);
  }
  if (!comparison.warnings.empty()) {
    out += "\n### Warnings\n\n";
    for (const std::string& warning : comparison.warnings) {
      out += "- " + markdown_cell(warning) + "\n";
    }
  }
  return out;
}

}  // namespace fa::compare
