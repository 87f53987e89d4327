#pragma once
// Every number of a comparison as JSON, for machines. Missing numbers are null.
#include <string>

#include <nlohmann/json.hpp>

#include "comparison.h"

namespace fa::compare {

nlohmann::json comparison_to_json(const Comparison& comparison);
std::string render_json(const Comparison& comparison);

}  // namespace fa::compare
