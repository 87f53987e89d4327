#include "sdpa/sdpa_variants.h"

#include <torch/version.h>

#include <cmath>

#ifndef FA_WITH_CUDA
#define FA_WITH_CUDA 0
#endif

#if FA_WITH_CUDA && TORCH_VERSION_MAJOR >= 2
#define FA_HAVE_SDPA 1
#endif

namespace fa::sdpa {
namespace {

#ifdef FA_HAVE_SDPA
// SDPA takes (batch, heads, seqlen, head_dim): a transposed view of the same memory, no copy.
at::Tensor to_bhsd(const at::Tensor& t) {
  return t.transpose(1, 2);
}

double scale_of(const at::Tensor& q, const AttentionOptions& options) {
  return options.softmax_scale > 0 ? options.softmax_scale
                                   : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
}

AttentionOutputs from_bhsd(const at::Tensor& out, const at::Tensor& lse) {
  return {out.transpose(1, 2), lse};
}
#endif

#ifndef FA_HAVE_SDPA
[[noreturn]] void not_built() {
  TORCH_CHECK(false, "q: SDPA variants need LibTorch >= 2.0 with CUDA; this build has LibTorch ",
              TORCH_VERSION, FA_WITH_CUDA ? " with CUDA" : " without CUDA");
}
#endif

}  // namespace

std::string unavailable_reason(const at::Device& device) {
#ifdef FA_HAVE_SDPA
  return device.is_cuda() ? "" : "runs on CUDA only (LibTorch's fused SDPA kernels)";
#else
  return "needs LibTorch >= 2.0 with CUDA (this build: LibTorch " TORCH_VERSION ")";
#endif
}

AttentionOutputs flash_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const AttentionOptions& options) {
#ifdef FA_HAVE_SDPA
  auto result = at::_scaled_dot_product_flash_attention(
      to_bhsd(q), to_bhsd(k), to_bhsd(v), /*dropout_p=*/0.0, options.causal,
      /*return_debug_mask=*/false, scale_of(q, options));
  return from_bhsd(std::get<0>(result), std::get<1>(result));
#else
  not_built();
#endif
}

AttentionOutputs cudnn_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const AttentionOptions& options) {
#ifdef FA_HAVE_SDPA
  auto result = at::_scaled_dot_product_cudnn_attention(
      to_bhsd(q), to_bhsd(k), to_bhsd(v), /*attn_bias=*/c10::nullopt,
      /*compute_log_sumexp=*/true, /*dropout_p=*/0.0, options.causal,
      /*return_debug_mask=*/false, scale_of(q, options));
  return from_bhsd(std::get<0>(result), std::get<1>(result));
#else
  not_built();
#endif
}

AttentionOutputs efficient_forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                   const AttentionOptions& options) {
#ifdef FA_HAVE_SDPA
  auto result = at::_scaled_dot_product_efficient_attention(
      to_bhsd(q), to_bhsd(k), to_bhsd(v), /*attn_bias=*/c10::nullopt,
      /*compute_log_sumexp=*/true, /*dropout_p=*/0.0, options.causal, scale_of(q, options));
  return from_bhsd(std::get<0>(result), std::get<1>(result));
#else
  not_built();
#endif
}

}  // namespace fa::sdpa
