// The phase table of a case: where a difference in host time goes, phase by phase (the
// "phase:<range>" counters, exclusive host time per NVTX phase range; see report/metric.h).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "comparison.h"
#include "statistics.h"

namespace fa::compare {
namespace {

using report::CaseResult;

// The phases every process of a side has, by name.
std::set<std::string> phases_of_side(const std::vector<const CaseResult*>& processes) {
  std::set<std::string> names;
  bool first = true;
  for (const CaseResult* result : processes) {
    std::set<std::string> own;
    for (const auto& [name, samples] : result->phases) {
      if (!samples.empty()) own.insert(name);
    }
    if (first) {
      names = std::move(own);
      first = false;
    } else {
      std::set<std::string> both;
      std::set_intersection(names.begin(), names.end(), own.begin(), own.end(),
                            std::inserter(both, both.end()));
      names = std::move(both);
    }
  }
  return names;
}

std::vector<std::vector<double>> phase_processes(const std::vector<const CaseResult*>& processes,
                                                 const std::string& phase) {
  std::vector<std::vector<double>> samples;
  for (const CaseResult* result : processes) samples.push_back(*result->phase_samples_of(phase));
  return samples;
}

}  // namespace

void compare_phases(CaseComparison& c, const std::vector<const CaseResult*>& base,
                    const std::vector<const CaseResult*>& head, bool paired,
                    const BootstrapSettings& settings) {
  c.phases.clear();
  if (base.empty() || head.empty()) {
    c.phase_note = "no process of a side measured this case: no phase table";
    return;
  }
  const std::set<std::string> base_phases = phases_of_side(base);
  const std::set<std::string> head_phases = phases_of_side(head);
  if (base_phases.empty() && head_phases.empty()) {
    c.phase_note =
        "no phase counters (phase:<range>) in the reports: no phase table (fa-sweep's phase pass "
        "writes them)";
    return;
  }
  std::set<std::string> all(base_phases);
  all.insert(head_phases.begin(), head_phases.end());
  // A phase on one side only counts as zero on the other: its whole time is the difference.
  const std::vector<std::vector<double>> zeros_base(base.size(), std::vector<double>{0.0});
  const std::vector<std::vector<double>> zeros_head(head.size(), std::vector<double>{0.0});
  double total = 0;
  for (const std::string& phase : all) {
    const bool on_base = base_phases.count(phase) > 0;
    const bool on_head = head_phases.count(phase) > 0;
    ProcessSamples samples;
    samples.base = on_base ? phase_processes(base, phase) : zeros_base;
    samples.head = on_head ? phase_processes(head, phase) : zeros_head;
    samples.paired = paired;
    PhaseDifference row;
    row.phase = phase;
    if (on_base) row.base_us = median(process_values(samples.base));
    if (on_head) row.head_us = median(process_values(samples.head));
    const EffectInterval interval = two_level_bootstrap(samples, Effect::difference, settings);
    row.difference_us = interval.estimate;
    row.low_us = interval.low;
    row.high_us = interval.high;
    total += row.difference_us;
    c.phases.push_back(std::move(row));
  }
  for (PhaseDifference& row : c.phases) {
    row.share = std::abs(total) > 0 ? row.difference_us / total : kNotComputed;
  }
  std::stable_sort(c.phases.begin(), c.phases.end(), [](const auto& a, const auto& b) {
    return std::abs(a.difference_us) > std::abs(b.difference_us);
  });
  c.phase_note.clear();
}

}  // namespace fa::compare
