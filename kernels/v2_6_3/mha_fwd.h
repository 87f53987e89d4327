#pragma once
// Dispatch path A, a stand-in for flash-attn 2.6.3: every check, the head_dim padding and the
// slicing live in one C++ entry point that the caller reaches directly (no dispatcher hop).
#include <ATen/ATen.h>

#include <vector>

namespace fa263 {

// q: (batch, seqlen_q, heads, head_dim); k, v: (batch, seqlen_k, heads_k, head_dim); fp16 or
// bf16 on one device. Returns, as flash-attn 2.6.3 does:
// {out, q_padded, k_padded, v_padded, out_padded, softmax_lse, p, rng_state}.
std::vector<at::Tensor> mha_fwd(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                c10::optional<at::Tensor>& out_, double softmax_scale,
                                bool is_causal);

}  // namespace fa263
