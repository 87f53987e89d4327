#include "rendering.h"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

namespace fa::compare {

std::string format_us(double microseconds) {
  if (!std::isfinite(microseconds)) return "-";
  if (microseconds < 10) return fmt::format("{:.2f}", microseconds);
  if (microseconds < 1000) return fmt::format("{:.1f}", microseconds);
  return fmt::format("{:.0f}", microseconds);
}

std::string format_ratio(double ratio) {
  return std::isfinite(ratio) ? fmt::format("{:.3f}", ratio) : "-";
}

std::string format_interval(double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) return "-";
  return fmt::format("[{:.3f}, {:.3f}]", low, high);
}

std::string format_p_value(double p) {
  if (!std::isfinite(p)) return "-";
  return p >= 0.001 ? fmt::format("{:.4f}", p) : fmt::format("{:.1e}", p);
}

std::string format_change(double ratio) {
  return std::isfinite(ratio) ? fmt::format("{:+.1f}%", (ratio - 1) * 100) : "-";
}

std::string format_percent(double fraction) {
  return fmt::format("{:g}%", fraction * 100);
}

std::vector<std::string> case_row_headers(const Comparison& comparison) {
  return {"case",
          comparison.baseline.label + " us",
          comparison.contender.label + " us",
          "ratio",
          "95% CI",
          "change",
          "p",
          "verdict"};
}

CaseRow make_case_row(const CaseComparison& c) {
  CaseRow row;
  row.name = c.name;
  row.baseline_median = format_us(c.baseline.median_us);
  row.contender_median = format_us(c.contender.median_us);
  row.ratio = format_ratio(c.ratio);
  row.interval = format_interval(c.ci_low, c.ci_high);
  row.change = format_change(c.ratio);
  row.p_value = c.test ? format_p_value(c.test->p_value) : "-";
  row.verdict = std::string(verdict_name(c.verdict));
  row.verdict_kind = c.verdict;
  return row;
}

std::string verdict_counts(const Comparison& comparison) {
  std::string counts =
      fmt::format("{} case{}:", comparison.cases.size(), comparison.cases.size() == 1 ? "" : "s");
  bool first = true;
  for (const Verdict verdict : kAllVerdicts) {
    const std::size_t n = comparison.count(verdict);
    if (n == 0) continue;
    counts += fmt::format("{} {} {}", first ? "" : ",", n, verdict_name(verdict));
    first = false;
  }
  return counts;
}

std::string method_line(const Comparison& comparison) {
  const CompareSettings& s = comparison.settings;
  return fmt::format(
      "{} time (median of each side, us); ratio = {} / {} with a bootstrap {:g}% interval; "
      "two-sided Mann-Whitney U; slower/faster when p < {:g} and the ratio is outside 1 +/- {}",
      report::metric_name(s.metric), comparison.contender.label, comparison.baseline.label,
      s.bootstrap.confidence * 100, s.rule.alpha, format_percent(s.rule.threshold));
}

namespace {

const char* colour_of(Verdict verdict) {
  switch (verdict) {
    case Verdict::slower:
      return "\033[1;31m";
    case Verdict::faster:
      return "\033[1;32m";
    case Verdict::too_few_samples:
    case Verdict::no_ratio:
      return "\033[33m";
    case Verdict::failed:
      return "\033[35m";
    case Verdict::same:
      return "";
  }
  return "";
}

// Display width in terminal columns: UTF-8 continuation bytes take none.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

std::string pad(const std::string& text, std::size_t width, bool right_align) {
  const std::string fill(width - std::min(width, display_width(text)), ' ');
  return right_align ? fill + text : text + fill;
}

std::vector<std::string> cells_of(const CaseRow& row) {
  return {row.name,     row.baseline_median, row.contender_median, row.ratio,
          row.interval, row.change,          row.p_value,          row.verdict};
}

}  // namespace

bool stdout_wants_colour() {
  const char* no_colour = std::getenv("NO_COLOR");
  return ::isatty(::fileno(stdout)) == 1 && (no_colour == nullptr || no_colour[0] == '\0');
}

std::string render_table(const Comparison& comparison, bool colour) {
  const std::vector<std::string> headers = case_row_headers(comparison);
  std::vector<CaseRow> rows;
  for (const CaseComparison& c : comparison.cases) rows.push_back(make_case_row(c));

  std::vector<std::size_t> widths(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) widths[i] = display_width(headers[i]);
  for (const CaseRow& row : rows) {
    const std::vector<std::string> cells = cells_of(row);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(cells[i]));
    }
  }
  // The name and verdict columns read left to right; numbers line up on the right.
  const auto right_aligned = [&](std::size_t column) {
    return column != 0 && column != 4 && column + 1 != headers.size();
  };
  const auto line = [&](const std::vector<std::string>& cells, const char* verdict_colour) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string cell = pad(cells[i], widths[i], right_aligned(i));
      if (i + 1 == cells.size()) {
        while (!cell.empty() && cell.back() == ' ') cell.pop_back();
        if (verdict_colour != nullptr && verdict_colour[0] != '\0') {
          cell = verdict_colour + cell + "\033[0m";
        }
      }
      text += (i == 0 ? "" : "  ") + cell;
    }
    return text + "\n";
  };

  std::string out = method_line(comparison) + "\n";
  out +=
      fmt::format("baseline {} ({}), contender {} ({})\n\n", comparison.baseline.label,
                  comparison.baseline.path, comparison.contender.label, comparison.contender.path);
  out += line(headers, nullptr);
  std::size_t total_width = 0;
  for (const std::size_t width : widths) total_width += width + 2;
  out += std::string(total_width - 2, '-') + "\n";
  for (const CaseRow& row : rows) {
    out += line(cells_of(row), colour ? colour_of(row.verdict_kind) : nullptr);
  }
  out += "\n" + verdict_counts(comparison) + "\n";
  for (const GroupSummary& group : comparison.groups) {
    out += fmt::format("{}: geomean ratio {} over {} case(s); crossover {}\n", group.group,
                       format_ratio(group.geomean_ratio), group.cases_in_geomean,
                       group.crossover.note);
  }
  return out;
}

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
