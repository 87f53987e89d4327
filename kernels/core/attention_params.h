#pragma once
// The one description of an attention forward call that the kernel core understands. Plain data:
// no torch types, so the CUDA kernel, the CPU backend and both dispatch paths share it unchanged.
#include <cstdint>

namespace fa {

enum class ElementType : int { kFloat16, kBFloat16 };

struct AttentionParams {
  // Tensors laid out as (batch, seqlen, heads, head_dim) with a unit stride on head_dim; strides
  // below are in elements, so views with padded rows or heads work without copies.
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* out = nullptr;
  // (batch, num_heads, seqlen_q), contiguous, fp32: log-sum-exp of each softmax row (natural log).
  float* softmax_lse = nullptr;

  int64_t q_batch_stride = 0, q_row_stride = 0, q_head_stride = 0;
  int64_t k_batch_stride = 0, k_row_stride = 0, k_head_stride = 0;
  int64_t v_batch_stride = 0, v_row_stride = 0, v_head_stride = 0;
  int64_t out_batch_stride = 0, out_row_stride = 0, out_head_stride = 0;

  int batch = 0;
  int seqlen_q = 0;
  int seqlen_k = 0;
  int num_heads = 0;
  int num_heads_k = 0;  // num_heads % num_heads_k == 0 (multi-query / grouped-query attention)
  int head_dim = 0;     // <= 256

  float softmax_scale = 0.f;       // applied to QK^T, usually 1/sqrt(head_dim)
  float softmax_scale_log2 = 0.f;  // softmax_scale * log2(e): the kernel uses exp2
  // Causal masks key j for query i when j > i + seqlen_k - seqlen_q (bottom-right aligned, as
  // flash-attn >= 2.1). A row with no visible key gets out = 0 and softmax_lse = +inf.
  bool is_causal = false;
  ElementType element_type = ElementType::kFloat16;
};

// Substring of the CUDA core kernel's name: profilers and CUPTI filters match on it.
inline constexpr const char* kCoreKernelNameTag = "attention_fwd_kernel";

}  // namespace fa
