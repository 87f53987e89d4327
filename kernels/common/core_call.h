#pragma once
// The bridge from checked LibTorch tensors to the kernel core: fill AttentionParams, then launch
// on the tensors' device and current stream (or run the CPU backend).
#include <ATen/ATen.h>
#include <c10/core/DeviceGuard.h>

#include "core/attention_params.h"

namespace fa {

// q, out: (batch, seqlen_q, heads, head_dim); k, v: (batch, seqlen_k, heads_k, head_dim);
// softmax_lse: (batch, heads, seqlen_q) fp32. All already checked by a dispatch path. The paths
// call it inside their `core/params` range (the CPU runner also calls it outside any call).
AttentionParams make_attention_params(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      const at::Tensor& out, const at::Tensor& softmax_lse,
                                      double softmax_scale, bool is_causal);

// Where a launch goes: a device guard for q's device and that device's current stream, taken
// together in the `core/device_guard` phase. Holds the guard for its lifetime.
class LaunchTarget {
 public:
  explicit LaunchTarget(const at::Device& device);
  LaunchTarget(const LaunchTarget&) = delete;
  LaunchTarget& operator=(const LaunchTarget&) = delete;

  const at::Device& device() const { return device_; }
  void* stream() const { return stream_; }  // a cudaStream_t; nullptr on the CPU

 private:
  at::OptionalDeviceGuard guard_;
  at::Device device_;
  void* stream_ = nullptr;
};

// Launches on the target's stream (or runs the CPU backend), inside the `core/launch` range.
void launch_core(const AttentionParams& params, const LaunchTarget& target);

}  // namespace fa
