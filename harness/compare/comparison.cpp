#include "comparison.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "statistics.h"

namespace fa::compare {

namespace {

struct ComparedField {
  const char* field;
  const char* what;  // for the message
};

// config_hash catches an edited config that kept its name.
constexpr std::array<ComparedField, 5> kComparedFields = {{{"gpu_name", "GPU"},
                                                           {"config_name", "config"},
                                                           {"config_hash", "config"},
                                                           {"mode", "mode"},
                                                           {"backend", "backend"}}};

std::string shown(const nlohmann::json& value) {
  std::string text = value.is_string() ? "\"" + value.get<std::string>() + "\"" : value.dump();
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

}  // namespace

std::vector<std::string> context_differences(const report::Report& baseline,
                                             const report::Report& contender,
                                             const std::string& baseline_role) {
  std::vector<std::string> differences;
  for (const ComparedField& compared : kComparedFields) {
    const auto base_value = baseline.context.find(compared.field);
    const auto contender_value = contender.context.find(compared.field);
    const bool on_base = base_value != baseline.context.end();
    const bool on_contender = contender_value != contender.context.end();
    if (!on_base && !on_contender) continue;  // e.g. two plain Google Benchmark reports
    // Missing on one side is different, not equal (issue 15 item 9): a report without its
    // gpu_name cannot show it ran on the same GPU.
    if (!on_base || !on_contender) {
      differences.push_back(
          fmt::format("context.{} ({}) is {}, {} {} has {}", compared.field, compared.what,
                      on_contender ? shown(*contender_value) : "missing", baseline_role,
                      baseline.path, on_base ? shown(*base_value) : "none"));
      continue;
    }
    if (*base_value != *contender_value) {
      differences.push_back(fmt::format("context.{} ({}) is {}, {} {} has {}", compared.field,
                                        compared.what, shown(*contender_value), baseline_role,
                                        baseline.path, shown(*base_value)));
    }
  }
  return differences;
}

std::vector<std::string> check_contexts(const report::Report& baseline,
                                        const report::Report& contender, bool strict) {
  std::vector<std::string> differences = context_differences(baseline, contender);
  if (strict && !differences.empty()) {
    throw report::ReportError(contender.path,
                              differences.front() +
                                  "; --strict refuses reports from different GPUs, configs, "
                                  "modes or backends");
  }
  for (std::string& difference : differences) {
    difference = contender.path + ": " + difference + " (--strict would refuse this)";
  }
  return differences;
}

namespace {

// Walks down from the largest batch while the verdict is "same".
Crossover find_crossover(const std::vector<const CaseComparison*>& by_batch) {
  Crossover crossover;
  std::size_t index = by_batch.size();
  while (index > 0 && by_batch[index - 1]->verdict == Verdict::same) --index;
  if (index == by_batch.size()) {
    const CaseComparison& largest = *by_batch.back();
    crossover.note = has_verdict(largest.verdict)
                         ? fmt::format("none: still {} at the largest batch ({})",
                                       verdict_name(largest.verdict), largest.key->batch)
                         : fmt::format("unknown: {} at the largest batch ({})",
                                       verdict_name(largest.verdict), largest.key->batch);
    return crossover;
  }
  crossover.batch = by_batch[index]->key->batch;
  if (index == 0) {
    crossover.note = "same at every batch";
  } else {
    const CaseComparison& before = *by_batch[index - 1];
    crossover.note = fmt::format("{} at batch {}, same from batch {} on",
                                 verdict_name(before.verdict), before.key->batch, *crossover.batch);
  }
  return crossover;
}

std::string choice_for(const CaseComparison& comparison, const SideLabels& labels) {
  switch (comparison.verdict) {
    case Verdict::slower:
      return labels.baseline;
    case Verdict::faster:
      return labels.contender;
    case Verdict::same:
      return "either";
    case Verdict::inconclusive:
      return "unknown (inconclusive)";
    case Verdict::too_few_samples:
      return "unknown (too few samples)";
    case Verdict::no_ratio:
      return "unknown (no ratio)";
    case Verdict::failed:
      return "unknown (error)";
  }
  return "?";
}

}  // namespace

std::string group_name(const report::CaseKey& key, bool with_variant) {
  return fmt::format("{}s:{}/h:{}/d:{}/{}/{}", with_variant ? key.variant + "/" : "", key.seqlen,
                     key.heads, key.head_dim, key.dtype, key.mode);
}

std::vector<GroupSummary> summarise_groups(const std::vector<CaseComparison>& cases,
                                           const SideLabels& labels) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CaseComparison*>> members;
  for (const CaseComparison& comparison : cases) {
    if (!comparison.key || comparison.group.empty()) continue;
    auto [slot, inserted] = members.try_emplace(comparison.group);
    if (inserted) order.push_back(comparison.group);
    slot->second.push_back(&comparison);
  }

