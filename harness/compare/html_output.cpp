#include "rendering.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace fa::compare {

std::string html_escape(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

namespace {

struct Frame {
  double width, height, left, right, top, bottom;
  double plot_width() const { return width - left - right; }
  double plot_height() const { return height - top - bottom; }
};

// A 1, 2 or 5 times a power of ten step giving about `count` ticks over `span`.
double nice_step(double span, int count) {
  const double raw = span / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double factor : {1.0, 2.0, 5.0}) {
    if (raw <= factor * power) return factor * power;
  }
  return 10 * power;
}

std::string verdict_class(Verdict verdict) {
  switch (verdict) {
    case Verdict::slower:
      return "verdict-slower";
    case Verdict::faster:
      return "verdict-faster";
    case Verdict::same:
      return "verdict-same";
    case Verdict::inconclusive:
      return "verdict-inconclusive";
    case Verdict::too_few_samples:
      return "verdict-too-few";
    case Verdict::no_ratio:
      return "verdict-no-ratio";
    case Verdict::failed:
      return "verdict-error";
  }
  return "";
}

std::string svg_open(const std::string& classes, const std::string& id, const Frame& frame,
                     const std::string& data, const std::string& title) {
  return fmt::format(
      "<svg class=\"chart {}\" id=\"{}\" {} width=\"{:g}\" height=\"{:g}\" viewBox=\"0 0 {:g} "
      "{:g}\" role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n",
      classes, id, data, frame.width, frame.height, frame.width, frame.height, html_escape(title),
      html_escape(title));
}

// Horizontal grid lines and labels at nice values between `low` and `high`.
template <typename ToY>
std::string y_axis(const Frame& frame, double low, double high, ToY to_y, const char* unit_format) {
  std::string out = "<g class=\"y-axis\">\n";
  const double step = nice_step(high - low, 5);
  for (double value = std::ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    const double y = to_y(value);
    out += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        frame.left, frame.width - frame.right, y, y, frame.left - 6, y + 4,
        fmt::format(fmt::runtime(unit_format), value));
  }
  return out + "</g>\n";
}

}  // namespace

