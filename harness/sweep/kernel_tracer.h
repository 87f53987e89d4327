#pragma once
// Device time of the kernels that a group of calls launched, one number per call ("iteration").
// Implemented with CUPTI (cupti_kernel_timer.h); the benchmark loop only sees this interface.
#include <vector>

namespace fa::sweep {

class KernelTracer {
 public:
  virtual ~KernelTracer() = default;
  // Starts tracing; iterations are numbered from 0 within a phase.
  virtual void begin_phase() = 0;
  // Brackets one iteration on the host: launches made between these are that iteration's. The
  // caller synchronises the device before end_iteration().
  virtual void begin_iteration() = 0;
  virtual void end_iteration() = 0;
  // Stops tracing and returns, per iteration, the summed device time (microseconds) of the
  // kernels it launched whose name matches the tracer's filter. Throws std::runtime_error when
  // an iteration has no such kernel or the kernel names differ between iterations.
  virtual std::vector<double> end_phase() = 0;
  // Stops tracing and drops what was recorded (after a failure inside a phase); a no-op outside.
  virtual void cancel_phase() = 0;
};

}  // namespace fa::sweep
