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

std::string format_difference_us(double microseconds) {
  if (!std::isfinite(microseconds)) return "-";
  const double size = std::abs(microseconds);
  if (size < 1) return fmt::format("{:+.2f} us", microseconds);
  if (size < 100) return fmt::format("{:+.1f} us", microseconds);
  return fmt::format("{:+.0f} us", microseconds);
}

TimeUnit median_unit(const Comparison& comparison) {
  for (const CaseComparison& c : comparison.cases) {
    for (const double median : {c.baseline.median_us, c.contender.median_us}) {
      if (std::isfinite(median) && median < 1) return {"ns", 1000};
    }
  }
  return {"us", 1};
}

std::vector<std::string> case_row_headers(const Comparison& comparison) {
  const bool process = comparison.unit == Unit::process;
  const std::string unit(median_unit(comparison).name);
  std::vector<std::string> headers = {
      "case",
      comparison.baseline.label + " " + unit,
      comparison.contender.label + " " + unit,
      "ratio",
      "95% CI",
      "change",
      process ? (comparison.settings.correction == Correction::holm ? "p (holm)" : "p (bh)") : "p"};
  if (process) {
    headers.insert(headers.end(), {"rounds", "mde", "to decide"});
    if (comparison.settings.plan_effect) {
      headers.push_back("rounds for " + format_percent(*comparison.settings.plan_effect));
    }
  }
  headers.push_back("verdict");
  return headers;
}

CaseRow make_case_row(const CaseComparison& c, const TimeUnit& unit) {
  CaseRow row;
  row.name = c.name;
  row.baseline_median = format_us(c.baseline.median_us * unit.per_us);
  row.contender_median = format_us(c.contender.median_us * unit.per_us);
  row.ratio = format_ratio(c.ratio);
  row.interval = format_interval(c.ci_low, c.ci_high);
  row.change = format_change(c.ratio);
  row.p_value = c.test ? format_p_value(c.test->p_value) : "-";
  if (c.rounds) {
    const RoundAnalysis& r = *c.rounds;
    row.p_value = format_p_value(r.p_adjusted);
    row.extras.push_back(r.paired ? std::to_string(r.rounds)
                                  : fmt::format("{}+{}", r.base_processes, r.head_processes));
    row.extras.push_back(std::isfinite(r.mde) ? fmt::format("{:.1f}%", r.mde * 100) : "-");
    row.extras.push_back(!r.rounds_needed         ? "-"
                         : r.rounds_needed_capped ? fmt::format(">{}", kRoundsCap)
                                                  : std::to_string(*r.rounds_needed));
    if (r.rounds_for_plan) {
      row.extras.push_back(*r.rounds_for_plan >= kRoundsCap ? fmt::format(">{}", kRoundsCap)
                                                            : std::to_string(*r.rounds_for_plan));
    }
  }
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

std::string between_run_noise(const Comparison& comparison) {
  if (comparison.unit == Unit::process) {
    return fmt::format("accounted for: the process is the unit ({} rounds, {})", comparison.rounds,
                       pairing_name(comparison.pairing));
  }
  if (comparison.single_run) {
    return "NOT accounted for: one report per side cannot tell a change from between-run noise "
           "(two runs of one binary differ by up to tens of percent); compare several reports "
           "per side with --base/--head (scripts/ab)";
  }
  return "not involved: both variants ran interleaved in one process";
}

std::string phase_table_note(const Comparison& comparison) {
  if (comparison.has_phases()) return "";
  for (const CaseComparison& c : comparison.cases) {
    if (!c.phase_note.empty()) return "phases: " + c.phase_note;
  }
  return "";
}

bool shows_phase_table(const CaseComparison& c) {
  return !c.phases.empty() && c.verdict != Verdict::same;
}

std::string explained_verdict(const CaseComparison& c) {
  std::string text = std::string(verdict_name(c.verdict));
  if (std::isfinite(c.ratio)) text += " " + format_change(c.ratio);
  if (c.verdict != Verdict::slower && c.verdict != Verdict::faster) return text;
  // The largest phases, leaving out those under a tenth of the largest: noise, not explanation.
  std::string phases;
  for (std::size_t i = 0; i < c.phases.size() && i < 3; ++i) {
    if (std::abs(c.phases[i].difference_us) < 0.1 * std::abs(c.phases[0].difference_us)) break;
    phases += fmt::format("{}{} {}", i == 0 ? "" : ", ", c.phases[i].phase,
                          format_difference_us(c.phases[i].difference_us));
  }
  return phases.empty() ? text : text + ": " + phases;
}

std::string method_line(const Comparison& comparison) {
  const CompareSettings& s = comparison.settings;
  if (comparison.unit == Unit::process) {
    return fmt::format(
        "{} time, the process as the unit: one value per report (the median of its repetitions), "
        "rounds paired by {}; ratio = {} / {} ({}) with a two-level bootstrap {:g}% interval; {} "
        "test with {} correction across {} cases; slower/faster when the adjusted p < {:g}, the "
        "interval excludes 1 and the ratio is outside 1 +/- {}; same when the interval lies "
        "inside 1 +/- {}; else inconclusive",
        report::metric_name(s.metric), pairing_name(comparison.pairing), comparison.contender.label,
        comparison.baseline.label,
        comparison.pairing == Pairing::unpaired ? "ratio of the medians over processes"
                                                : "geometric mean of the per-round ratios",
        s.bootstrap.confidence * 100,
        comparison.pairing == Pairing::unpaired ? "two-sided permutation" : "two-sided sign-flip",
        s.correction == Correction::holm ? "Holm" : "Benjamini-Hochberg", comparison.cases.size(),
        s.rule.alpha, format_percent(s.rule.threshold), format_percent(s.rule.threshold));
  }
  return fmt::format(
      "{} time (median of each side, {}); ratio = {} / {} with a bootstrap {:g}% interval; "
      "two-sided Mann-Whitney U; slower/faster when p < {:g} and the ratio is outside 1 +/- {}",
      report::metric_name(s.metric), median_unit(comparison).name, comparison.contender.label,
      comparison.baseline.label, s.bootstrap.confidence * 100, s.rule.alpha,
      format_percent(s.rule.threshold));
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
    case Verdict::inconclusive:
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
  std::vector<std::string> cells = {row.name,   row.baseline_median, row.contender_median,
                                    row.ratio,  row.interval,        row.change,
                                    row.p_value};
  cells.insert(cells.end(), row.extras.begin(), row.extras.end());
  cells.push_back(row.verdict);
  return cells;
}

}  // namespace

