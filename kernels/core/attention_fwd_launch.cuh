#pragma once
// Launches one instantiation of the attention forward kernel: the grid, the block, the dynamic
// shared memory (with the opt-in above 48 KB) and the launch check. attention_fwd_cuda.cu picks
// the instantiation per call; the tile-tuning bench (tests/kernels/core_cuda_tune.cu) launches
// candidate tile shapes through the same function, so what it times is what ships.
#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/attention_fwd_kernel.cuh"
#include "core/attention_params.h"
#include "core/cuda_check.h"

namespace fa {

// Configs above 48 KB of dynamic shared memory must opt in once per device; the flag is kept per
// instantiation and device (bit d for device d < 64; devices beyond that set it on every call).
template <typename Traits, bool kIsCausal>
void allow_large_smem() {
  constexpr size_t kSmemBytes = Traits::kSmemBytes;
  if constexpr (kSmemBytes > 48 * 1024) {
    static std::atomic<uint64_t> configured{0};
    int device = 0;
    FA_CUDA_CHECK(cudaGetDevice(&device));
    const uint64_t bit = device < 64 ? uint64_t{1} << device : 0;
    if (bit == 0 || (configured.load(std::memory_order_acquire) & bit) == 0) {
      FA_CUDA_CHECK(cudaFuncSetAttribute(attention_fwd_kernel<Traits, kIsCausal>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(kSmemBytes)));
      configured.fetch_or(bit, std::memory_order_release);
    }
  }
}

// `params` must already be validated (launch_attention_fwd does it).
template <typename Traits, bool kIsCausal>
void launch_attention_fwd_kernel(const AttentionParams& params, cudaStream_t stream) {
  allow_large_smem<Traits, kIsCausal>();
  const dim3 grid((params.seqlen_q + Traits::kBlockM - 1) / Traits::kBlockM, params.num_heads,
                  params.batch);
  attention_fwd_kernel<Traits, kIsCausal>
      <<<grid, Traits::kNThreads, Traits::kSmemBytes, stream>>>(params);
  FA_CUDA_CHECK_LAUNCH();
}

}  // namespace fa
