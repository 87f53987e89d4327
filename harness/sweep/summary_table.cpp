#include "sweep/summary_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <tuple>

#include "report/median.h"
#include "report/metric.h"
#include "sweep/case_grid.h"

namespace fa::sweep {
namespace {

struct Shape {
  std::string mode, dtype;
  int batch, seqlen, heads, head_dim;
  bool operator<(const Shape& o) const {
    return std::tie(mode, dtype, batch, seqlen, heads, head_dim) <
           std::tie(o.mode, o.dtype, o.batch, o.seqlen, o.heads, o.head_dim);
  }
};

// Per case: each counter's values over the repetition rows.
using CounterSamples = std::map<std::string, std::vector<double>>;

std::optional<double> median_of(const CounterSamples& samples, report::Metric metric) {
  const auto found = samples.find(std::string(report::metric_counter(metric)));
  if (found == samples.end() || found->second.empty()) return std::nullopt;
  return report::median(found->second);
}

bool is_repetition(const RunRecord& run) {
  return run.row.run_type == report::RunType::iteration;
}

std::string cell(std::optional<double> value, const char* format = "{:.2f}") {
  return value ? fmt::format(fmt::runtime(format), *value) : "-";
}

std::string row(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string line = " ";
  for (size_t i = 0; i < cells.size(); ++i) {
    line += fmt::format(" {:>{}}", cells[i], widths[i]);
  }
  return line + "\n";
}

}  // namespace

std::vector<UnmeasuredCase> unmeasured_cases(const std::vector<RunRecord>& runs) {
  std::map<std::string, report::CaseStatus> first_status;  // case -> its first skip or failure
  for (const RunRecord& run : runs) {
    if (!is_repetition(run) || run.row.status.measured()) continue;
    first_status.emplace(run.case_name, run.row.status);
  }
  std::vector<UnmeasuredCase> unmeasured;
  for (const auto& [name, status] : first_status) unmeasured.push_back({name, status});
  return unmeasured;
}

std::string format_summary(const std::vector<RunRecord>& runs,
                           const std::vector<std::string>& variants) {
  struct Measured {
    report::CaseKey key;
    CounterSamples counters;
  };
  std::map<std::string, Measured> samples;  // case name -> counter -> repetition values
  for (const RunRecord& run : runs) {
    if (!is_repetition(run) || !run.row.status.measured()) continue;
    Measured& measured = samples.try_emplace(run.case_name, Measured{run.key, {}}).first->second;
    for (const auto& [counter, value] : run.row.counters) {
      measured.counters[counter].push_back(value);
    }
  }
  if (samples.empty()) return "fa-sweep summary: no case produced a measurement\n";

  std::map<Shape, std::map<std::string, const CounterSamples*>> table;  // shape -> variant
  std::vector<std::pair<std::string, const CounterSamples*>> floors;
  for (const auto& [name, measured] : samples) {
    const report::CaseKey& key = measured.key;
    if (key.variant == kFloorVariant) {
      floors.emplace_back(name, &measured.counters);
      continue;
    }
    table[{key.mode, key.dtype, key.batch, key.seqlen, key.heads, key.head_dim}][key.variant] =
        &measured.counters;
  }

  std::string text =
      "fa-sweep summary: medians over the repetitions (each repetition reports the median of "
      "its iterations); times in microseconds\n";
  for (const auto& [name, counters] : floors) {
    text += fmt::format("floor {}: e2e {}, host {}, kernel {}, overhead {}\n", name,
                        cell(median_of(*counters, report::Metric::e2e)),
                        cell(median_of(*counters, report::Metric::host)),
                        cell(median_of(*counters, report::Metric::kernel)),
                        cell(median_of(*counters, report::Metric::overhead)));
  }
  if (table.empty()) return text;

  // Columns: the shape, e2e per variant, ratio per variant after the first, kernel, overhead.
  std::vector<std::string> header{"mode", "dtype", "batch", "seq", "heads", "d"};
  for (const std::string& v : variants) header.push_back("e2e " + v);
  for (size_t i = 1; i < variants.size(); ++i) header.push_back(variants[i] + "/" + variants[0]);
  for (const std::string& v : variants) header.push_back("kernel " + v);
  for (const std::string& v : variants) header.push_back("overhead " + v);

  std::vector<std::vector<std::string>> rows;
  for (const auto& [shape, by_variant] : table) {
    auto counter = [&](const std::string& variant, report::Metric metric) -> std::optional<double> {
      const auto found = by_variant.find(variant);
      return found == by_variant.end() ? std::nullopt : median_of(*found->second, metric);
    };
    std::vector<std::string> cells{shape.mode,
                                   shape.dtype,
                                   std::to_string(shape.batch),
                                   std::to_string(shape.seqlen),
                                   std::to_string(shape.heads),
                                   std::to_string(shape.head_dim)};
    for (const std::string& v : variants) cells.push_back(cell(counter(v, report::Metric::e2e)));
    const std::optional<double> base = counter(variants.front(), report::Metric::e2e);
    for (size_t i = 1; i < variants.size(); ++i) {
      const std::optional<double> other = counter(variants[i], report::Metric::e2e);
      cells.push_back(base && other && *base > 0 ? cell(*other / *base, "{:.3f}") : "-");
    }
    for (const std::string& v : variants) cells.push_back(cell(counter(v, report::Metric::kernel)));
    for (const std::string& v : variants)
      cells.push_back(cell(counter(v, report::Metric::overhead)));
    rows.push_back(std::move(cells));
  }

  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    widths[i] = header[i].size();
    for (const auto& cells : rows) widths[i] = std::max(widths[i], cells[i].size());
  }
  text += row(header, widths);
  for (const auto& cells : rows) text += row(cells, widths);
  return text;
}

}  // namespace fa::sweep
