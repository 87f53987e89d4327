#include "html_output.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "case_rows.h"
#include "html_text.h"
#include "number_format.h"
#include "svg_charts.h"

namespace fa::compare {
namespace {

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d1d1f; max-width: 1400px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d0d0d5; padding: 3px 8px; }
th { background: #f2f2f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { background: #fff; border: 1px solid #e2e2e6; }
.chart-title { font-weight: 600; font-size: 13px; } .chart-title.small { font-size: 10px; }
.chart-subtitle, .tick-label, .axis-label, .bar-label, .bar-total { font-size: 10px; fill: #444; }
.grid { stroke: #ececf0; } .unity-line { stroke: #222; stroke-dasharray: 4 3; }
.threshold-band { fill: #8aa4c8; opacity: 0.15; }
.ratio-line { fill: none; stroke: #9a9aa5; }
.error-bar, .error-cap { stroke: #333; }
.point { stroke: #222; fill: #bbb; }
.verdict-slower .point { fill: #d62728; } .verdict-faster .point { fill: #2ca02c; }
.verdict-too-few .point { fill: #fff; }
.bar-kernel { fill: #4e79a7; } .bar-overhead { fill: #f28e2b; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px -2px 12px; }
td.verdict-slower { color: #b00; font-weight: 600; } td.verdict-faster { color: #080; font-weight: 600; }
.warnings li { color: #8a5a00; }
)css";

std::string verdict_css_class(Verdict verdict) {
  switch (verdict) {
    case Verdict::slower:
      return "verdict-slower";
    case Verdict::faster:
      return "verdict-faster";
    default:
      return "";
  }
}

std::string sides_section(const Comparison& comparison) {
  static const char* kFields[] = {
      "gpu_name",   "backend",          "mode",           "config_name",
      "git_commit", "libtorch_version", "driver_version", "cuda_runtime_version"};
  std::string out =
      "<section id=\"sides\"><h2>Reports</h2><table>\n<tr><th></th><th>path</th>"
      "<th>label</th>";
  for (const char* field : kFields) out += fmt::format("<th>{}</th>", field);
  out += "</tr>\n";
  for (const SideInfo* side : {&comparison.baseline, &comparison.contender}) {
    out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td>",
                       side == &comparison.baseline ? "baseline" : "contender",
                       html_escape(side->path), html_escape(side->label));
    for (const char* field : kFields) {
      const auto value = side->context.find(field);
      std::string text;
      if (value != side->context.end()) {
        text = value->is_string()
                   ? value->get<std::string>()
                   : value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      out += "<td>" + html_escape(text.substr(0, 200)) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</table></section>\n";
}

std::string summary_section(const Comparison& comparison) {
  std::string out = "<section id=\"summary\"><h2>Summary</h2>\n";
  out += "<p><strong>" + html_escape(verdict_counts(comparison)) + "</strong></p>\n";
  if (comparison.groups.empty()) return out + "</section>\n";
  out +=
      "<table id=\"group-table\"><tr><th>group</th><th>geomean ratio</th><th>cases</th>"
      "<th>crossover batch</th><th></th></tr>\n";
  for (const GroupSummary& group : comparison.groups) {
    out += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td></tr>\n",
        html_escape(group.group), format_ratio(group.geomean_ratio), group.cases_in_geomean,
        group.crossover.batch ? std::to_string(*group.crossover.batch) : "-",
        html_escape(group.crossover.note));
  }
  out += "</table>\n<h3>Which to use, per group and batch</h3>\n";
  std::set<int> batches;
  for (const GroupSummary& group : comparison.groups) {
    for (const Recommendation& r : group.recommendations) batches.insert(r.batch);
  }
  out += "<table id=\"recommendations\"><tr><th>group \\ batch</th>";
  for (const int batch : batches) out += fmt::format("<th>{}</th>", batch);
  out += "</tr>\n";
  for (const GroupSummary& group : comparison.groups) {
    std::map<int, const Recommendation*> by_batch;
    for (const Recommendation& r : group.recommendations) by_batch[r.batch] = &r;
    out += "<tr><td>" + html_escape(group.group) + "</td>";
    for (const int batch : batches) {
      const auto found = by_batch.find(batch);
      if (found == by_batch.end()) {
        out += "<td></td>";
        continue;
      }
      out += fmt::format("<td class=\"{}\">{}</td>", verdict_css_class(found->second->verdict),
                         html_escape(found->second->choice));
    }
    out += "</tr>\n";
  }
  return out + "</table></section>\n";
}

std::string ratio_charts_section(const Comparison& comparison) {
  std::string out = "<section id=\"ratio-charts\"><h2>Ratio vs batch</h2>\n";
  if (comparison.groups.empty()) {
    return out +
           "<p>No case names of the form fwd/&lt;variant&gt;/b:&lt;B&gt;/s:&lt;S&gt;/...: "
           "nothing to plot by batch.</p></section>\n";
  }
  out += fmt::format(
      "<p>{} / {} per batch, one chart per group; bars: bootstrap {:g}% interval; dashed line: "
      "1.0; band: 1 +/- {}. Red: slower, green: faster, grey: same, hollow: too few "
      "samples.</p>\n<div class=\"charts\">\n",
      html_escape(comparison.contender.label), html_escape(comparison.baseline.label),
      comparison.settings.bootstrap.confidence * 100,
      format_percent(comparison.settings.rule.threshold));
  for (std::size_t index = 0; index < comparison.groups.size(); ++index) {
    const GroupSummary& group = comparison.groups[index];
    std::vector<const CaseComparison*> members;
    for (const CaseComparison& c : comparison.cases) {
      if (c.group == group.group && c.key) members.push_back(&c);
    }
    out += ratio_chart_svg(group, members, comparison, index);
  }
  return out + "</div></section>\n";
}

std::string overhead_charts_section(const Comparison& comparison) {
  std::string out = "<section id=\"overhead-charts\"><h2>Kernel time vs overhead</h2>\n";
  if (!comparison.has_kernel_and_overhead()) {
    return out +
           "<p>The reports have no kernel_us and overhead_us counters for every case "
           "(fa-sweep writes them): no kernel vs overhead bars.</p></section>\n";
  }
  out +=
      "<p class=\"legend\">Medians per side, in microseconds:<span "
      "style=\"background:#4e79a7\"></span>kernel (kernel_us)<span style=\"background:#f28e2b\">"
      "</span>overhead (overhead_us = e2e - kernel)</p>\n<div class=\"charts\">\n";
  std::size_t index = 0;
  for (const CaseComparison& c : comparison.cases) {
    if (c.verdict == Verdict::failed) continue;
    out += overhead_chart_svg(c, comparison, index++);
  }
  return out + "</div></section>\n";
}

std::string case_table_section(const Comparison& comparison) {
  std::string out = "<section id=\"cases\"><h2>Cases</h2>\n<table id=\"case-table\"><tr>";
  for (const std::string& header : case_row_headers(comparison)) {
    out += "<th>" + html_escape(header) + "</th>";
  }
  out += "</tr>\n";
  for (const CaseComparison& c : comparison.cases) {
    const CaseRow row = make_case_row(c);
    out += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
        "</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"{}\" title=\"{}\">{}</td></tr>\n",
        html_escape(row.name), row.baseline_median, row.contender_median, row.ratio, row.interval,
        row.change, row.p_value, verdict_css_class(c.verdict), html_escape(c.note),
        html_escape(row.verdict));
  }
  return out + "</table></section>\n";
}

// Runs at the end of the page: counts the charts that laid out with a size, so a headless
// browser test (and a reader's devtools) can see that the SVG rendered, not merely parsed.
constexpr const char* kSelfCheck = R"js(<script>
(function () {
  var drawn = 0;
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBBox();
    if (box.width > 0 && box.height > 0) drawn++;
  });
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
</script>
)js";

}  // namespace

std::string render_html(const Comparison& comparison) {
  const std::string title =
      fmt::format("fa-compare: {} vs {} ({})", comparison.contender.label,
                  comparison.baseline.label, report::metric_name(comparison.settings.metric));
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>" + html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n";
  out += "<body>\n<h1>" + html_escape(title) + "</h1>\n";
  out += "<p class=\"method\">" + html_escape(method_line(comparison)) + ".</p>\n";
  if (!comparison.warnings.empty()) {
    out += "<section id=\"warnings\"><ul class=\"warnings\">\n";
    for (const std::string& warning : comparison.warnings) {
      out += "<li>" + html_escape(warning) + "</li>\n";
    }
    out += "</ul></section>\n";
  }
  out += summary_section(comparison);
  out += ratio_charts_section(comparison);
  out += overhead_charts_section(comparison);
  out += case_table_section(comparison);
  out += sides_section(comparison);
  out += kSelfCheck;
  return out + "</body>\n</html>\n";
}

}  // namespace fa::compare
