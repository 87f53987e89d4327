#include "svg_charts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "html_text.h"
#include "number_format.h"

namespace fa::compare {
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

}  // namespace fa::compare
