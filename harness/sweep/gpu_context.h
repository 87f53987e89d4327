#pragma once
// The GPU a CUDA sweep ran on, for the report's context (CUDA runtime queries).
#include <string>
#include <utility>
#include <vector>

namespace fa::sweep {

// Key/value pairs: gpu_name, gpu_compute_capability, gpu_sm_count, gpu_sm_clock_max_mhz,
// gpu_memory_clock_max_mhz, gpu_memory_gib, cuda_driver_version, cuda_runtime_version. A value
// that cannot be read says why ("unknown (...)"); in a build without the CUDA runtime every value
// says so.
std::vector<std::pair<std::string, std::string>> query_gpu_context();

}  // namespace fa::sweep
