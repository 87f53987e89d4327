#pragma once
// The registry of dispatch paths: variant name -> callable with one signature. The harness only
// knows this file; a third variant is one new entry in variants.cpp.
#include <ATen/ATen.h>

#include <string>
#include <string_view>
#include <vector>

namespace fa {

struct AttentionOptions {
  double softmax_scale = 0.0;  // <= 0: 1/sqrt(head_dim), as flash-attn's default
  bool causal = false;
};

struct AttentionOutputs {
  at::Tensor out;          // (batch, seqlen_q, heads, head_dim), the dtype of q
  at::Tensor softmax_lse;  // (batch, heads, seqlen_q), fp32
};

// q, k, v: (batch, seqlen, heads, head_dim), fp16 or bf16, on one device.
using AttentionForwardFn = AttentionOutputs (*)(const at::Tensor& q, const at::Tensor& k,
                                                const at::Tensor& v,
                                                const AttentionOptions& options);
// Empty when the variant can run on `device`; else the reason it cannot (shown when skipped).
using UnavailableReasonFn = std::string (*)(const at::Device& device);

struct Variant {
  std::string_view name;     // stable: it is part of every case name in a report
  std::string_view summary;  // one line for --help and reports
  AttentionForwardFn forward = nullptr;
  UnavailableReasonFn unavailable_reason = nullptr;  // nullptr: runs everywhere
  // Substring of the name of the kernel whose device time is `kernel_us`; empty: every kernel
  // the call launches.
  std::string_view kernel_name_tag;
};

const std::vector<Variant>& all_variants();
// nullptr when no variant has this name.
const Variant* find_variant(std::string_view name);
// "v2.6.3, v2.7.0": for error messages that list what exists.
std::string variant_names();

}  // namespace fa
