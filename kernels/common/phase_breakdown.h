#pragma once
// What the phase recorder saw, as exclusive times. In fa_kernels, beside the recorder, because
// both fa-sweep's phase pass and the Python layers' (python/ext/phase_bindings.cpp) use it.
//
// break_down_call: one call's recorded ranges turned into exclusive times: each range's duration
// minus its children's, so the phases of a call add up to the time spent inside outermost ranges
// (the "attributed" total). The nesting is checked against a declaration table (kPhaseTable
// unless a test passes another): a range inside a phase its declaration does not list is a
// problem, as is an unbalanced push/pop or a range outside the table.
#include <array>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/nvtx.h"
#include "common/phase_recorder.h"

namespace fa::phases {

// "unattributed": report::kUnattributedPhase, spelled here too (kernels/ does not use harness/).
inline constexpr const char* kUnattributedPhase = "unattributed";

using PhaseTable = std::array<nvtx::PhaseDeclaration, nvtx::kPhaseCount>;

struct CallPhases {
  std::array<double, nvtx::kPhaseCount> exclusive_us{};  // 0 where the phase did not run
  std::array<int, nvtx::kPhaseCount> ranges{};           // ranges of each phase in the call
  double attributed_us = 0;                              // sum of the outermost ranges
  std::vector<std::string> problems;                     // empty: balanced and nested as declared
};

CallPhases break_down_call(const std::vector<RangeEvent>& events,
                           const PhaseTable& table = nvtx::kPhaseTable);

// `calls` calls of `call`, each recorded (the recorder must be attached), its host time taken
// with the steady clock around `call` alone; `after_call` (synchronize, drop the outputs) runs
// outside the recording. Returns (range name, mean exclusive microseconds per call) in kPhaseTable
// order for the phases that ran, then ("unattributed", mean host time outside every phase): means,
// so they add up to the mean host time. Throws std::runtime_error naming the first nesting problem.
std::vector<std::pair<std::string, double>> record_phase_means(
    int calls, const std::function<void()>& call, const std::function<void()>& after_call);

}  // namespace fa::phases
