#pragma once
// Two runs are comparable when they ran on the same GPU, config, mode and backend. Different ones
// give a warning, or with --strict a refusal (report::ReportError naming the contender).
#include <string>
#include <vector>

#include "report/report.h"

namespace fa::compare {

// One line per context field that differs (only fields both reports carry are compared).
std::vector<std::string> context_differences(const report::Report& baseline,
                                             const report::Report& contender);

// Returns the differences as warnings; throws report::ReportError on any when `strict`.
std::vector<std::string> check_contexts(const report::Report& baseline,
                                        const report::Report& contender, bool strict);

}  // namespace fa::compare
