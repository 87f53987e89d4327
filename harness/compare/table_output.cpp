#include "table_output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "case_rows.h"
#include "number_format.h"

namespace fa::compare {
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

}  // namespace fa::compare
