// fa_versus_ext's phase bindings: the Python layers (python/fa_versus/_phases.py) push and pop
// their phase ranges through fa_kernels' NVTX instance, the one the C++ entries below them use, so
// Python and C++ phases nest in one timeline (in the phase recorder and in Nsight Systems alike),
// and run a phase pass with the same recorder and breakdown as fa-sweep
// (kernels/common/phase_recorder.h, phase_breakdown.h).
#include <torch/extension.h>

#include <string>
#include <utility>
#include <vector>

#include "common/nvtx.h"
#include "common/phase_breakdown.h"
#include "common/phase_recorder.h"

namespace fa::python {

namespace py = pybind11;

void add_phase_bindings(py::module_& m) {
  m.def(
      "phase_ids",
      [] {
        py::dict ids;
        for (const nvtx::PhaseDeclaration& phase : nvtx::kPhaseTable) {
          ids[py::str(phase.name)] = static_cast<int>(phase.id);
        }
        return ids;
      },
      "{range name: id} of every phase in kernels/common/nvtx.h's kPhaseTable");
  m.def(
      "phase_push",
      [](int id) {
        TORCH_CHECK(id >= 0 && id < nvtx::kPhaseCount, "id: a phase id in [0, ", nvtx::kPhaseCount,
                    "), got ", id);
        nvtx::push_phase(static_cast<nvtx::PhaseId>(id));
      },
      "push the phase range `id` (from phase_ids()) in the fa_bench domain", py::arg("id"));
  m.def(
      "phase_pop", [] { nvtx::pop_phase(); }, "pop the innermost fa_bench phase range");
  m.def(
      "phase_recorder_attach",
      [] {
        const phases::RecorderState state = phases::attach_phase_recorder();
        return py::make_tuple(state == phases::RecorderState::kAttached, phases::describe(state));
      },
      "attach the in-process phase recorder (before the first call of a dispatch path); returns "
      "(attached, a line saying why not)");
  m.def(
      "phase_recorded_event_count", [] { return phases::recorded_event_count(); },
      "pushes and pops the recorder has recorded in this process (only while recording)");
  m.def(
      "phase_record_means",
      [](const py::function& call, int calls, const py::object& after_call) {
        TORCH_CHECK(calls > 0, "calls: must be positive, got ", calls);
        TORCH_CHECK(
            phases::phase_recorder_state() == phases::RecorderState::kAttached,
            "phase recorder: not attached: ", phases::describe(phases::phase_recorder_state()));
        std::function<void()> after;
        if (!after_call.is_none()) after = [&after_call] { after_call(); };
        return phases::record_phase_means(
            calls, [&call] { call(); }, after);
      },
      "`calls` recorded calls of call(), after_call() outside each recording; returns [(range "
      "name, mean exclusive us per call), ..., ('unattributed', us)] (kernels/common/"
      "phase_breakdown.h)",
      py::arg("call"), py::arg("calls"), py::arg("after_call") = py::none());
}

}  // namespace fa::python
