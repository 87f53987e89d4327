#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace fa {

[[noreturn]] inline void throw_cuda_error(cudaError_t status, const char* expr, const char* file,
                                          int line) {
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + expr +
                           " failed: " + cudaGetErrorName(status) + " (" +
                           cudaGetErrorString(status) + ")");
}

}  // namespace fa

// Every CUDA runtime call and every launch goes through this: a failure becomes an exception
// that names the call, never a silently wrong number.
#define FA_CUDA_CHECK(expr)                                          \
  do {                                                               \
    const cudaError_t fa_status_ = (expr);                           \
    if (fa_status_ != cudaSuccess) {                                 \
      ::fa::throw_cuda_error(fa_status_, #expr, __FILE__, __LINE__); \
    }                                                                \
  } while (0)

#define FA_CUDA_CHECK_LAUNCH() FA_CUDA_CHECK(cudaGetLastError())