std::string ratio_chart_svg(const GroupSummary& group,
                            const std::vector<const CaseComparison*>& cases_by_batch,
                            const Comparison& comparison, std::size_t index) {
  const Frame frame{640, 320, 64, 16, 36, 48};
  const double threshold = comparison.settings.rule.threshold;
  double low = std::min(1 - threshold, 1.0);
  double high = 1 + threshold;
  for (const CaseComparison* c : cases_by_batch) {
    for (const double value : {c->ratio, c->ci_low, c->ci_high}) {
      if (std::isfinite(value)) {
        low = std::min(low, value);
        high = std::max(high, value);
      }
    }
  }
  const double pad = std::max((high - low) * 0.08, 0.01);
  low = std::max(0.0, low - pad);
  high += pad;
  const auto to_y = [&](double value) {
    return frame.top + frame.plot_height() * (high - value) / (high - low);
  };
  const double n = static_cast<double>(cases_by_batch.size());
  const auto to_x = [&](std::size_t i) {
    return frame.left + frame.plot_width() * (static_cast<double>(i) + 0.5) / n;
  };

  std::string out = svg_open("ratio-chart", fmt::format("ratio-chart-{}", index), frame,
                             fmt::format("data-group=\"{}\"", html_escape(group.group)),
                             "ratio vs batch, " + group.group);
  out += fmt::format("<text class=\"chart-title\" x=\"{:.1f}\" y=\"20\">{}</text>\n", frame.left,
                     html_escape(group.group));
  out += fmt::format(
      "<rect class=\"threshold-band\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
      "height=\"{:.1f}\"><title>1 +/- {} (the threshold)</title></rect>\n",
      frame.left, to_y(1 + threshold), frame.plot_width(),
      std::max(0.0, to_y(1 - threshold) - to_y(1 + threshold)), format_percent(threshold));
  out += y_axis(frame, low, high, to_y, "{:.4g}");
  out += fmt::format(
      "<line class=\"unity-line\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
      frame.left, frame.width - frame.right, to_y(1), to_y(1));

  out += "<g class=\"x-axis\">\n";
  for (std::size_t i = 0; i < cases_by_batch.size(); ++i) {
    out += fmt::format(
        "<text class=\"tick-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
        to_x(i), frame.height - frame.bottom + 18, cases_by_batch[i]->key->batch);
  }
  out += fmt::format(
      "<text class=\"axis-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">batch</text>\n"
      "</g>\n",
      frame.left + frame.plot_width() / 2, frame.height - 8);
  out += fmt::format(
      "<text class=\"axis-label\" transform=\"translate(14 {:.1f}) rotate(-90)\" "
      "text-anchor=\"middle\">ratio {} / {}</text>\n",
      frame.top + frame.plot_height() / 2, html_escape(comparison.contender.label),
      html_escape(comparison.baseline.label));

  std::string points;
  for (std::size_t i = 0; i < cases_by_batch.size(); ++i) {
    if (std::isfinite(cases_by_batch[i]->ratio)) {
      points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", to_x(i),
                            to_y(cases_by_batch[i]->ratio));
    }
  }
  out += fmt::format("<polyline class=\"ratio-line\" points=\"{}\"/>\n", points);

  for (std::size_t i = 0; i < cases_by_batch.size(); ++i) {
    const CaseComparison& c = *cases_by_batch[i];
    if (!std::isfinite(c.ratio)) continue;  // a failed case has no ratio to draw
    const double x = to_x(i);
    out += fmt::format(
        "<g class=\"ratio-point {}\" data-batch=\"{}\" data-ratio=\"{:.6g}\" data-ci-low=\"{}\" "
        "data-ci-high=\"{}\">\n",
        verdict_class(c.verdict), c.key->batch, c.ratio,
        std::isfinite(c.ci_low) ? fmt::format("{:.6g}", c.ci_low) : "",
        std::isfinite(c.ci_high) ? fmt::format("{:.6g}", c.ci_high) : "");
    if (std::isfinite(c.ci_low) && std::isfinite(c.ci_high)) {
      const double y_low = to_y(c.ci_low);
      const double y_high = to_y(c.ci_high);
      out += fmt::format(
          "<line class=\"error-bar\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>"
          "<line class=\"error-cap\" x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{1:.1f}\" y2=\"{1:.1f}\"/>"
          "<line class=\"error-cap\" x1=\"{3:.1f}\" x2=\"{4:.1f}\" y1=\"{2:.1f}\" "
          "y2=\"{2:.1f}\"/>\n",
          x, y_low, y_high, x - 5, x + 5);
    }
    out += fmt::format("<circle class=\"point\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4.5\"/>\n", x,
                       to_y(c.ratio));
    out += fmt::format("<title>batch {}: ratio {} {}, p {}, {}</title>\n</g>\n", c.key->batch,
                       format_ratio(c.ratio), format_interval(c.ci_low, c.ci_high),
                       c.test ? format_p_value(c.test->p_value) : "-", verdict_name(c.verdict));
  }
  return out + "</svg>\n";
}

