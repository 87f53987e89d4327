#pragma once
// One call's recorded phase ranges turned into exclusive times: each range's duration minus its
// children's, so the phases of a call add up to the time spent inside outermost ranges (the
// "attributed" total). The nesting is checked against a declaration table (kPhaseTable unless a
// test passes another): a range inside a phase its declaration does not list is a problem, as is
// an unbalanced push/pop or a range outside the table.
#include <array>
#include <string>
#include <vector>

#include "common/nvtx.h"
#include "common/phase_recorder.h"

namespace fa::sweep {

using PhaseTable = std::array<nvtx::PhaseDeclaration, nvtx::kPhaseCount>;

struct CallPhases {
  std::array<double, nvtx::kPhaseCount> exclusive_us{};  // 0 where the phase did not run
  std::array<int, nvtx::kPhaseCount> ranges{};           // ranges of each phase in the call
  double attributed_us = 0;                              // sum of the outermost ranges
  std::vector<std::string> problems;                     // empty: balanced and nested as declared
};

CallPhases break_down_call(const std::vector<phases::RangeEvent>& events,
                           const PhaseTable& table = nvtx::kPhaseTable);

}  // namespace fa::sweep
