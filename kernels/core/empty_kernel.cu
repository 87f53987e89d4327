#include "core/attention_fwd_cuda.h"
#include "core/cuda_check.h"

namespace fa {
namespace {

// Does nothing: launching it measures the cost of a launch through the harness's loop.
__global__ void empty_kernel() {}

}  // namespace

void launch_empty_kernel(cudaStream_t stream) {
  empty_kernel<<<1, 1, 0, stream>>>();
  FA_CUDA_CHECK_LAUNCH();
}

}  // namespace fa
