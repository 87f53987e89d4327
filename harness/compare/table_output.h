#pragma once
// The terminal table: aligned columns, the verdict coloured when asked (a terminal without
// NO_COLOR; the caller decides).
#include <string>

#include "comparison.h"

namespace fa::compare {

std::string render_table(const Comparison& comparison, bool colour);

// True when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org).
bool stdout_wants_colour();

}  // namespace fa::compare
