#include "sweep/summary_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <tuple>

#include "report/case_key.h"
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

std::optional<double> median_of(const CounterSamples& samples, const std::string& counter) {
  const auto found = samples.find(counter);
  if (found == samples.end() || found->second.empty()) return std::nullopt;
  return median(found->second);
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

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + middle);
  return (lower + upper) / 2;
}

std::vector<std::string> failed_cases(const std::vector<RunRecord>& runs) {
  std::map<std::string, std::string> first_message;  // case -> its first skip or failure
  for (const RunRecord& run : runs) {
    if (run.aggregate || !run.skipped) continue;
    first_message.emplace(run.case_name, run.message);
  }
  std::vector<std::string> failed;
  for (const auto& [name, message] : first_message) failed.push_back(name + ": " + message);
  return failed;
}

std::string format_summary(const std::vector<RunRecord>& runs,
                           const std::vector<std::string>& variants) {
  std::map<std::string, CounterSamples> samples;  // case name -> counter -> repetition values
  for (const RunRecord& run : runs) {
    if (run.aggregate || run.skipped) continue;
    for (const auto& [counter, value] : run.counters) {
      samples[run.case_name][counter].push_back(value);
    }
  }
  if (samples.empty()) return "fa-sweep summary: no case produced a measurement\n";

  std::map<Shape, std::map<std::string, const CounterSamples*>> table;  // shape -> variant
  std::vector<std::pair<std::string, const CounterSamples*>> floors;
  for (const auto& [name, counters] : samples) {
    const std::optional<report::CaseKey> key = report::parse_case_name(name);
    if (!key) continue;
    if (key->variant == kFloorVariant) {
      floors.emplace_back(name, &counters);
      continue;
    }
    table[{key->mode, key->dtype, key->batch, key->seqlen, key->heads, key->head_dim}]
         [key->variant] = &counters;
  }

  std::string text =
      "fa-sweep summary: medians over the repetitions (each repetition reports the median of "
      "its iterations); times in microseconds\n";
  for (const auto& [name, counters] : floors) {
    text += fmt::format("floor {}: e2e {}, host {}, kernel {}, overhead {}\n", name,
                        cell(median_of(*counters, "e2e_us")), cell(median_of(*counters, "host_us")),
                        cell(median_of(*counters, "kernel_us")),
                        cell(median_of(*counters, "overhead_us")));
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
    auto counter = [&](const std::string& variant, const char* name) -> std::optional<double> {
      const auto found = by_variant.find(variant);
      return found == by_variant.end() ? std::nullopt : median_of(*found->second, name);
    };
    std::vector<std::string> cells{shape.mode,
                                   shape.dtype,
                                   std::to_string(shape.batch),
                                   std::to_string(shape.seqlen),
                                   std::to_string(shape.heads),
                                   std::to_string(shape.head_dim)};
    for (const std::string& v : variants) cells.push_back(cell(counter(v, "e2e_us")));
    const std::optional<double> base = counter(variants.front(), "e2e_us");
    for (size_t i = 1; i < variants.size(); ++i) {
      const std::optional<double> other = counter(variants[i], "e2e_us");
      cells.push_back(base && other && *base > 0 ? cell(*other / *base, "{:.3f}") : "-");
    }
    for (const std::string& v : variants) cells.push_back(cell(counter(v, "kernel_us")));
    for (const std::string& v : variants) cells.push_back(cell(counter(v, "overhead_us")));
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