bool stdout_wants_colour() {
  const char* no_colour = std::getenv("NO_COLOR");
  return ::isatty(::fileno(stdout)) == 1 && (no_colour == nullptr || no_colour[0] == '\0');
}

std::string render_table(const Comparison& comparison, bool colour) {
  const std::vector<std::string> headers = case_row_headers(comparison);
  const TimeUnit unit = median_unit(comparison);
  std::vector<CaseRow> rows;
  for (const CaseComparison& c : comparison.cases) rows.push_back(make_case_row(c, unit));

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
  out += "between-run noise: " + between_run_noise(comparison) + "\n";
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
  for (const CaseComparison& c : comparison.cases) {
    if (c.verdict == Verdict::slower || c.verdict == Verdict::faster) {
      out += c.name + ": " + explained_verdict(c) + "\n";
    }
  }
  if (const std::string note = phase_table_note(comparison); !note.empty()) out += note + "\n";
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

std::string phase_tables_markdown(const Comparison& comparison) {
  if (const std::string note = phase_table_note(comparison); !note.empty()) {
    return "\n" + markdown_cell(note) + "\n";
  }
  std::string out;
  for (const CaseComparison& c : comparison.cases) {
    if (!shows_phase_table(c)) continue;
    if (out.empty()) {
      out += "\n### Where the time goes: phases (exclusive host time, median us)\n";
    }
    out += fmt::format("\n`{}`: {}\n\n", c.name, markdown_cell(explained_verdict(c)));
    out += table_line({"phase", comparison.baseline.label, comparison.contender.label, "difference",
                       "95% CI", "share"});
    out += "|---|---:|---:|---:|---|---:|\n";
    for (const PhaseDifference& row : c.phases) {
      out += table_line({row.phase, row.base_us ? format_us(*row.base_us) : "(none)",
                         row.head_us ? format_us(*row.head_us) : "(none)",
                         format_difference_us(row.difference_us),
                         std::isfinite(row.low_us)
                             ? fmt::format("[{:+.2f}, {:+.2f}]", row.low_us, row.high_us)
                             : "-",
                         std::isfinite(row.share) ? fmt::format("{:.0f}%", row.share * 100) : "-"});
    }
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
  out += "Between-run noise: " + markdown_cell(between_run_noise(comparison)) + ".\n\n";
  out += "**" + verdict_counts(comparison) + "**\n\n";

  const std::vector<std::string> headers = case_row_headers(comparison);
  const TimeUnit unit = median_unit(comparison);
  out += table_line(headers);
  out += "|---|---:|---:|---:|---|---:|---:|";
  for (std::size_t i = 8; i < headers.size(); ++i) out += "---:|";
  out += "---|\n";
  for (const CaseComparison& c : comparison.cases) {
    CaseRow row = make_case_row(c, unit);
    std::string verdict = markdown_cell(row.verdict);
    if (c.verdict == Verdict::slower || c.verdict == Verdict::faster)
      verdict = "**" + verdict + "**";
    std::vector<std::string> cells = {row.name,   row.baseline_median, row.contender_median,
                                      row.ratio,  row.interval,        row.change,
                                      row.p_value};
    cells.insert(cells.end(), row.extras.begin(), row.extras.end());
    std::string line = table_line(cells);
    out += line.substr(0, line.size() - 1) + " " + verdict + " |\n";
  }
  bool explained = false;
  for (const CaseComparison& c : comparison.cases) {
    if (c.verdict != Verdict::slower && c.verdict != Verdict::faster) continue;
    if (!explained) out += "\n";
    explained = true;
    out += "- `" + c.name + "`: " + markdown_cell(explained_verdict(c)) + "\n";
  }
  out += phase_tables_markdown(comparison);

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
