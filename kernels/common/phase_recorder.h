#pragma once
// The in-process phase recorder: an NVTX tool of fa_kernels' own that records the push and pop of
// every `fa_bench` phase range (kernels/common/nvtx.h) with the steady clock, without Nsight
// Systems.
//
// How it attaches: NVTX is header-only, so every binary and shared library that uses it has its
// own NVTX instance, initialised once, at its first NVTX call. fa_kernels' instance finds this
// recorder through NVTX's static-injection symbol (InitializeInjectionNvtx2_fnptr), which
// phase_recorder.cpp defines with hidden visibility: it binds inside libfa_kernels.so only, so
// fa-sweep's own instance (its case ranges) and any other library stay as they were. NVTX looks
// at NVTX_INJECTION64_PATH first: when Nsight Systems (or another tool) is attached, it gets the
// ranges and this recorder stays detached (state kExternalTool).
//
// Why it lives in fa_kernels (not harness/): the injection must be in the same shared library as
// the NVTX instance whose ranges it records, and the Python layers reach the same instance
// through fa_nvtx push_phase()/pop_phase() (python/ext/phase_bindings.cpp).
//
// Off by default, at no cost: attach_phase_recorder() must run before fa_kernels' first range;
// without it the instance initialises with no tool (NVTX's no-op branch). Attached but not
// recording, the push/pop slots hold nullptr, i.e. the same no-tool branch: a timed loop runs the
// same instructions with the recorder attached or not; only start_recording() puts the callbacks
// in. Recording is for one thread at a time (the phase pass's).
#include <cstdint>
#include <string>
#include <vector>

#include "common/nvtx.h"

namespace fa::phases {

struct RangeEvent {
  int64_t ns;           // steady clock
  nvtx::PhaseId phase;  // PhaseId::kNone: a range of the domain not in kPhaseTable
  bool is_push;
};

enum class RecorderState {
  kDetached,      // attach_phase_recorder() not called (or called after NVTX initialised)
  kAttached,      // ready: start_recording() records
  kExternalTool,  // NVTX_INJECTION64_PATH names a tool (e.g. Nsight Systems): it has the ranges
  kNoNvtx,        // built without NVTX
};

// Makes fa_kernels' NVTX instance initialise now, with this recorder as its tool (unless an
// external tool is named). Idempotent. Returns the state after it.
RecorderState attach_phase_recorder();
RecorderState phase_recorder_state();
// One line for logs and the phase pass's skip message.
std::string describe(RecorderState state);

// Records every fa_bench push/pop on this thread into *events (appended; reserve it first so a
// callback never allocates) until stop_recording(). Requires kAttached.
void start_recording(std::vector<RangeEvent>* events);
void stop_recording();
bool recording();
// Whether NVTX's push/pop slots of fa_kernels' instance hold the recorder's callbacks: only while
// recording; otherwise nullptr, NVTX's no-tool branch.
bool callbacks_installed();

// Pushes and pops recorded since the process started: 0 outside start/stop, whatever ran.
uint64_t recorded_event_count();

}  // namespace fa::phases
