#pragma once
// The bridge from checked LibTorch tensors to the kernel core: fill AttentionParams, then launch
// on the tensors' device and current stream (or run the CPU backend).
#include <ATen/ATen.h>

#include "core/attention_params.h"

namespace fa {

// q, out: (batch, seqlen_q, heads, head_dim); k, v: (batch, seqlen_k, heads_k, head_dim);
// softmax_lse: (batch, heads, seqlen_q) fp32. All already checked by a dispatch path.
AttentionParams make_attention_params(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      const at::Tensor& out, const at::Tensor& softmax_lse,
                                      double softmax_scale, bool is_causal);

// Launches on the current stream of q's device (the caller holds a device guard), inside the
// `core/launch` NVTX range.
void launch_core(const AttentionParams& params, const at::Device& device);

}  // namespace fa
