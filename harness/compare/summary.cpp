#include "summary.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "descriptive.h"

namespace fa::compare {
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

}  // namespace fa::compare
