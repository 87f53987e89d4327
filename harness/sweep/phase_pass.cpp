#include "sweep/phase_pass.h"

#include <chrono>
#include <stdexcept>

#include "common/phase_recorder.h"
#include "report/metric.h"
#include "sweep/phase_breakdown.h"

namespace fa::sweep {
namespace {

using Clock = std::chrono::steady_clock;

// recorded_event_count() when the last pass stopped: anything more was recorded outside a pass.
uint64_t g_events_after_last_pass = 0;

}  // namespace

void prepare_phase_pass(int phase_samples, std::FILE* log) {
  if (phase_samples <= 0) return;
  const phases::RecorderState state = phases::attach_phase_recorder();
  if (state != phases::RecorderState::kAttached && log != nullptr) {
    std::fprintf(log, "[fa-sweep] phase pass skipped: %s\n", phases::describe(state).c_str());
  }
  g_events_after_last_pass = phases::recorded_event_count();
}

std::vector<std::pair<std::string, double>> run_phase_pass(CaseRunner& runner, int calls) {
  if (calls <= 0 || phases::phase_recorder_state() != phases::RecorderState::kAttached) return {};
  if (phases::recorded_event_count() != g_events_after_last_pass) {
    throw std::runtime_error("phase pass: ranges were recorded outside the phase pass");
  }
  std::array<double, nvtx::kPhaseCount> sum_us{};
  std::array<bool, nvtx::kPhaseCount> ran{};
  double unattributed_sum_us = 0;
  std::vector<phases::RangeEvent> events;
  events.reserve(256);
  for (int i = 0; i < calls; ++i) {
    events.clear();
    phases::start_recording(&events);
    const Clock::time_point t0 = Clock::now();
    try {
      runner.launch();
    } catch (...) {
      phases::stop_recording();
      throw;
    }
    const Clock::time_point t1 = Clock::now();
    phases::stop_recording();
    runner.synchronize();
    runner.release_outputs();

    const CallPhases call = break_down_call(events);
    if (!call.problems.empty()) {
      throw std::runtime_error("phase pass: " + call.problems.front());
    }
    const double host_us = std::chrono::duration<double, std::micro>(t1 - t0).count();
    for (int p = 0; p < nvtx::kPhaseCount; ++p) {
      sum_us[p] += call.exclusive_us[p];
      ran[p] = ran[p] || call.ranges[p] > 0;
    }
    unattributed_sum_us += host_us - call.attributed_us;
  }
  g_events_after_last_pass = phases::recorded_event_count();

  std::vector<std::pair<std::string, double>> means;
  for (int p = 0; p < nvtx::kPhaseCount; ++p) {
    if (ran[p]) means.emplace_back(nvtx::kPhaseTable[p].name, sum_us[p] / calls);
  }
  means.emplace_back(std::string(report::kUnattributedPhase), unattributed_sum_us / calls);
  return means;
}

}  // namespace fa::sweep
