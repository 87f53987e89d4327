#include "sweep/sweep_plan.h"

#include <torch/version.h>

#include <algorithm>

#include "variants.h"

#ifdef FA_WITH_CUDA
#include <torch/cuda.h>
#endif

namespace fa::sweep {

const char* backend_name(Backend backend) {
  return backend == Backend::kCuda ? "cuda" : "cpu";
}

CudaAvailability detect_cuda() {
#ifdef FA_WITH_CUDA
  if (torch::cuda::is_available()) return {true, ""};
  return {false, "LibTorch " TORCH_VERSION " sees no CUDA device"};
#else
  return {false, "this build has no CUDA (LibTorch " TORCH_VERSION
                 " without CUDA, or no nvcc): the torch paths run on the CPU backend"};
#endif
}

SweepPlan make_sweep_plan(const SweepOptions& options, SweepConfig config,
                          const CudaAvailability& cuda) {
  SweepPlan plan;

  const std::vector<std::string> names = options.variants ? *options.variants : config.variants;
  for (const std::string& name : names) {
    const fa::Variant* variant = fa::find_variant(name);
    if (variant == nullptr) {
      throw UsageError("fa-sweep: --variants: unknown variant '" + name +
                       "' (known: " + fa::variant_names() + ")");
    }
    if (std::find(plan.variants.begin(), plan.variants.end(), variant) != plan.variants.end()) {
      throw UsageError("fa-sweep: --variants: '" + name + "' is listed twice");
    }
    plan.variants.push_back(variant);
  }

  if (options.backend == "cuda") {
    if (!cuda.available) {
      throw UsageError("fa-sweep: --backend: cuda is not available: " + cuda.reason);
    }
    plan.backend = Backend::kCuda;
  } else if (options.backend == "auto") {
    plan.backend = cuda.available ? Backend::kCuda : Backend::kCpu;
  } else {
    plan.backend = Backend::kCpu;
  }

  std::vector<std::string> modes = config.modes;
  if (options.mode) {
    modes = *options.mode == "both" ? std::vector<std::string>{"eager", "graph"}
                                    : std::vector<std::string>{*options.mode};
  }
  if (plan.backend == Backend::kCpu) {
    const auto graph = std::find(modes.begin(), modes.end(), "graph");
    if (graph != modes.end()) {
      modes.erase(graph);
      plan.skipped_modes_note =
          "graph mode skipped: CUDA graphs need the CUDA backend, and this run uses the CPU "
          "backend" +
          (cuda.available ? std::string() : " (" + cuda.reason + ")");
      if (modes.empty()) {
        throw UsageError("fa-sweep: --mode: nothing to run: " + plan.skipped_modes_note);
      }
    }
  }
  config.modes = modes;
  config.variants = names;
  config.repetitions = options.repetitions.value_or(config.repetitions);
  config.min_time_s = options.min_time_s.value_or(config.min_time_s);
  config.iterations = options.iterations ? options.iterations
                                         : (options.min_time_s ? std::nullopt : config.iterations);
  plan.random_interleaving = options.random_interleaving;
  plan.kernel_timing = options.kernel_timing == "off"      ? KernelTiming::kOff
                       : options.kernel_timing == "inline" ? KernelTiming::kInline
                                                           : KernelTiming::kAfter;
  plan.nvtx = options.nvtx;
  plan.phase_samples = options.phase_samples.value_or(config.phase_samples);
  plan.filter = options.filter;
  plan.out = options.out;

  std::vector<SweepCase> cases = build_case_grid(config, plan.variants, config.modes);
  if (!options.filter.empty()) {
    std::regex filter;
    try {
      filter = std::regex(options.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      throw UsageError("fa-sweep: --filter: invalid regular expression '" + options.filter +
                       "': " + error.what());
    }
    const size_t all = cases.size();
    cases = filter_cases(cases, filter);
    if (cases.empty()) {
      throw UsageError("fa-sweep: --filter: '" + options.filter + "' matches none of the " +
                       std::to_string(all) + " cases (try --list without --filter)");
    }
  }
  plan.cases = std::move(cases);
  plan.config = std::move(config);
  return plan;
}

}  // namespace fa::sweep
