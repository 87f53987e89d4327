#pragma once
// The comparison's data model and its steps: the verdict rule, the settings, pairing cases,
// one case compared, the context check, the group summaries and the whole comparison.

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/metric.h"
#include "report/report.h"
#include "statistics.h"

namespace fa::compare {

// The verdict on one case. A difference counts only when it is both significant (p < alpha) and
// large enough to matter (the ratio is outside 1 +/- threshold), as asv does; with fewer than
// kMinSamplesForTest samples on a side there is no verdict at all, never a guess.
enum class Verdict {
  faster,           // the contender is faster
  slower,           // the contender is slower: a regression
  same,             // no difference that is both significant and beyond the threshold
  too_few_samples,  // fewer than kMinSamplesForTest samples on a side
  no_ratio,         // zero or negative samples (a floor case's kernel time): no ratio to judge
  failed,           // the case failed in a report (error_occurred)
  // Several reports per side only: neither a clear change nor an interval inside the threshold;
  // more rounds would decide (rounds_needed).
  inconclusive,
};

// Every verdict, in the order outputs count them.
inline constexpr Verdict kAllVerdicts[] = {
    Verdict::slower,          Verdict::faster,   Verdict::same,  Verdict::inconclusive,
    Verdict::too_few_samples, Verdict::no_ratio, Verdict::failed};

// Whether the case was judged (slower, faster, same or inconclusive), as opposed to left without
// a verdict.
bool has_verdict(Verdict verdict);

inline constexpr std::size_t kMinSamplesForTest = 3;
// Google Benchmark's compare.py warns below this many repetitions: the U test has little power.
inline constexpr std::size_t kRecommendedSamples = 9;

struct VerdictRule {
  double alpha = 0.05;
  double threshold = 0.05;  // a fraction: 0.05 means 5%
};

// slower/faster: p < alpha and the ratio beyond the threshold; same: the ratio's interval
// [ci_low, ci_high] lies inside 1 +/- threshold (equivalence, not merely "not significant");
// otherwise inconclusive.
Verdict decide_verdict(std::size_t baseline_samples, std::size_t contender_samples, double ratio,
                       double ci_low, double ci_high, double p_value, const VerdictRule& rule);

// "faster", "slower", "same", "inconclusive", "too few samples", "no ratio", "error".
std::string_view verdict_name(Verdict verdict);

// What a comparison measures and how it decides.
struct CompareSettings {
  report::Metric metric = report::Metric::e2e;
  VerdictRule rule;
  BootstrapSettings bootstrap;
  bool strict = false;  // refuse reports from different GPUs, configs, modes or backends
  // Several reports per side: the correction across the comparison's cases, and the change
  // (a fraction) to plan rounds for (--plan-effect).
  // Benjamini-Hochberg by default: under the A/A null it bounds the chance of any false verdict as
  // Holm does, and a real change that moves many cases at once is found at fewer rounds (on the
  // H200, Holm found none of the positive control's +13-47% at 12 rounds; docs/fa-compare.md).
  Correction correction = Correction::bh;
  std::optional<double> plan_effect;
};

// One side of a comparison: a loaded report, optionally narrowed to one variant of it.
struct ReportSide {
  const report::Report* report = nullptr;
  // When set, only this variant's cases, matched to the other side by the case without variant.
  std::optional<std::string> variant;
  std::string label;  // how the outputs name this side: a variant, or the report's file name
};

// Which case of the baseline goes with which case of the contender: by name for two runs, by the
// case without its variant when variants are selected. Cases on one side only and sides with
// nothing in common are bad input (report::ReportError naming the file that lacks them).
struct CasePair {
  std::string name;  // the shared name: full, or without the variant ("b:2/s:50/...")
  const report::CaseResult* baseline = nullptr;
  const report::CaseResult* contender = nullptr;
};

// In the baseline report's order.
std::vector<CasePair> pair_cases(const ReportSide& baseline, const ReportSide& contender);

// One case compared: medians of each side, the ratio with its bootstrap interval, the U test and
// the verdict.
inline constexpr double kNotComputed = std::numeric_limits<double>::quiet_NaN();

struct SideSummary {
  std::string case_name;  // the case's name in its report
  std::size_t samples = 0;
  double median_us = kNotComputed;  // of the compared metric
  // Medians of kernel_us and overhead_us when the report has them: the "same kernel, different
  // overhead" picture.
  std::optional<double> kernel_median_us;
  std::optional<double> overhead_median_us;
  std::size_t outliers = 0;
  bool aggregates_only = false;
  std::optional<std::string> error;
};

// The process-level analysis of one case (several reports per side).
struct RoundAnalysis {
  std::size_t rounds = 0;  // paired rounds used, or unpaired: the fewer processes of a side
  std::size_t base_processes = 0;
  std::size_t head_processes = 0;
  bool paired = false;
  RandomisationTest test;
  double p_adjusted = kNotComputed;
  double mde = kNotComputed;           // a fraction; NaN: the test cannot reject at these rounds
  std::optional<int> rounds_needed;    // inconclusive only
  bool rounds_needed_capped = false;   // more than kRoundsCap would be needed
  std::optional<int> rounds_for_plan;  // --plan-effect
  double between_process_cv = kNotComputed;
  double within_process_cv = kNotComputed;
  double spread_per_round = kNotComputed;  // sd of one round's log effect
  std::vector<std::string> left_out;       // processes left out of this case, and why
};

inline constexpr int kRoundsCap = 200;

// One phase of a case compared (median exclusive host time per side, in us).
struct PhaseDifference {
  std::string phase;
  std::optional<double> base_us;  // nullopt: the phase exists on the other side only
  std::optional<double> head_us;
  double difference_us = kNotComputed;  // head - base (a one-side phase counts as 0 on the other)
  double low_us = kNotComputed;         // bootstrap interval of the difference
  double high_us = kNotComputed;
  double share = kNotComputed;  // of the sum of all phases' differences
};

struct CaseComparison {
  std::string name;  // the pair's shared name
  std::optional<report::CaseKey> key;
  std::string group;  // the case without its batch: summaries are per group
  SideSummary baseline;
  SideSummary contender;
  double ratio = kNotComputed;  // median(contender) / median(baseline)
  double ci_low = kNotComputed;
  double ci_high = kNotComputed;
  std::optional<MannWhitneyResult> test;
  Verdict verdict = Verdict::too_few_samples;
  std::string note;                     // why there is no verdict, or the error a report recorded
  std::optional<RoundAnalysis> rounds;  // several reports per side
  bool head_failed = false;             // the case failed on the contender side (in any round)
  // Phases, sorted by the size of their difference (empty: see phase_note).
  std::vector<PhaseDifference> phases;
  std::string phase_note;  // why there is no phase table, when there is none
};

// The case's samples of `metric`; throws report::ReportError naming `path` when it has none.
const std::vector<double>& samples_or_fail(const report::CaseResult& result,
                                           const std::string& path, report::Metric metric);

// Throws report::ReportError naming the report when it lacks the metric's counter for the case.
CaseComparison compare_case(const CasePair& pair, const ReportSide& baseline,
                            const ReportSide& contender, const CompareSettings& settings);

// Two runs are comparable when they ran on the same GPU, config, mode and backend. Different ones
// give a warning, or with --strict a refusal (report::ReportError naming the contender).
// One line per context field that differs; a field that one report carries and the other lacks
// differs too (two reports without it, such as plain Google Benchmark ones, agree).
std::vector<std::string> context_differences(const report::Report& baseline,
                                             const report::Report& contender,
                                             const std::string& baseline_role = "the baseline");

// Returns the differences as warnings; throws report::ReportError on any when `strict`.
std::vector<std::string> check_contexts(const report::Report& baseline,
                                        const report::Report& contender, bool strict);

// Summaries over a grid of cases, per group (a case without its batch: seq length, heads,
// head_dim, dtype, mode): the geometric mean of the ratios, the crossover batch from which the
// difference stays insignificant, and which variant to use at each batch. This is the study's
// advice: pick the version by problem size.
struct Crossover {
  std::optional<int> batch;  // the smallest batch from which every larger batch is "same"
  std::string note;          // what the batch means, or why there is none
};

struct Recommendation {
  int batch = 0;
  Verdict verdict = Verdict::same;
  double ratio = kNotComputed;
  std::string choice;  // a side's label, "either", or why there is no choice
};

struct GroupSummary {
  std::string group;
  int seqlen = 0;
  std::size_t cases_in_geomean = 0;  // cases with a verdict (enough samples, no error)
  double geomean_ratio = kNotComputed;
  Crossover crossover;
  std::vector<Recommendation> recommendations;  // by batch, ascending
};

struct SideLabels {
  std::string baseline;
  std::string contender;
};

// Only cases with a case key (fa-versus names) are summarised; groups keep the order in which
// they first appear in `cases`.
std::vector<GroupSummary> summarise_groups(const std::vector<CaseComparison>& cases,
                                           const SideLabels& labels);

// The group name of a case: "s:50/h:16/d:16/fp16/eager", with the variant in front
// ("v2.6.3/s:50/...") when cases of several variants are compared by full name.
std::string group_name(const report::CaseKey& key, bool with_variant);

// A whole comparison: every case, the group summaries and the warnings. Every output format
// renders this one value.
struct SideInfo {
  std::string path;  // several reports: "first.json (+N more)"
  std::vector<std::string> paths;
  std::string label;
  std::string variant;  // "" when the whole report is compared by name
  nlohmann::json context = nlohmann::json::object();
};

// How the reports of the two sides go together (several reports per side).
enum class Pairing {
  none,            // one report per side, or one report
  ab_round,        // by the context field ab_round, on every report of both sides
  argument_order,  // the i-th --base with the i-th --head (equal counts, no ab_round)
  unpaired,        // neither: the processes of each side are exchangeable
};
// "ab_round", "argument order", "unpaired"; "" for none.
std::string_view pairing_name(Pairing pairing);

// What one value of the test stands for.
enum class Unit {
  repetition,  // one report per side, or two variants of one report: repetitions are the samples
  process,     // several reports per side: one value per process (the median of its repetitions)
};

struct Comparison {
  CompareSettings settings;
  Unit unit = Unit::repetition;
  // One report per side from two runs: the between-run noise is not accounted for.
  bool single_run = false;
  std::size_t rounds = 0;  // several reports: the most rounds (or processes per side) compared
  Pairing pairing = Pairing::none;
  std::size_t head_failures = 0;  // cases that failed on the contender side
  SideInfo baseline;
  SideInfo contender;
  std::vector<CaseComparison> cases;  // grouped, then by batch (report order for other names)
  std::vector<GroupSummary> groups;
  std::vector<std::string> warnings;  // one line each

