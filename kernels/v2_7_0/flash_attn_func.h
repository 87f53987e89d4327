#pragma once
// Dispatch path B, a stand-in for flash-attn 2.7.0: a host-side layer (default scale,
// maybe_contiguous, head_dim padding) in front of the registered op, reached through the c10
// dispatcher, then an unconditional slice of the output.
#include <ATen/ATen.h>

namespace fa270 {

struct FlashAttnOutputs {
  at::Tensor out;
  at::Tensor softmax_lse;
};

// q: (batch, seqlen_q, heads, head_dim); k, v: (batch, seqlen_k, heads_k, head_dim).
// softmax_scale: nullopt for 1/sqrt(head_dim).
FlashAttnOutputs flash_attn_func(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 c10::optional<double> softmax_scale, bool causal);

}  // namespace fa270