std::string phase_chart_svg(const CaseComparison& c, std::size_t index) {
  // A waterfall: each phase's difference (contender - baseline) stacked from zero, in the phase
  // table's order (largest first), then the sum of the differences as the last bar.
  const double step = 64;
  const Frame frame{
      std::max(260.0, 70 + step * static_cast<double>(c.phases.size() + 1)), 250, 56, 12, 40, 64};
  std::vector<std::pair<double, double>> spans;  // (from, to) per phase
  double running = 0;
  double low = 0;
  double high = 0;
  for (const PhaseDifference& row : c.phases) {
    spans.emplace_back(running, running + row.difference_us);
    running += row.difference_us;
    low = std::min(low, running);
    high = std::max(high, running);
  }
  if (!(high - low > 0)) high = low + 1e-3;
  const double pad = (high - low) * 0.1;
  low -= pad;
  high += pad;
  const auto to_y = [&](double value) {
    return frame.top + frame.plot_height() * (high - value) / (high - low);
  };
  std::string out = svg_open("phase-chart", fmt::format("phase-chart-{}", index), frame,
                             fmt::format("data-case=\"{}\"", html_escape(c.name)),
                             "phase differences, " + c.name);
  out += fmt::format("<text class=\"chart-title small\" x=\"4\" y=\"14\">{}</text>\n",
                     html_escape(c.name));
  out += fmt::format("<text class=\"chart-subtitle\" x=\"4\" y=\"28\">{}</text>\n",
                     html_escape(explained_verdict(c)));
  out += y_axis(frame, low, high, to_y, "{:+.3g}");
  out += fmt::format(
      "<line class=\"unity-line\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
      frame.left, frame.width - frame.right, to_y(0), to_y(0));
  const double bar_width = step * 0.7;
  const auto bar = [&](std::size_t i, double from, double to, const std::string& classes,
                       const std::string& label, const std::string& data) {
    const double x = frame.left + step * (static_cast<double>(i) + 0.15);
    const double top = to_y(std::max(from, to));
    const double height = std::max(0.5, to_y(std::min(from, to)) - top);
    return fmt::format(
        "<g class=\"phase-step\" {}>\n<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" "
        "width=\"{:.1f}\" height=\"{:.1f}\"><title>{}: {}</title></rect>\n"
        "<text class=\"bar-label\" transform=\"translate({:.1f} {:.1f}) rotate(30)\">{}</text>\n"
        "</g>\n",
        data, classes, x, top, bar_width, height, html_escape(label),
        format_difference_us(to - from), x + 4, frame.height - frame.bottom + 12,
        html_escape(label.size() > 18 ? label.substr(0, 17) + "..." : label));
  };
  for (std::size_t i = 0; i < c.phases.size(); ++i) {
    const PhaseDifference& row = c.phases[i];
    const std::string sides = row.base_us && row.head_us ? "both"
                              : row.base_us              ? "baseline-only"
                                                         : "contender-only";
    out += bar(i, spans[i].first, spans[i].second,
               std::string("phase-bar ") + (row.difference_us >= 0 ? "phase-up" : "phase-down"),
               row.phase,
               fmt::format("data-phase=\"{}\" data-difference-us=\"{:.6g}\" data-sides=\"{}\"",
                           html_escape(row.phase), row.difference_us, sides));
  }
  out += bar(c.phases.size(), 0, running, "phase-bar phase-total", "sum of phases",
             fmt::format("data-phase=\"\" data-difference-us=\"{:.6g}\"", running));
  out += fmt::format(
      "<text class=\"axis-label\" transform=\"translate(12 {:.1f}) rotate(-90)\" "
      "text-anchor=\"middle\">us (difference of medians)</text>\n",
      frame.top + frame.plot_height() / 2);
  return out + "</svg>\n";
}

