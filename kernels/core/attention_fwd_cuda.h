#pragma once
// Host-side entry to the CUDA kernel core. Only this folder knows how the kernel is launched.
#include <cuda_runtime.h>

#include "attention_params.h"

namespace fa {

// Picks the head_dim template (16, 32, 64, 128, 256: the smallest >= params.head_dim), the dtype
// and causal variant, and launches on `stream`. Throws std::runtime_error on a CUDA error or on
// parameters the kernel cannot take.
void launch_attention_fwd(const AttentionParams& params, cudaStream_t stream);

// An empty kernel through the same launch path: the harness's floor.
void launch_empty_kernel(cudaStream_t stream);

}  // namespace fa