  std::size_t count(Verdict verdict) const;
  bool has_phases() const;
  // The kernel vs overhead picture needs both counters on both sides of every compared case.
  bool has_kernel_and_overhead() const;
};

// Pairs, compares and summarises. Throws report::ReportError for bad input (no common cases, a
// case on one side only, a missing counter, different contexts under --strict).
Comparison compare_reports(const ReportSide& baseline, const ReportSide& contender,
                           const CompareSettings& settings);

// Several reports per side, the process as the unit (see docs/fa-compare.md): per case one value
// per report, rounds paired by the ab_round context field (else by argument order with equal
// counts, else unpaired), a two-level bootstrap interval, a sign-flip or permutation test, the
// correction across cases, and the verdict slower/faster/same/inconclusive. Throws
// report::ReportError for bad input (mixed contexts on a side, a side with fewer than 2 reports,
// a round twice, case sets that differ).
//
// With `variants`, each side is one variant of its reports, matched by the case without its
// variant, as the one-report form does: the same reports may then be given on both sides (two
// variants interleaved in each process, the process still the unit, each process paired with
// itself).
struct SetVariants {
  std::optional<std::string> baseline;
  std::optional<std::string> contender;
};
Comparison compare_report_sets(const std::vector<report::Report>& base,
                               const std::vector<report::Report>& head, const SideLabels& labels,
                               const CompareSettings& settings, const SetVariants& variants = {});

// Shared by both forms: grid order (per group, batches ascending; cases without a case key keep
// their report order after the keyed ones).
void sort_cases(std::vector<CaseComparison>& cases);

// The phase table of one case from each side's processes (one process per side in the one-report
// forms). Fills c.phases or c.phase_note.
void compare_phases(CaseComparison& c, const std::vector<const report::CaseResult*>& base,
                    const std::vector<const report::CaseResult*>& head, bool paired,
                    const BootstrapSettings& settings);

}  // namespace fa::compare
