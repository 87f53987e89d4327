#include "context_keys.h"

#include <algorithm>

namespace fa::report {
namespace {

std::vector<std::string_view> with(std::vector<std::string_view> keys,
                                   const std::vector<std::string_view>& more) {
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

// Google Benchmark's JSONReporter writes these first, in this order.
const std::vector<std::string_view> kBenchmarkLibraryKeys = {
    "date",   "host_name", "executable",        "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
    "caches", "load_avg",  "library_build_type"};

const std::vector<std::string_view> kRequired = with(kBenchmarkLibraryKeys, {"fa_versus_schema",
                                                                             "config_name",
                                                                             "config_path",
                                                                             "config_hash",
                                                                             "config_description",
                                                                             "backend",
                                                                             "mode",
                                                                             "variants",
                                                                             "dtype",
                                                                             "causal",
                                                                             "filter",
                                                                             "cases",
                                                                             "repetitions",
                                                                             "random_interleaving",
                                                                             "warmup",
                                                                             "counter_statistic",
                                                                             "kernel_timing",
                                                                             "gpu_name",
                                                                             "libtorch_version",
                                                                             "git_commit",
                                                                             "command_line"});

const std::vector<std::string_view> kAll =
    with(kRequired,
         {// py-sweep's name of its own "library" (Google Benchmark's place for its version).
          "library_version",
          // fa-sweep, in some runs.
          "skipped_modes", "iterations_per_repetition", "min_time_s", "kernel_timing_phase",
          "nvtx_case_ranges", "benchmark_library_version", "phase_samples",
          // The GPU (fa-sweep on the CUDA backend; py-sweep's from torch and nvidia-smi).
          "cuda_driver_version", "cuda_runtime_version", "gpu_compute_capability", "gpu_sm_count",
          "gpu_sm_clock_max_mhz", "gpu_memory_clock_max_mhz", "gpu_memory_gib", "gpu_memory_bytes",
          "driver_version", "gpu_clock_sm_mhz", "gpu_clock_max_sm_mhz", "gpu_clock_mem_mhz",
          // py-sweep.
          "tool", "kernel_name_tag", "timer", "torch_version", "python_version", "git_dirty",
          "warmup_iterations", "warmup_s", "kernel_samples", "seed", "iterations", "torch_compile",
          "extension", "note", "workload", "warmup_check", "first_calls", "host_cpu"});

}  // namespace

const std::vector<std::string_view>& required_context_keys() {
  return kRequired;
}

const std::vector<std::string_view>& harness_context_keys() {
  return kAll;
}

bool is_harness_context_key(std::string_view key) {
  return std::find(kAll.begin(), kAll.end(), key) != kAll.end();
}

}  // namespace fa::report
