// The launcher of the CUDA kernel core: validates what the kernel relies on, picks the
// instantiation (element type, padded head_dim, causal) and launches it. The torch dispatch paths
// do the user-facing checks and padding; these checks are the core's own guard, so a bad
// AttentionParams becomes an exception naming the field, never an out-of-bounds access.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/attention_fwd_cuda.h"
#include "core/attention_fwd_launch.cuh"
#include "core/attention_fwd_traits.cuh"
#include "core/cuda_check.h"

namespace fa {
namespace {

[[noreturn]] void reject(const std::string& what) {
  throw std::runtime_error("launch_attention_fwd: " + what);
}

void require_positive(int value, const char* name) {
  if (value <= 0) reject(std::string(name) + " must be positive, got " + std::to_string(value));
}

void require_at_most(int value, int limit, const char* name) {
  if (value > limit) {
    reject(std::string(name) + " must be at most " + std::to_string(limit) +
           " (a grid dimension), got " + std::to_string(value));
  }
}

void require_aligned(const void* pointer, const char* name) {
  if (pointer == nullptr) reject(std::string(name) + " must not be null");
  if (reinterpret_cast<uintptr_t>(pointer) % 16 != 0) {
    reject(std::string(name) + " must be 16-byte aligned, got address " +
           std::to_string(reinterpret_cast<uintptr_t>(pointer)));
  }
}

void require_stride(int64_t stride, const char* name) {
  if (stride % 8 != 0) {
    reject(std::string(name) + " must be a multiple of 8 elements (16 bytes), got " +
           std::to_string(stride));
  }
}

void validate(const AttentionParams& p) {
  if (p.element_type != ElementType::kFloat16 && p.element_type != ElementType::kBFloat16) {
    reject("element_type must be kFloat16 or kBFloat16, got " +
           std::to_string(static_cast<int>(p.element_type)));
  }
  require_positive(p.batch, "batch");
  require_positive(p.seqlen_q, "seqlen_q");
  require_positive(p.seqlen_k, "seqlen_k");
  require_positive(p.num_heads, "num_heads");
  require_positive(p.num_heads_k, "num_heads_k");
  require_at_most(p.num_heads, 65535, "num_heads");
  require_at_most(p.batch, 65535, "batch");
  if (p.head_dim < 8 || p.head_dim > 256 || p.head_dim % 8 != 0) {
    reject("head_dim must be a multiple of 8 in [8, 256], got " + std::to_string(p.head_dim));
  }
  if (p.num_heads % p.num_heads_k != 0) {
    reject("num_heads must be a multiple of num_heads_k, got num_heads " +
           std::to_string(p.num_heads) + " and num_heads_k " + std::to_string(p.num_heads_k));
  }
  require_aligned(p.q, "q");
  require_aligned(p.k, "k");
  require_aligned(p.v, "v");
  require_aligned(p.out, "out");
  if (p.softmax_lse == nullptr) reject("softmax_lse must not be null");
  require_stride(p.q_batch_stride, "q_batch_stride");
  require_stride(p.q_row_stride, "q_row_stride");
  require_stride(p.q_head_stride, "q_head_stride");
  require_stride(p.k_batch_stride, "k_batch_stride");
  require_stride(p.k_row_stride, "k_row_stride");
  require_stride(p.k_head_stride, "k_head_stride");
  require_stride(p.v_batch_stride, "v_batch_stride");
  require_stride(p.v_row_stride, "v_row_stride");
  require_stride(p.v_head_stride, "v_head_stride");
  require_stride(p.out_batch_stride, "out_batch_stride");
  require_stride(p.out_row_stride, "out_row_stride");
  require_stride(p.out_head_stride, "out_head_stride");
  if (!std::isfinite(p.softmax_scale_log2)) {
    reject("softmax_scale_log2 must be finite, got " + std::to_string(p.softmax_scale_log2));
  }
}

template <int kHeadDim, typename Element, bool kIsCausal>
void launch_head_dim(const AttentionParams& params, cudaStream_t stream) {
  using Traits = typename AttentionFwdConfig<kHeadDim, Element>::Traits;
  launch_attention_fwd_kernel<Traits, kIsCausal>(params, stream);
}

// The smallest head_dim template >= params.head_dim; the kernel zero-fills the rest.
template <typename Element, bool kIsCausal>
void dispatch_head_dim(const AttentionParams& params, cudaStream_t stream) {
  if (params.head_dim <= 16) {
    launch_head_dim<16, Element, kIsCausal>(params, stream);
  } else if (params.head_dim <= 32) {
    launch_head_dim<32, Element, kIsCausal>(params, stream);
  } else if (params.head_dim <= 64) {
    launch_head_dim<64, Element, kIsCausal>(params, stream);
  } else if (params.head_dim <= 128) {
    launch_head_dim<128, Element, kIsCausal>(params, stream);
  } else {
    launch_head_dim<256, Element, kIsCausal>(params, stream);
  }
}

template <typename Element>
void dispatch_causal(const AttentionParams& params, cudaStream_t stream) {
  if (params.is_causal) {
    dispatch_head_dim<Element, true>(params, stream);
  } else {
    dispatch_head_dim<Element, false>(params, stream);
  }
}

}  // namespace

void launch_attention_fwd(const AttentionParams& params, cudaStream_t stream) {
  validate(params);
  if (params.element_type == ElementType::kFloat16) {
    dispatch_causal<half>(params, stream);
  } else {
    dispatch_causal<__nv_bfloat16>(params, stream);
  }
}

}  // namespace fa
