#pragma once
// One case's call, made ready once (inputs allocated, a CUDA graph captured) and then called by
// the benchmark loop. The loop owns the timing; a runner only knows how to make the call.
#include <memory>
#include <string>
#include <vector>

#include "sweep/case_grid.h"
#include "sweep/kernel_tracer.h"
#include "sweep/nvtx_case_range.h"

namespace fa::sweep {

struct RunnerSettings {
  int64_t seed = 0;  // random inputs: seed + the case's index
  int case_index = 0;
  bool trace_kernels = true;  // false with --kernel-timing off
};

class CaseRunner {
 public:
  virtual ~CaseRunner() = default;

  // Allocates fresh random inputs (never zeros) and, in graph mode, captures one call. Throws on
  // failure (the case is then reported as failed).
  virtual void prepare() = 0;
  // The host side of one call as a user makes it: the variant (eager), a graph replay (graph),
  // or the empty kernel (floor). Returns when the host side returns.
  virtual void launch() = 0;
  // Waits for what launch() queued (the current stream); a no-op on the CPU backend.
  virtual void synchronize() = 0;
  // Drops what the last call returned. The loop calls it after the timed window, so freeing the
  // outputs is not part of a call's time.
  virtual void release_outputs() {}

  // Kernel timing. A tracer attributes device time to launch() calls made between its
  // begin_iteration()/end_iteration() (CUDA: CUPTI); nullptr when this backend has none.
  virtual KernelTracer* tracer() { return nullptr; }
  // Without a tracer: `count` direct calls of the core on this case's prepared inputs, each timed
  // with the steady clock (microseconds).
  virtual std::vector<double> direct_kernel_samples(int count) { return {}; }
  // "cupti" | "cpu-core-steady-clock" | "off": how kernel_us is measured.
  virtual std::string kernel_timing() const = 0;
};

// The CPU backend: eager calls of the variant on CPU tensors; the floor is an empty function.
std::unique_ptr<CaseRunner> make_cpu_case_runner(const SweepCase& sweep_case,
                                                 const RunnerSettings& settings);
// The CUDA backend (eager and graph mode). Throws std::runtime_error in a build without CUDA.
std::unique_ptr<CaseRunner> make_cuda_case_runner(const SweepCase& sweep_case,
                                                  const RunnerSettings& settings);

}  // namespace fa::sweep
