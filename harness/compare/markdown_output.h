#pragma once
// GitHub-flavoured markdown: the per-case table plus the summaries (geomean, crossover, which
// variant to use per batch and seq), ready to append to $GITHUB_STEP_SUMMARY.
#include <string>

#include "comparison.h"

namespace fa::compare {

std::string render_markdown(const Comparison& comparison);

// Text safe inside a markdown table cell: '|' escaped, HTML brackets as entities.
std::string markdown_cell(const std::string& text);

}  // namespace fa::compare
