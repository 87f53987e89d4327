#include "rendering.h"

#include <cmath>

namespace fa::compare {

namespace {

using nlohmann::json;

json number_or_null(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

template <typename T>
json optional_or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json side_to_json(const SideInfo& side) {
  return {{"path", side.path},
          {"label", side.label},
          {"variant", side.variant.empty() ? json(nullptr) : json(side.variant)},
          {"context", side.context}};
}

json summary_to_json(const SideSummary& side) {
  return {{"case", side.case_name},
          {"samples", side.samples},
          {"median_us", number_or_null(side.median_us)},
          {"kernel_median_us", optional_or_null(side.kernel_median_us)},
          {"overhead_median_us", optional_or_null(side.overhead_median_us)},
          {"outliers", side.outliers},
          {"aggregates_only", side.aggregates_only},
          {"error", optional_or_null(side.error)}};
}

json key_to_json(const std::optional<report::CaseKey>& key) {
  if (!key) return nullptr;
  return {{"batch", key->batch},       {"seqlen", key->seqlen}, {"heads", key->heads},
          {"head_dim", key->head_dim}, {"dtype", key->dtype},   {"mode", key->mode}};
}

json case_to_json(const CaseComparison& c) {
  json test = nullptr;
  if (c.test) {
    test = {{"name", "mann-whitney-u two-sided"},
            {"u", c.test->u},
            {"p_value", c.test->p_value},
            {"method", c.test->exact ? "exact" : "normal approximation"}};
  }
  return {{"name", c.name},
          {"key", key_to_json(c.key)},
          {"group", c.group.empty() ? json(nullptr) : json(c.group)},
          {"baseline", summary_to_json(c.baseline)},
          {"contender", summary_to_json(c.contender)},
          {"ratio", number_or_null(c.ratio)},
          {"ci_low", number_or_null(c.ci_low)},
          {"ci_high", number_or_null(c.ci_high)},
          {"test", test},
          {"verdict", std::string(verdict_name(c.verdict))},
          {"note", c.note.empty() ? json(nullptr) : json(c.note)}};
}

json group_to_json(const GroupSummary& group) {
  json recommendations = json::array();
  for (const Recommendation& r : group.recommendations) {
    recommendations.push_back({{"batch", r.batch},
                               {"verdict", std::string(verdict_name(r.verdict))},
                               {"ratio", number_or_null(r.ratio)},
                               {"use", r.choice}});
  }
  return {{"group", group.group},
          {"seqlen", group.seqlen},
          {"geomean_ratio", number_or_null(group.geomean_ratio)},
          {"cases_in_geomean", group.cases_in_geomean},
          {"crossover_batch", optional_or_null(group.crossover.batch)},
          {"crossover_note", group.crossover.note},
          {"recommendations", recommendations}};
}

}  // namespace

json comparison_to_json(const Comparison& comparison) {
  const CompareSettings& s = comparison.settings;
  json cases = json::array();
  for (const CaseComparison& c : comparison.cases) cases.push_back(case_to_json(c));
  json groups = json::array();
  for (const GroupSummary& group : comparison.groups) groups.push_back(group_to_json(group));
  json counts = json::object();
  for (const Verdict verdict : kAllVerdicts) {
    counts[std::string(verdict_name(verdict))] = comparison.count(verdict);
  }
  return {{"fa_compare_schema", 1},
          {"settings",
           {{"metric", std::string(report::metric_name(s.metric))},
            {"threshold", s.rule.threshold},
            {"alpha", s.rule.alpha},
            {"confidence", s.bootstrap.confidence},
            {"bootstrap_resamples", s.bootstrap.resamples},
            {"bootstrap_seed", s.bootstrap.seed},
            {"strict", s.strict}}},
          {"baseline", side_to_json(comparison.baseline)},
          {"contender", side_to_json(comparison.contender)},
          {"verdict_counts", counts},
          {"cases", cases},
          {"groups", groups},
          {"warnings", comparison.warnings}};
}

std::string render_json(const Comparison& comparison) {
  // Replace invalid UTF-8 from a report rather than throwing halfway through the output.
  return comparison_to_json(comparison)
             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace fa::compare
