// Several reports per side: the process is the unit (docs/fa-compare.md, "Several reports per
// side"). Two processes of the same binary differ by far more than the repetitions inside one
// process do, so each report gives one value per case (the median of its repetitions) and the
// interval, the test and the verdict come from the rounds.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "comparison.h"
#include "statistics.h"

namespace fa::compare {
namespace {

using report::CaseResult;
using report::Report;
using report::ReportError;

// Which reports of the two sides ran in the same round.
struct RoundPlan {
  Pairing pairing = Pairing::unpaired;
  std::vector<std::pair<std::size_t, std::size_t>> rounds;  // paired: (base index, head index)
  std::vector<std::string> warnings;
};

std::optional<std::string> round_of(const Report& report) {
  const auto found = report.context.find("ab_round");
  if (found == report.context.end()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  if (found->is_number_integer()) return std::to_string(found->get<long long>());
  throw ReportError(report.path, "context.ab_round is neither a string nor an integer");
}

// The round's number for sorting: "03" and "3" are round 3; other text sorts after numbers.
std::pair<long long, std::string> round_order(const std::string& round) {
  try {
    std::size_t used = 0;
    const long long number = std::stoll(round, &used);
    if (used == round.size()) return {number, ""};
  } catch (const std::exception&) {
  }
  return {std::numeric_limits<long long>::max(), round};
}

std::map<std::pair<long long, std::string>, std::size_t> rounds_of_side(
    const std::vector<Report>& reports, const char* flag) {
  std::map<std::pair<long long, std::string>, std::size_t> by_round;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const std::string round = *round_of(reports[i]);
    const auto [slot, inserted] = by_round.emplace(round_order(round), i);
    if (!inserted) {
      throw ReportError(reports[i].path,
                        fmt::format("context.ab_round {} is also in {}: two reports of one round "
                                    "on {}",
                                    round, reports[slot->second].path, flag));
    }
  }
  return by_round;
}

RoundPlan plan_rounds(const std::vector<Report>& base, const std::vector<Report>& head) {
  RoundPlan plan;
  const auto has_round = [](const Report& report) { return round_of(report).has_value(); };
  const bool all_rounds = std::all_of(base.begin(), base.end(), has_round) &&
                          std::all_of(head.begin(), head.end(), has_round);
  if (all_rounds) {
    plan.pairing = Pairing::ab_round;
    const auto base_rounds = rounds_of_side(base, "--base");
    const auto head_rounds = rounds_of_side(head, "--head");
    for (const auto& [round, base_index] : base_rounds) {
      const auto match = head_rounds.find(round);
      if (match == head_rounds.end()) {
        plan.warnings.push_back(fmt::format("{}: round {} has no --head report: left out",
                                            base[base_index].path, *round_of(base[base_index])));
        continue;
      }
      plan.rounds.emplace_back(base_index, match->second);
    }
    for (const auto& [round, head_index] : head_rounds) {
      if (base_rounds.count(round) == 0) {
        plan.warnings.push_back(fmt::format("{}: round {} has no --base report: left out",
                                            head[head_index].path, *round_of(head[head_index])));
      }
    }
    if (plan.rounds.size() < 2) {
      throw ReportError(head.front().path,
                        fmt::format("{} round(s) have reports on both sides (by context.ab_round); "
                                    "pairing needs at least 2",
                                    plan.rounds.size()));
    }
    return plan;
  }
  if (base.size() == head.size()) {
    plan.pairing = Pairing::argument_order;
    for (std::size_t i = 0; i < base.size(); ++i) plan.rounds.emplace_back(i, i);
    return plan;
  }
  plan.pairing = Pairing::unpaired;
  plan.warnings.push_back(
      fmt::format("{} --base and {} --head reports without context.ab_round on all of them: "
                  "compared unpaired (a permutation test over processes)",
                  base.size(), head.size()));
  return plan;
}

// Reports of one side must come from the same GPU, config, mode and backend; ab_side, when set,
// must name the side the report is given for.
void check_side(const std::vector<Report>& reports, const char* flag, const char* side,
                bool by_variant) {
  for (const Report& report : reports) {
    if (by_variant) break;  // the side is a variant, not the build a report was made by
    const std::string ab_side = report.context_string("ab_side");
    if (!ab_side.empty() && ab_side != side) {
      throw ReportError(report.path, fmt::format("context.ab_side is \"{}\" but the report is "
                                                 "given after {}",
                                                 ab_side, flag));
    }
  }
  for (std::size_t i = 1; i < reports.size(); ++i) {
    const auto differences =
        context_differences(reports.front(), reports[i], fmt::format("the first {} report", flag));
    if (!differences.empty()) {
      throw ReportError(
          reports[i].path,
          differences.front() + fmt::format(": reports of different GPUs, configs, modes or "
                                            "backends on one side ({})",
                                            flag));
    }
  }
}

SideInfo describe_side(const std::vector<Report>& reports, const std::string& label) {
  SideInfo info;
  info.label = label;
  info.context = reports.front().context;
  for (const Report& report : reports) info.paths.push_back(report.path);
  info.path = reports.size() == 1
                  ? reports.front().path
                  : fmt::format("{} (+{} more)", reports.front().path, reports.size() - 1);
  return info;
}

// One value per process of a metric, when every process has it.
std::optional<double> median_over_processes(const std::vector<const CaseResult*>& processes,
                                            report::Metric metric) {
  std::vector<double> values;
  for (const CaseResult* result : processes) {
    const std::vector<double>* samples = result->samples_of(metric);
    if (samples == nullptr || samples->empty()) return std::nullopt;
    values.push_back(median(*samples));
  }
  return median(values);
}

SideSummary summarise_processes(const std::vector<const CaseResult*>& processes,
                                const std::vector<std::vector<double>>& samples) {
  SideSummary summary;
  if (processes.empty()) return summary;
  summary.case_name = processes.front()->name;
  for (const auto& repetitions : samples) {
    summary.samples += repetitions.size();
    summary.outliers += count_outliers(repetitions);
  }
  if (!samples.empty()) summary.median_us = median(process_values(samples));
  summary.kernel_median_us = median_over_processes(processes, report::Metric::kernel);
  summary.overhead_median_us = median_over_processes(processes, report::Metric::overhead);
  return summary;
}

double log_spread(const std::vector<double>& values) {
  std::vector<double> logs;
  for (const double value : values) logs.push_back(std::log(value));
  return standard_deviation(logs);
}

double within_cv(const std::vector<std::vector<double>>& processes) {
  std::vector<double> cvs;
  for (const auto& repetitions : processes) {
    if (repetitions.size() < 2) continue;
    double mean = 0;
    for (const double value : repetitions) mean += value;
    mean /= static_cast<double>(repetitions.size());
    cvs.push_back(standard_deviation(repetitions) / mean);
  }
  if (cvs.empty()) return kNotComputed;
  double sum = 0;
  for (const double cv : cvs) sum += cv;
  return sum / static_cast<double>(cvs.size());
}

struct CaseInputs {
  std::vector<const CaseResult*> base;  // the processes kept, per side (paired: same length)
  std::vector<const CaseResult*> head;
  std::vector<std::vector<double>> base_samples;
  std::vector<std::vector<double>> head_samples;
};

// Analyses one case over its processes; the verdict waits for the correction across cases.
// One case's name: shared by both sides, and as each side's reports call it (the same unless
// variants are selected).
struct CaseNames {
  std::string shared;
  std::string base;
  std::string head;
};

CaseComparison analyse_case(const CaseNames& names, const std::vector<Report>& base,
                            const std::vector<Report>& head, const RoundPlan& plan,
                            const CompareSettings& settings) {
  CaseComparison c;
  c.name = names.shared;
  RoundAnalysis analysis;
  analysis.paired = plan.pairing != Pairing::unpaired;
  CaseInputs kept;
  const auto usable = [&](const Report& report, bool head_side) -> const CaseResult* {
    const CaseResult* result = report.find(head_side ? names.head : names.base);
    if (result->error) {
      analysis.left_out.push_back(fmt::format("{}: failed: {}", report.path, *result->error));
      if (head_side) c.head_failed = true;
      return nullptr;
    }
    samples_or_fail(*result, report.path, settings.metric);
    return result;
  };
  const auto keep = [&](const CaseResult* result, bool head_side) {
    (head_side ? kept.head : kept.base).push_back(result);
    (head_side ? kept.head_samples : kept.base_samples)
        .push_back(*result->samples_of(settings.metric));
  };
  if (analysis.paired) {
    for (const auto& [base_index, head_index] : plan.rounds) {
      const CaseResult* base_result = usable(base[base_index], false);
      const CaseResult* head_result = usable(head[head_index], true);
      if (base_result == nullptr || head_result == nullptr) continue;  // the round is left out
      keep(base_result, false);
      keep(head_result, true);
    }
  } else {
    for (const Report& report : base) {
      if (const CaseResult* result = usable(report, false)) keep(result, false);
    }
    for (const Report& report : head) {
      if (const CaseResult* result = usable(report, true)) keep(result, true);
    }
  }
  c.key = base.front().find(names.base)->key;
  c.baseline = summarise_processes(kept.base, kept.base_samples);
  c.contender = summarise_processes(kept.head, kept.head_samples);
  if (c.baseline.case_name.empty()) c.baseline.case_name = names.base;
  if (c.contender.case_name.empty()) c.contender.case_name = names.head;
  analysis.base_processes = kept.base.size();
  analysis.head_processes = kept.head.size();
  analysis.rounds = std::min(kept.base.size(), kept.head.size());

  if (kept.base.size() < 2 || kept.head.size() < 2) {
    c.verdict = Verdict::failed;
    c.note = fmt::format(
        "{} usable process(es) on --base and {} on --head after leaving out "
        "failed ones; at least 2 per side are needed",
        kept.base.size(), kept.head.size());
    c.rounds = std::move(analysis);
    return c;
  }
  const auto non_positive = [](const std::vector<std::vector<double>>& processes) {
    return std::any_of(processes.begin(), processes.end(), [](const auto& values) {
      return std::any_of(values.begin(), values.end(), [](double v) { return v <= 0; });
    });
  };
  if (non_positive(kept.base_samples) || non_positive(kept.head_samples)) {
    c.verdict = Verdict::no_ratio;
    c.note = fmt::format("zero or negative {} samples: no ratio of medians",
                         report::metric_counter(settings.metric));
    c.rounds = std::move(analysis);
    return c;
  }

  const ProcessSamples samples{kept.base_samples, kept.head_samples, analysis.paired};
  const EffectInterval interval = two_level_bootstrap(samples, Effect::ratio, settings.bootstrap);
  c.ratio = interval.estimate;
  c.ci_low = interval.low;
  c.ci_high = interval.high;

  const std::vector<double> base_values = process_values(kept.base_samples);
  const std::vector<double> head_values = process_values(kept.head_samples);
  if (analysis.paired) {
    std::vector<double> log_ratios;
    for (std::size_t i = 0; i < base_values.size(); ++i) {
      log_ratios.push_back(std::log(head_values[i] / base_values[i]));
    }
    analysis.test = sign_flip_test(log_ratios, settings.bootstrap.seed);
    analysis.spread_per_round = standard_deviation(log_ratios);
  } else {
    std::vector<double> base_logs;
    std::vector<double> head_logs;
    for (const double value : base_values) base_logs.push_back(std::log(value));
    for (const double value : head_values) head_logs.push_back(std::log(value));
    analysis.test = permutation_test(base_logs, head_logs, settings.bootstrap.seed);
    // The spread of a difference of two side means at one process per side.
    analysis.spread_per_round = std::sqrt(std::pow(standard_deviation(base_logs), 2) +
                                          std::pow(standard_deviation(head_logs), 2));
  }
  const double base_spread = log_spread(base_values);
  const double head_spread = log_spread(head_values);
  analysis.between_process_cv =
      std::sqrt((base_spread * base_spread + head_spread * head_spread) / 2);
  std::vector<std::vector<double>> all_processes(kept.base_samples);
  all_processes.insert(all_processes.end(), kept.head_samples.begin(), kept.head_samples.end());
  analysis.within_process_cv = within_cv(all_processes);
  c.verdict = Verdict::inconclusive;  // until decide_round_verdicts
  compare_phases(c, kept.base, kept.head, analysis.paired, settings.bootstrap);
  c.rounds = std::move(analysis);
  return c;
}

// After the correction: the verdict, the minimum detectable effect and the rounds to decide.
void decide_round_verdicts(std::vector<CaseComparison>& cases, const CompareSettings& settings) {
  std::vector<double> p_values;
  std::vector<CaseComparison*> tested;
  for (CaseComparison& c : cases) {
    if (c.rounds && c.verdict == Verdict::inconclusive) {
      p_values.push_back(c.rounds->test.p_value);
      tested.push_back(&c);
    }
  }
  const std::vector<double> adjusted = adjust_p_values(p_values, settings.correction);
  const double alpha = settings.rule.alpha;
  const double threshold = settings.rule.threshold;
  // Both corrections compare the smallest p with alpha / m first: plan for that level.
  const double alpha_per_test =
      alpha / static_cast<double>(std::max<std::size_t>(1, tested.size()));
  const double z_test = normal_quantile(1 - alpha_per_test / 2);
  const double z_power = normal_quantile(0.8);
  const double z_interval = normal_quantile(1 - (1 - settings.bootstrap.confidence) / 2);
  for (std::size_t i = 0; i < tested.size(); ++i) {
    CaseComparison& c = *tested[i];
    RoundAnalysis& r = *c.rounds;
    r.p_adjusted = adjusted[i];
    const bool rejected = r.p_adjusted < alpha;
    if (rejected && c.ci_low > 1 && c.ratio > 1 + threshold) {
      c.verdict = Verdict::slower;
    } else if (rejected && c.ci_high < 1 && c.ratio < 1 - threshold) {
      c.verdict = Verdict::faster;
    } else if (c.ci_low >= 1 - threshold && c.ci_high <= 1 + threshold) {
      c.verdict = Verdict::same;
    } else {
      c.verdict = Verdict::inconclusive;
    }
    const auto rounds = static_cast<double>(r.rounds);
    const bool can_reject =
        smallest_randomisation_p(r.base_processes, r.head_processes, r.paired) < alpha_per_test;
    const double statistical_mde =
        std::exp((z_test + z_power) * r.spread_per_round / std::sqrt(rounds)) - 1;
    r.mde = can_reject ? std::max(threshold, statistical_mde) : kNotComputed;
    const int test_rounds = rounds_for_test(alpha_per_test, r.paired);
    if (c.verdict == Verdict::inconclusive) {
      // The interval's half-width must fall under the distance from the effect to the threshold
      // on its side; beyond the threshold the test must also be able to reject.
      const double log_effect = std::log(c.ratio);
      const double log_threshold = c.ratio >= 1 ? std::log1p(threshold) : -std::log1p(-threshold);
      const double distance = std::abs(std::abs(log_effect) - log_threshold);
      const bool beyond = std::abs(log_effect) > log_threshold;
      const int minimum = std::max(static_cast<int>(r.rounds) + 1, beyond ? test_rounds : 0);
      const int needed = rounds_for_half_width(r.spread_per_round, distance,
                                               beyond ? std::max(z_interval, z_test) : z_interval,
                                               minimum, kRoundsCap);
      r.rounds_needed = needed;
      r.rounds_needed_capped = needed >= kRoundsCap;
      c.note = r.rounds_needed_capped
                   ? fmt::format("more than {} rounds would be needed to decide", kRoundsCap)
                   : fmt::format("about {} rounds would decide it", needed);
    }
    if (settings.plan_effect) {
      r.rounds_for_plan =
          rounds_for_half_width(r.spread_per_round, std::log1p(*settings.plan_effect),
                                z_test + z_power, test_rounds, kRoundsCap);
    }
  }
}

void add_round_warnings(Comparison& comparison) {
  std::size_t tested = 0;
  std::size_t powerless = 0;
  std::string example;
  for (const CaseComparison& c : comparison.cases) {
    if (!c.rounds) continue;
    for (const std::string& left_out : c.rounds->left_out) {
      comparison.warnings.push_back(
          fmt::format("case {}: a process left out: {}", c.name, left_out));
    }
    if (c.verdict == Verdict::failed) {
      comparison.warnings.push_back("failed case: " + c.name + " (" + c.note + ")");
    }
    if (!std::isfinite(c.rounds->p_adjusted)) continue;
    ++tested;
    if (!std::isfinite(c.rounds->mde) && powerless++ == 0) {
      example = fmt::format("with {} and {} processes the smallest p is {:.3g}",
                            c.rounds->base_processes, c.rounds->head_processes,
                            smallest_randomisation_p(c.rounds->base_processes,
                                                     c.rounds->head_processes, c.rounds->paired));
    }
  }
  if (powerless > 0) {
    const double level = comparison.settings.rule.alpha / static_cast<double>(tested);
    comparison.warnings.push_back(fmt::format(
        "{} case(s) cannot be slower or faster at these rounds ({}; the first step of the "
        "correction over {} cases needs p < {:.3g}): run at least {} rounds",
        powerless, example, tested, level,
        rounds_for_test(level, comparison.pairing != Pairing::unpaired)));
  }
}

}  // namespace

std::string_view pairing_name(Pairing pairing) {
  switch (pairing) {
    case Pairing::none:
      return "";
    case Pairing::ab_round:
      return "ab_round";
    case Pairing::argument_order:
      return "argument order";
    case Pairing::unpaired:
      return "unpaired";
  }
  return "";
}

Comparison compare_report_sets(const std::vector<Report>& base, const std::vector<Report>& head,
                               const SideLabels& labels, const CompareSettings& settings,
                               const SetVariants& variants) {
  if (base.size() < 2 || head.size() < 2) {
    const bool base_short = base.size() < 2;
    const std::vector<Report>& short_side = base_short ? base : head;
    throw ReportError(
        short_side.empty() ? std::string(base_short ? "--base" : "--head")
                           : short_side.front().path,
        fmt::format("{} has {} report(s) and {} has {}: the process-level "
                    "comparison needs at least 2 per side (one per side compares "
                    "repetitions of a single run)",
                    base_short ? "--base" : "--head", short_side.size(),
                    base_short ? "--head" : "--base", (base_short ? head : base).size()));
  }
  const bool by_variant = variants.baseline.has_value();
  check_side(base, "--base", "base", by_variant);
  check_side(head, "--head", "head", by_variant);

  Comparison comparison;
  comparison.settings = settings;
  comparison.unit = Unit::process;
  comparison.baseline = describe_side(base, labels.baseline);
  comparison.contender = describe_side(head, labels.contender);
  comparison.warnings = check_contexts(base.front(), head.front(), settings.strict);

  // Every report must hold the first base report's cases (of its side's variant), and no others.
  const ReportSide reference{&base.front(), variants.baseline, labels.baseline};
  std::vector<CaseNames> names;
  for (const CasePair& pair :
       pair_cases(reference, ReportSide{&head.front(), variants.contender, labels.contender})) {
    names.push_back({pair.name, pair.baseline->name, pair.contender->name});
  }
  for (const Report& report : base) {
    pair_cases(reference, ReportSide{&report, variants.baseline, labels.baseline});
  }
  for (const Report& report : head) {
    pair_cases(reference, ReportSide{&report, variants.contender, labels.contender});
  }

  const RoundPlan plan = plan_rounds(base, head);
  comparison.pairing = plan.pairing;
  comparison.warnings.insert(comparison.warnings.end(), plan.warnings.begin(), plan.warnings.end());
  for (const CaseNames& case_names : names) {
    CaseComparison c = analyse_case(case_names, base, head, plan, settings);
    if (c.key) c.group = group_name(*c.key, !by_variant);
    if (c.head_failed) ++comparison.head_failures;
    comparison.rounds = std::max(comparison.rounds, c.rounds ? c.rounds->rounds : 0);
    comparison.cases.push_back(std::move(c));
  }
  decide_round_verdicts(comparison.cases, settings);
  sort_cases(comparison.cases);
  comparison.groups = summarise_groups(comparison.cases, labels);
  add_round_warnings(comparison);
  return comparison;
}

}  // namespace fa::compare
