#pragma once
// The input checks flash-attn's C++ entry (csrc/flash_attn/flash_api.cpp, mha_fwd) runs, in its
// order. Both releases run them in C++; they differ in what surrounds them, not in these.
#include <ATen/ATen.h>

namespace fa {

struct AttentionShape {
  int64_t batch = 0;
  int64_t seqlen_q = 0;
  int64_t seqlen_k = 0;
  int64_t num_heads = 0;
  int64_t num_heads_k = 0;
  int64_t head_dim = 0;
};

// dtype fp16/bf16 and equal across q, k, v; one device; unit stride on the last dimension;
// 4-D shapes that agree; batch > 0; head_dim <= 256; num_heads % num_heads_k == 0.
// Throws c10::Error naming the argument and the expected value.
AttentionShape check_attention_inputs(const at::Tensor& q, const at::Tensor& k,
                                      const at::Tensor& v);

// On CUDA: the device must be sm80 or newer, as flash-attn requires (a cached property read).
void check_device_supported(const at::Tensor& q);

}  // namespace fa