std::string overhead_chart_svg(const CaseComparison& c, const Comparison& comparison,
                               std::size_t index) {
  const Frame frame{260, 220, 52, 12, 40, 40};
  struct Bar {
    const char* side;
    const std::string& label;
    double kernel;
    double overhead;
  };
  // Drawn clamped at zero: a floor case's kernel can be 0 and overhead a hair below it.
  const auto drawn = [](double us) { return std::max(0.0, us); };
  const Bar bars[2] = {
      {"baseline", comparison.baseline.label, drawn(*c.baseline.kernel_median_us),
       drawn(*c.baseline.overhead_median_us)},
      {"contender", comparison.contender.label, drawn(*c.contender.kernel_median_us),
       drawn(*c.contender.overhead_median_us)}};
  const double top_value =
      std::max({bars[0].kernel + bars[0].overhead, bars[1].kernel + bars[1].overhead, 1e-3}) * 1.12;
  const auto to_y = [&](double value) {
    return frame.top + frame.plot_height() * (top_value - value) / top_value;
  };

  std::string out = svg_open("overhead-chart", fmt::format("overhead-chart-{}", index), frame,
                             fmt::format("data-case=\"{}\"", html_escape(c.name)),
                             "kernel and overhead, " + c.name);
  out += fmt::format("<text class=\"chart-title small\" x=\"4\" y=\"14\">{}</text>\n",
                     html_escape(c.name));
  out += fmt::format("<text class=\"chart-subtitle\" x=\"4\" y=\"28\">{} {}</text>\n",
                     html_escape(std::string(verdict_name(c.verdict))), format_change(c.ratio));
  out += y_axis(frame, 0, top_value, to_y, "{:.3g}");
  const double bar_width = 56;
  for (std::size_t i = 0; i < 2; ++i) {
    const Bar& bar = bars[i];
    const double x = frame.left + frame.plot_width() * (i == 0 ? 0.27 : 0.73) - bar_width / 2;
    const double kernel_top = to_y(bar.kernel);
    const double total_top = to_y(bar.kernel + bar.overhead);
    out += fmt::format(
        "<g class=\"stack-bar\" data-side=\"{}\" data-kernel-us=\"{:.6g}\" "
        "data-overhead-us=\"{:.6g}\">\n",
        bar.side, bar.kernel, bar.overhead);
    out += fmt::format(
        "<rect class=\"bar-kernel\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
        "<title>kernel {} us</title></rect>\n",
        x, kernel_top, bar_width, std::max(0.5, to_y(0) - kernel_top), format_us(bar.kernel));
    out += fmt::format(
        "<rect class=\"bar-overhead\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
        "height=\"{:.1f}\"><title>overhead {} us</title></rect>\n",
        x, total_top, bar_width, std::max(0.5, kernel_top - total_top), format_us(bar.overhead));
    out += fmt::format(
        "<text class=\"bar-total\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
        x + bar_width / 2, total_top - 4, format_us(bar.kernel + bar.overhead));
    out += fmt::format(
        "<text class=\"bar-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n"
        "</g>\n",
        x + bar_width / 2, frame.height - frame.bottom + 16, html_escape(bar.label));
  }
  out += fmt::format(
      "<text class=\"axis-label\" transform=\"translate(12 {:.1f}) rotate(-90)\" "
      "text-anchor=\"middle\">us (median)</text>\n",
      frame.top + frame.plot_height() / 2);
  return out + "</svg>\n";
}

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
.phase-up { fill: #d62728; } .phase-down { fill: #2ca02c; } .phase-total { fill: #7f7f7f; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px -2px 12px; }
td.verdict-slower { color: #b00; font-weight: 600; } td.verdict-faster { color: #080; font-weight: 600; }
.warnings li { color: #8a5a00; }
)css";

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
      out += fmt::format("<td class=\"{}\">{}</td>", verdict_class(found->second->verdict),
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

std::string phase_section(const Comparison& comparison) {
  std::string out = "<section id=\"phases\"><h2>Where the time goes: phases</h2>\n";
  if (const std::string note = phase_table_note(comparison); !note.empty()) {
    return out + "<p>" + html_escape(note) + "</p></section>\n";
  }
  out += fmt::format(
      "<p>Per case that is not \"same\": the exclusive host time of each phase (median us), {} "
      "minus {}, with its bootstrap {:g}% interval and share of the sum; the chart stacks the "
      "differences from zero (red: more time, green: less). A phase on one side only counts as "
      "zero on the other.</p>\n",
      html_escape(comparison.contender.label), html_escape(comparison.baseline.label),
      comparison.settings.bootstrap.confidence * 100);
  std::size_t index = 0;
  for (const CaseComparison& c : comparison.cases) {
    if (!shows_phase_table(c)) continue;
    out += "<div class=\"phase-case\">\n" + phase_chart_svg(c, index);
    out += fmt::format(
        "<table class=\"phase-table\" id=\"phase-table-{}\"><tr><th>phase</th><th>{}</th>"
        "<th>{}</th><th>difference</th><th>95% CI</th><th>share</th></tr>\n",
        index, html_escape(comparison.baseline.label), html_escape(comparison.contender.label));
    for (const PhaseDifference& row : c.phases) {
      out += fmt::format(
          "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
          html_escape(row.phase), row.base_us ? format_us(*row.base_us) : "(none)",
          row.head_us ? format_us(*row.head_us) : "(none)", format_difference_us(row.difference_us),
          std::isfinite(row.low_us) ? fmt::format("[{:+.2f}, {:+.2f}]", row.low_us, row.high_us)
                                    : "-",
          std::isfinite(row.share) ? fmt::format("{:.0f}%", row.share * 100) : "-");
    }
    out += "</table></div>\n";
    ++index;
  }
  return out + "</section>\n";
}

std::string case_table_section(const Comparison& comparison) {
  std::string out = "<section id=\"cases\"><h2>Cases</h2>\n<table id=\"case-table\"><tr>";
  const TimeUnit unit = median_unit(comparison);
  for (const std::string& header : case_row_headers(comparison)) {
    out += "<th>" + html_escape(header) + "</th>";
  }
  out += "</tr>\n";
  for (const CaseComparison& c : comparison.cases) {
    const CaseRow row = make_case_row(c, unit);
    std::string extras;
    for (const std::string& extra : row.extras) {
      extras += "<td class=\"num\">" + html_escape(extra) + "</td>";
    }
    out += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}"
        "</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}"
        "<td class=\"{}\" title=\"{}\">{}</td></tr>\n",
        html_escape(row.name), row.baseline_median, row.contender_median, row.ratio, row.interval,
        row.change, row.p_value, extras, verdict_class(c.verdict), html_escape(c.note),
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
  out += "<p class=\"noise\">Between-run noise: " + html_escape(between_run_noise(comparison)) +
         ".</p>\n";
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
  out += phase_section(comparison);
  out += case_table_section(comparison);
  out += sides_section(comparison);
  out += kSelfCheck;
  return out + "</body>\n</html>\n";
}

}  // namespace fa::compare
