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

json phases_to_json(const CaseComparison& c) {
  json phases = json::array();
  for (const PhaseDifference& row : c.phases) {
    phases.push_back({{"phase", row.phase},
                      {"sides", row.base_us && row.head_us ? "both"
                                : row.base_us              ? "baseline only"
                                                           : "contender only"},
                      {"baseline_us", optional_or_null(row.base_us)},
                      {"contender_us", optional_or_null(row.head_us)},
                      {"difference_us", number_or_null(row.difference_us)},
                      {"ci_low_us", number_or_null(row.low_us)},
                      {"ci_high_us", number_or_null(row.high_us)},
                      {"share", number_or_null(row.share)}});
  }
  return phases;
}

json case_to_json(const CaseComparison& c) {
  json test = nullptr;
  if (c.test) {
    test = {{"name", "mann-whitney-u two-sided"},
            {"u", c.test->u},
            {"p_value", c.test->p_value},
            {"method", c.test->exact ? "exact" : "normal approximation"}};
  }
  json out = {{"name", c.name},
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
  // The process-level fields (contract 3 in the project's working notes), null where the form
  // has no such number.
  const RoundAnalysis* r = c.rounds ? &*c.rounds : nullptr;
  out["summary"] = explained_verdict(c);
  out["p_value"] = r        ? number_or_null(r->test.p_value)
                   : c.test ? json(c.test->p_value)
                            : json(nullptr);
  out["p_adjusted"] = r ? number_or_null(r->p_adjusted) : json(nullptr);
  out["rounds"] = r ? json(r->rounds) : json(nullptr);
  out["mde"] = r ? number_or_null(r->mde) : json(nullptr);
  out["rounds_needed"] = r ? optional_or_null(r->rounds_needed) : json(nullptr);
  out["rounds_needed_capped"] = r ? r->rounds_needed_capped : false;
  out["rounds_for_plan"] = r ? optional_or_null(r->rounds_for_plan) : json(nullptr);
  out["between_process_cv"] = r ? number_or_null(r->between_process_cv) : json(nullptr);
  out["within_process_cv"] = r ? number_or_null(r->within_process_cv) : json(nullptr);
  out["head_failed"] = c.head_failed;
  if (r) {
    out["processes"] = {{"baseline", r->base_processes}, {"contender", r->head_processes}};
    out["test"] = {{"name", r->paired ? "sign-flip over paired rounds (log ratios)"
                                      : "permutation over processes (log values)"},
                   {"p_value", number_or_null(r->test.p_value)},
                   {"method", r->test.exact ? "exact" : "monte carlo"}};
    out["left_out"] = r->left_out;
  }
  out["phases"] = phases_to_json(c);
  out["phase_note"] = c.phase_note.empty() ? json(nullptr) : json(c.phase_note);
  return out;
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
  json round_counts = json::object();
  for (const Verdict verdict :
       {Verdict::slower, Verdict::faster, Verdict::same, Verdict::inconclusive}) {
    round_counts[std::string(verdict_name(verdict))] = comparison.count(verdict);
  }
  const bool process = comparison.unit == Unit::process;
  return {{"fa_compare_schema", 2},
          {"unit", process ? "process" : "repetition"},
          {"correction", !process                           ? "none"
                         : s.correction == Correction::holm ? "holm"
                                                            : "bh"},
          {"rounds", comparison.rounds > 0 ? json(comparison.rounds) : json(nullptr)},
          {"pairing", comparison.pairing == Pairing::none
                          ? json(nullptr)
                          : json(std::string(pairing_name(comparison.pairing)))},
          {"single_run", comparison.single_run},
          {"between_run_noise", between_run_noise(comparison)},
          {"counts", round_counts},
          {"head_failures", comparison.head_failures},
          {"settings",
           {{"metric", std::string(report::metric_name(s.metric))},
            {"threshold", s.rule.threshold},
            {"alpha", s.rule.alpha},
            {"confidence", s.bootstrap.confidence},
            {"bootstrap_resamples", s.bootstrap.resamples},
            {"bootstrap_seed", s.bootstrap.seed},
            {"strict", s.strict},
            {"plan_effect", s.plan_effect ? json(*s.plan_effect) : json(nullptr)}}},
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
