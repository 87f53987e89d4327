// The HTML report: one self-contained file whose SVG charts a headless Chromium draws.
#include <filesystem>

#include <gtest/gtest.h>

#include "cli_fixture.h"

namespace fa::testing {
namespace {

namespace fs = std::filesystem;

const char* const kChromium = "/usr/bin/chromium";

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

class HtmlReport : public FaCompareCli {
 protected:
  // The grid: 3 groups (seq lengths) x 4 batches = 12 cases, with kernel and overhead counters.
  std::string make_html() {
    const std::string html = path("report.html");
    const ProcessResult result =
        fa_compare({grid_run(), "--baseline", "v2.6.3", "--contender", "v2.7.0", "--html", html});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return html;
  }

  // The DOM after headless Chromium laid the page out. No network: every flag that would make
  // Chromium reach out is off.
  ProcessResult dump_dom(const std::string& html) {
    return run_process(
        "/usr/bin/timeout",
        {"60", kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--user-data-dir=" + path("chromium-profile"), "--dump-dom",
         "file://" + html});
  }
};

TEST_F(HtmlReport, IsOneSelfContainedFileWithTheCharts) {
  const std::string html = read_file(make_html());
  EXPECT_EQ(count(html, "class=\"chart ratio-chart\""), 3u);
  EXPECT_EQ(count(html, "<circle class=\"point\""), 12u);
  EXPECT_EQ(count(html, "class=\"error-bar\""), 12u);
  EXPECT_EQ(count(html, "class=\"unity-line\""), 3u);
  EXPECT_EQ(count(html, "class=\"chart overhead-chart\""), 12u);
  EXPECT_EQ(count(html, "class=\"stack-bar\""), 24u);
  EXPECT_EQ(count(html, "<rect class=\"bar-kernel\""), 24u);
  EXPECT_EQ(count(html, "<rect class=\"bar-overhead\""), 24u);
  EXPECT_NE(html.find("id=\"case-table\""), std::string::npos);
  EXPECT_NE(html.find("id=\"recommendations\""), std::string::npos);
  // Nothing fetched at view time: no external scripts, styles, images or fonts.
  for (const char* reference : {"src=", "href=", "url("}) {
    EXPECT_EQ(html.find(reference), std::string::npos) << reference;
  }
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST_F(HtmlReport, APhaseWaterfallPerChangedCase) {
  const std::string html = path("phases.html");
  ASSERT_EQ(fa_compare({grid_run("phases.json", true), "--baseline", "v2.6.3", "--contender",
                        "v2.7.0", "--html", html})
                .exit_code,
            0);
  const std::string text = read_file(html);
  // The 4 slower cases get a waterfall and a table; the 8 "same" ones do not.
  EXPECT_EQ(count(text, "class=\"chart phase-chart\""), 4u);
  EXPECT_EQ(count(text, "class=\"phase-table\""), 4u);
  // 5 phases (2 of them one-side-only) and the sum, per chart.
  EXPECT_EQ(count(text, "<g class=\"phase-step\""), 24u);
  EXPECT_EQ(count(text, "data-sides=\"contender-only\""), 8u);
  EXPECT_EQ(count(text, "data-sides=\"baseline-only\""), 4u);
  EXPECT_NE(text.find("data-phase=\"v2.7.0/dispatch\""), std::string::npos);
  // Without phase counters the section says why in one line.
  const std::string plain = read_file(make_html());
  EXPECT_NE(plain.find("no phase counters (phase:&lt;range&gt;) in the reports"),
            std::string::npos);
  EXPECT_EQ(count(plain, "class=\"chart phase-chart\""), 0u);
}

TEST_F(HtmlReport, WithoutCountersThereAreNoOverheadBars) {
  const std::string base =
      write("base.json", make_report({{"BM_x", noisy_samples(1, 0.01, 9, 1), {}, {}}}));
  const std::string contender =
      write("new.json", make_report({{"BM_x", noisy_samples(1.5, 0.01, 9, 2), {}, {}}}));
  const std::string html = path("plain.html");
  ASSERT_EQ(fa_compare({base, contender, "--html", html}).exit_code, 0);
  const std::string text = read_file(html);
  EXPECT_EQ(count(text, "<rect class=\"bar-kernel\""), 0u);
  EXPECT_NE(text.find("no kernel_us and overhead_us counters"), std::string::npos);
}

TEST_F(HtmlReport, NamesFromReportsAreEscaped) {
  const std::string name = "BM_<script>alert(1)</script>";
  const std::string base =
      write("base.json", make_report({{name, noisy_samples(1, 0.01, 9, 1), {}, {}}}));
  const std::string contender =
      write("new.json", make_report({{name, noisy_samples(1, 0.01, 9, 2), {}, {}}}));
  const std::string html = path("escaped.html");
  ASSERT_EQ(fa_compare({base, contender, "--html", html}).exit_code, 0);
  const std::string text = read_file(html);
  EXPECT_EQ(text.find("<script>alert"), std::string::npos);
  EXPECT_NE(text.find("&lt;script&gt;alert(1)"), std::string::npos);
}

TEST_F(HtmlReport, ChromiumDrawsTheCharts) {
  if (!fs::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " not found (Debian package chromium): cannot render the HTML";
  }
  const ProcessResult result = dump_dom(make_html());
  ASSERT_EQ(result.exit_code, 0) << result.err.substr(0, 2000);
  const std::string& dom = result.out;
  // The page's own check: every chart laid out with a non-empty box (3 ratio + 12 bar charts).
  EXPECT_NE(dom.find("data-charts-drawn=\"15\""), std::string::npos) << dom.substr(0, 400);
  EXPECT_EQ(count(dom, "<circle class=\"point\""), 12u);
  EXPECT_EQ(count(dom, "<rect class=\"bar-kernel\""), 24u);
  EXPECT_EQ(count(dom, "<rect class=\"bar-overhead\""), 24u);
}

TEST_F(HtmlReport, ChromiumDrawsThePhaseWaterfalls) {
  if (!fs::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " not found (Debian package chromium): cannot render the HTML";
  }
  const std::string html = path("phases.html");
  ASSERT_EQ(fa_compare({grid_run("phases.json", true), "--baseline", "v2.6.3", "--contender",
                        "v2.7.0", "--html", html})
                .exit_code,
            0);
  const ProcessResult result = dump_dom(html);
  ASSERT_EQ(result.exit_code, 0) << result.err.substr(0, 2000);
  // 3 ratio charts, 12 kernel/overhead charts and 4 phase waterfalls, each with a non-empty box.
  EXPECT_NE(result.out.find("data-charts-drawn=\"19\""), std::string::npos)
      << result.out.substr(0, 400);
  EXPECT_EQ(count(result.out, "<rect class=\"phase-bar"), 24u);
}

}  // namespace
}  // namespace fa::testing
