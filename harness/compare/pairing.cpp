#include "pairing.h"

#include <map>
#include <set>

#include <fmt/format.h>

namespace fa::compare {
namespace {

using report::CaseResult;
using report::ReportError;

// The cases of one side, keyed by the name they are matched on, in report order.
struct SideCases {
  std::vector<std::pair<std::string, const CaseResult*>> ordered;
  std::map<std::string, const CaseResult*, std::less<>> by_name;
};

std::string variants_in(const report::Report& report) {
  std::set<std::string> variants;
  for (const CaseResult& result : report.cases) {
    if (result.key) variants.insert(result.key->variant);
  }
  if (variants.empty()) {
    return "it has no case names of the form fwd/<variant>/b:<B>/s:<S>/h:<H>/d:<D>/<dtype>/<mode>";
  }
  return fmt::format("variants in it: {}", fmt::join(variants, ", "));
}

SideCases select_cases(const ReportSide& side) {
  SideCases cases;
  for (const CaseResult& result : side.report->cases) {
    std::string name;
    if (!side.variant) {
      name = result.name;
    } else if (result.key && result.key->variant == *side.variant) {
      name = report::case_name_without_variant(*result.key);
    } else {
      continue;
    }
    if (cases.by_name.emplace(name, &result).second) cases.ordered.emplace_back(name, &result);
  }
  if (side.variant && cases.ordered.empty()) {
    throw ReportError(side.report->path, fmt::format("no cases of variant \"{}\" ({})",
                                                     *side.variant, variants_in(*side.report)));
  }
  return cases;
}

// "a, b, c and 4 more": keeps the one-line message short.
std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 5;
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
    list += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > kShown) list += fmt::format(" and {} more", names.size() - kShown);
  return list;
}

std::vector<std::string> names_missing_from(const SideCases& present, const SideCases& other) {
  std::vector<std::string> missing;
  for (const auto& [name, result] : present.ordered) {
    if (other.by_name.find(name) == other.by_name.end()) missing.push_back(name);
  }
  return missing;
}

std::string describe_side(const ReportSide& side) {
  return side.variant ? fmt::format("{} (variant {})", side.report->path, *side.variant)
                      : side.report->path;
}

// The start of a message about the side whose report the error names: "variant v2.7.0 " or "".
std::string variant_prefix(const ReportSide& side) {
  return side.variant ? fmt::format("variant {} ", *side.variant) : std::string();
}

}  // namespace

std::vector<CasePair> pair_cases(const ReportSide& baseline, const ReportSide& contender) {
  const SideCases baseline_cases = select_cases(baseline);
  const SideCases contender_cases = select_cases(contender);

  std::vector<CasePair> pairs;
  for (const auto& [name, result] : baseline_cases.ordered) {
    const auto match = contender_cases.by_name.find(name);
    if (match != contender_cases.by_name.end()) pairs.push_back({name, result, match->second});
  }
  if (pairs.empty()) {
    throw ReportError(contender.report->path,
                      fmt::format("no case in common with {}: e.g. the baseline has \"{}\", the "
                                  "contender \"{}\"",
                                  describe_side(baseline), baseline_cases.ordered.front().first,
                                  contender_cases.ordered.front().first));
  }
  if (const auto missing = names_missing_from(baseline_cases, contender_cases); !missing.empty()) {
    throw ReportError(contender.report->path,
                      fmt::format("{}lacks {} case(s) that {} has: {}", variant_prefix(contender),
                                  missing.size(), describe_side(baseline), list_names(missing)));
  }
  if (const auto missing = names_missing_from(contender_cases, baseline_cases); !missing.empty()) {
    throw ReportError(baseline.report->path,
                      fmt::format("{}lacks {} case(s) that {} has: {}", variant_prefix(baseline),
                                  missing.size(), describe_side(contender), list_names(missing)));
  }
  return pairs;
}

}  // namespace fa::compare
