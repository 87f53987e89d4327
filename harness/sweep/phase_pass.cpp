#include "sweep/phase_pass.h"

#include <stdexcept>
#include <string_view>

#include "common/phase_breakdown.h"
#include "common/phase_recorder.h"
#include "report/metric.h"

static_assert(std::string_view(fa::phases::kUnattributedPhase) == fa::report::kUnattributedPhase,
              "the recorder's unattributed phase is the report's");

namespace fa::sweep {
namespace {

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
  auto means = phases::record_phase_means(
      calls, [&runner] { runner.launch(); },
      [&runner] {
        runner.synchronize();
        runner.release_outputs();
      });
  g_events_after_last_pass = phases::recorded_event_count();
  return means;
}

}  // namespace fa::sweep
