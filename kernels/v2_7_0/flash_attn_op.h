#pragma once
// The op flash-attn 2.7.0 registers for torch.compile, `flash_attn::_flash_attn_forward`, here
// registered with TORCH_LIBRARY: CPU and CUDA kernels that run the checks (but no padding) and
// the core, and a Meta kernel that only shapes the outputs, as register_fake does.
#include <ATen/ATen.h>

#include <tuple>

namespace fa270 {

inline constexpr const char* kOpName = "flash_attn::_flash_attn_forward";

using FlashAttnForwardSignature = std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor>(
    const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double dropout_p,
    double softmax_scale, bool causal, int64_t window_size_left, int64_t window_size_right,
    double softcap, const c10::optional<at::Tensor>& alibi_slopes, bool return_softmax);

}  // namespace fa270
