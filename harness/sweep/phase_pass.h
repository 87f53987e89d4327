#pragma once
// The phase pass: per case and repetition, after the timed loop and kernel timing (so neither
// sees the recorder), `calls` more calls with the in-process phase recorder on
// (kernels/common/phase_recorder.h). Per call, each phase's exclusive time and `unattributed` =
// the call's host time (around launch(), as host_us) minus all phases; per repetition, the mean
// over the calls: means add up (mean host = sum of mean phases + mean unattributed), medians
// would not.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "sweep/case_runner.h"

namespace fa::sweep {

// Before fa_kernels' first NVTX range (SweepCases::prepare): attaches the recorder when
// phase_samples > 0 and says on `log` when the pass cannot run (an external NVTX tool such as
// Nsight Systems is attached: the pass is skipped, the profile keeps every range).
void prepare_phase_pass(int phase_samples, std::FILE* log);

// phases::record_phase_means over runner.launch() (range name or "unattributed", mean us per call),
// in kPhaseTable order with unattributed last; only phases that ran. Empty when the recorder is not
// attached. Throws std::runtime_error when the ranges are unbalanced or nest other than kPhaseTable
// declares, or when ranges were recorded since the last pass ended (the timed loop must run without
// them).
std::vector<std::pair<std::string, double>> run_phase_pass(CaseRunner& runner, int calls);

}  // namespace fa::sweep
