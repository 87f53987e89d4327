#pragma once
// Reference variants: LibTorch's own fused attention kernels behind the same harness, so the
// core's speed can be judged against them. GPU only; LibTorch >= 2.0 with CUDA.
#include <string>

#include "variants.h"

namespace fa::sdpa {

AttentionOutputs flash_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const AttentionOptions& options);
AttentionOutputs cudnn_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const AttentionOptions& options);
AttentionOutputs efficient_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                   const AttentionOptions& options);

// Empty where the SDPA kernels can run on `device`, else why not.
std::string unavailable_reason(const at::Device& device);

}  // namespace fa::sdpa
