#pragma once
// Kernel time from CUPTI activity records (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: the device
// start and end of each kernel, the numbers Nsight Systems shows).
//
// Attribution, as FlashInfer's CUPTI timer does it: each iteration is a host time window; a
// runtime/driver API callback records the correlation id of every launch (kernel launch or graph
// launch) made inside a window, and a kernel record belongs to the iteration whose window made the
// launch with its correlation id. Kernels of a CUDA graph carry the graph launch's correlation
// id. A record whose correlation id is unknown (no callback: another CUPTI subscriber such as a
// profiler holds the callback API) falls back to the window that contains its device start: the
// benchmark loop synchronises inside every window, so an iteration's kernels run inside it.
// Kernels are then filtered by a name substring, and every iteration must show the same kernel
// names: a different kernel (another template, a fallback path) fails the case, never averages in.
//
// CUPTI allows one subscriber per process: all timers share one process-wide CUPTI state, and one
// phase runs at a time.
#include <cstdint>
#include <string>
#include <vector>

#include "sweep/kernel_tracer.h"

namespace fa::sweep {

class CuptiKernelTimer final : public KernelTracer {
 public:
  // What one end_phase() attributed, typed, so tests check the attribution itself rather than
  // timings: per iteration, every kernel record given to it, in record order.
  struct AttributedKernel {
    std::string name;
    double microseconds = 0;
    bool timed = false;  // the name filter kept it (it is in end_phase()'s sum)
  };
  struct PhaseAttribution {
    std::vector<std::vector<AttributedKernel>> iterations;
    uint64_t by_correlation = 0;  // records matched to an iteration's launch by correlation id
    uint64_t by_window = 0;       // records placed by their device start (no launch callbacks)
    uint64_t outside = 0;         // records of the phase that belong to no iteration
    uint64_t no_timestamps = 0;
    bool have_callbacks = false;  // launch callbacks were on (correlation ids recorded)
  };

  // `name_filter`: substring of the kernel names to time (empty: every kernel launched).
  explicit CuptiKernelTimer(std::string name_filter);
  ~CuptiKernelTimer() override;

  void begin_phase() override;
  void begin_iteration() override;
  void end_iteration() override;
  std::vector<double> end_phase() override;
  void cancel_phase() override;

  // How records were attributed so far, e.g. "1200 kernel records: 1200 by correlation id,
  // 0 by time window, 0 outside any iteration, 0 without timestamps; 0 dropped".
  static std::string attribution_summary();
  // The last end_phase()'s attribution (empty before one); filled also when it throws.
  const PhaseAttribution& last_phase() const { return last_phase_; }

 private:
  std::string filter_;
  std::vector<std::pair<uint64_t, uint64_t>> windows_;  // CUPTI timestamps (ns) per iteration
  bool in_phase_ = false;
  PhaseAttribution last_phase_;
};

}  // namespace fa::sweep