  std::vector<GroupSummary> summaries;
  for (const std::string& group : order) {
    std::vector<const CaseComparison*>& by_batch = members[group];
    std::stable_sort(by_batch.begin(), by_batch.end(),
                     [](const auto* a, const auto* b) { return a->key->batch < b->key->batch; });
    GroupSummary summary;
    summary.group = group;
    summary.seqlen = by_batch.front()->key->seqlen;
    std::vector<double> ratios;
    for (const CaseComparison* comparison : by_batch) {
      if (has_verdict(comparison->verdict)) ratios.push_back(comparison->ratio);
      summary.recommendations.push_back({comparison->key->batch, comparison->verdict,
                                         comparison->ratio, choice_for(*comparison, labels)});
    }
    summary.cases_in_geomean = ratios.size();
    summary.geomean_ratio = geometric_mean(ratios);
    summary.crossover = find_crossover(by_batch);
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

namespace {

SideInfo describe(const ReportSide& side) {
  SideInfo info;
  info.path = side.report->path;
  info.paths = {side.report->path};
  info.label = side.label;
  info.variant = side.variant.value_or("");
  info.context = side.report->context;
  return info;
}

}  // namespace

void sort_cases(std::vector<CaseComparison>& cases) {
  const auto rank = [](const CaseComparison& c) {
    const report::CaseKey& k = *c.key;
    return std::tie(k.mode, k.dtype, k.heads, k.head_dim, k.variant, k.seqlen, k.batch);
  };
  std::stable_sort(cases.begin(), cases.end(), [&](const auto& a, const auto& b) {
    if (a.key && b.key) return rank(a) < rank(b);
    return a.key.has_value() && !b.key.has_value();
  });
}

namespace {

void add_sample_warnings(const Comparison& comparison, std::vector<std::string>& warnings) {
  std::size_t few = 0;
  std::size_t too_few = 0;
  std::size_t with_outliers = 0;
  std::vector<std::string> failed;
  std::vector<std::string> no_ratio;
  std::size_t powerless = 0;  // the exact test cannot reach p < alpha at these sizes
  std::string powerless_example;
  const double alpha = comparison.settings.rule.alpha;
  for (const CaseComparison& c : comparison.cases) {
    if (c.test && c.test->exact) {
      const double smallest = smallest_exact_p_value(c.baseline.samples, c.contender.samples);
      if (smallest >= alpha && powerless++ == 0) {
        powerless_example = fmt::format("with {} and {} samples the smallest possible p is {:.3g}",
                                        c.baseline.samples, c.contender.samples, smallest);
      }
    }
    if (c.verdict == Verdict::failed) failed.push_back(c.name + " (" + c.note + ")");
    if (c.verdict == Verdict::too_few_samples) ++too_few;
    if (c.verdict == Verdict::no_ratio) no_ratio.push_back(c.name + " (" + c.note + ")");
    if (has_verdict(c.verdict) &&
        std::min(c.baseline.samples, c.contender.samples) < kRecommendedSamples) {
      ++few;
    }
    if (c.baseline.outliers + c.contender.outliers > 0) ++with_outliers;
  }
  if (too_few > 0) {
    warnings.push_back(
        fmt::format("{} case(s) have fewer than {} samples on a side: no verdict "
                    "for them (too few samples)",
                    too_few, kMinSamplesForTest));
  }
  if (few > 0) {
    warnings.push_back(
        fmt::format("{} case(s) have fewer than {} samples on a side: the U test "
                    "has little power there (run more repetitions)",
                    few, kRecommendedSamples));
  }
  if (powerless > 0) {
    warnings.push_back(
        fmt::format("{} case(s) cannot be significant at alpha {:g} ({}): they can "
                    "never be slower or faster, only same or inconclusive; run more repetitions",
                    powerless, alpha, powerless_example));
  }
  if (with_outliers > 0) {
    warnings.push_back(
        fmt::format("{} case(s) have outliers (samples more than 14.8 MADs "
                    "from the median): a noisy machine? the medians are robust",
                    with_outliers));
  }
  for (const std::string& failure : failed) warnings.push_back("failed case: " + failure);
  for (const std::string& case_name : no_ratio) warnings.push_back("no ratio: " + case_name);
}

}  // namespace

std::size_t Comparison::count(Verdict verdict) const {
  return static_cast<std::size_t>(std::count_if(
      cases.begin(), cases.end(), [&](const CaseComparison& c) { return c.verdict == verdict; }));
}

bool Comparison::has_phases() const {
  return std::any_of(cases.begin(), cases.end(),
                     [](const CaseComparison& c) { return !c.phases.empty(); });
}

bool Comparison::has_kernel_and_overhead() const {
  bool any = false;
  for (const CaseComparison& c : cases) {
    if (c.verdict == Verdict::failed) continue;
    if (!c.baseline.kernel_median_us || !c.baseline.overhead_median_us ||
        !c.contender.kernel_median_us || !c.contender.overhead_median_us) {
      return false;
    }
    any = true;
  }
  return any;
}

Comparison compare_reports(const ReportSide& baseline, const ReportSide& contender,
                           const CompareSettings& settings) {
  Comparison comparison;
  comparison.settings = settings;
  comparison.baseline = describe(baseline);
  comparison.contender = describe(contender);
  comparison.single_run = baseline.report != contender.report;
  if (comparison.single_run) comparison.rounds = 1;
  if (baseline.report != contender.report) {
    comparison.warnings = check_contexts(*baseline.report, *contender.report, settings.strict);
  }

  const bool by_full_name = !baseline.variant;
  for (const CasePair& pair : pair_cases(baseline, contender)) {
    CaseComparison c = compare_case(pair, baseline, contender, settings);
    if (c.key) c.group = group_name(*c.key, by_full_name);
    if (c.head_failed) ++comparison.head_failures;
    comparison.cases.push_back(std::move(c));
  }
  sort_cases(comparison.cases);
  comparison.groups = summarise_groups(comparison.cases, {baseline.label, contender.label});
  add_sample_warnings(comparison, comparison.warnings);
  return comparison;
}

}  // namespace fa::compare
