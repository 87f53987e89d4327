#pragma once
// What one fa-sweep run does: the config with the command line's overrides applied, the backend,
// and the cases that pass the filter.
#include <optional>
#include <string>
#include <vector>

#include "sweep/case_grid.h"
#include "sweep/cli_options.h"
#include "sweep/sweep_config.h"

namespace fa::sweep {

enum class Backend { kCpu, kCuda };
enum class KernelTiming { kAfter, kInline, kOff };

const char* backend_name(Backend backend);

// Whether this process can run the CUDA backend, and why not.
struct CudaAvailability {
  bool available = false;
  std::string reason;  // empty when available
};
CudaAvailability detect_cuda();

// The config's fields are read from `config` only: make_sweep_plan writes the command line's
// overrides (variants, modes, repetitions, min_time_s, iterations) into it, so there is one
// value of each.
struct SweepPlan {
  SweepConfig config;
  Backend backend = Backend::kCpu;
  std::vector<const fa::Variant*> variants;  // config.variants, looked up in the registry
  std::string skipped_modes_note;            // e.g. why graph mode does not run on the CPU backend
  bool random_interleaving = true;
  KernelTiming kernel_timing = KernelTiming::kAfter;
  bool nvtx = true;
  int phase_samples = 0;  // calls per repetition in the phase pass; 0: none
  std::string filter;
  std::string out;
  std::vector<SweepCase> cases;  // after the filter, in registration order
};

// Applies `options` to `config`. Throws UsageError for what cannot run: unknown variants, CUDA
// asked for but unavailable, a filter that matches nothing, a bad regex.
SweepPlan make_sweep_plan(const SweepOptions& options, SweepConfig config,
                          const CudaAvailability& cuda);

}  // namespace fa::sweep
