#include "sweep/gpu_context.h"

#ifdef FA_HAVE_CUDART
#include <cuda_runtime_api.h>
#include <fmt/format.h>
#endif

namespace fa::sweep {

#ifdef FA_HAVE_CUDART
namespace {

std::string version_text(int version) {
  return fmt::format("{}.{}", version / 1000, (version % 1000) / 10);
}

std::string unknown(cudaError_t status) {
  return std::string("unknown (") + cudaGetErrorName(status) + ")";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> query_gpu_context() {
  std::vector<std::pair<std::string, std::string>> context;
  int driver = 0, runtime = 0, device = 0;
  cudaError_t status = cudaDriverGetVersion(&driver);
  context.emplace_back("cuda_driver_version",
                       status == cudaSuccess ? version_text(driver) : unknown(status));
  status = cudaRuntimeGetVersion(&runtime);
  context.emplace_back("cuda_runtime_version",
                       status == cudaSuccess ? version_text(runtime) : unknown(status));

  status = cudaGetDevice(&device);
  cudaDeviceProp properties{};
  if (status == cudaSuccess) status = cudaGetDeviceProperties(&properties, device);
  if (status != cudaSuccess) {
    for (const char* key : {"gpu_name", "gpu_compute_capability", "gpu_sm_count",
                            "gpu_sm_clock_max_mhz", "gpu_memory_clock_max_mhz", "gpu_memory_gib"}) {
      context.emplace_back(key, unknown(status));
    }
    return context;
  }
  context.emplace_back("gpu_name", properties.name);
  context.emplace_back("gpu_compute_capability",
                       fmt::format("{}.{}", properties.major, properties.minor));
  context.emplace_back("gpu_sm_count", std::to_string(properties.multiProcessorCount));
  // CUDA 13 dropped clockRate and memoryClockRate from cudaDeviceProp: read the attributes.
  int sm_khz = 0, memory_khz = 0;
  status = cudaDeviceGetAttribute(&sm_khz, cudaDevAttrClockRate, device);
  context.emplace_back("gpu_sm_clock_max_mhz",
                       status == cudaSuccess ? std::to_string(sm_khz / 1000) : unknown(status));
  status = cudaDeviceGetAttribute(&memory_khz, cudaDevAttrMemoryClockRate, device);
  context.emplace_back("gpu_memory_clock_max_mhz",
                       status == cudaSuccess ? std::to_string(memory_khz / 1000) : unknown(status));
  context.emplace_back("gpu_memory_gib",
                       fmt::format("{:.1f}", static_cast<double>(properties.totalGlobalMem) /
                                                 (1024.0 * 1024.0 * 1024.0)));
  return context;
}

#else

std::vector<std::pair<std::string, std::string>> query_gpu_context() {
  std::vector<std::pair<std::string, std::string>> context;
  for (const char* key :
       {"cuda_driver_version", "cuda_runtime_version", "gpu_name", "gpu_compute_capability",
        "gpu_sm_count", "gpu_sm_clock_max_mhz", "gpu_memory_clock_max_mhz", "gpu_memory_gib"}) {
    context.emplace_back(key, "unknown (built without the CUDA runtime)");
  }
  return context;
}

#endif

}  // namespace fa::sweep
