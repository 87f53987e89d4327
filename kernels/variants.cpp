#include "variants.h"

#include <cmath>

#include "core/attention_params.h"
#include "sdpa/sdpa_variants.h"
#include "v2_6_3/mha_fwd.h"
#include "v2_7_0/flash_attn_func.h"

namespace fa {
namespace {

// flash_attn_func's default in both releases: computed by the Python caller in 2.6.3.
double resolve_scale(const at::Tensor& q, const AttentionOptions& options) {
  return options.softmax_scale > 0 ? options.softmax_scale
                                   : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
}

AttentionOutputs forward_v263(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                              const AttentionOptions& options) {
  c10::optional<at::Tensor> out;
  std::vector<at::Tensor> outputs =
      fa263::mha_fwd(q, k, v, out, resolve_scale(q, options), options.causal);
  return {std::move(outputs[0]), std::move(outputs[5])};
}

AttentionOutputs forward_v270(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                              const AttentionOptions& options) {
  const c10::optional<double> scale =
      options.softmax_scale > 0 ? c10::optional<double>(options.softmax_scale) : c10::nullopt;
  fa270::FlashAttnOutputs outputs = fa270::flash_attn_func(q, k, v, scale, options.causal);
  return {std::move(outputs.out), std::move(outputs.softmax_lse)};
}

}  // namespace

const std::vector<Variant>& all_variants() {
  static const std::vector<Variant> variants = {
      {"v2.6.3", "flash-attn 2.6.3 style: checks and head_dim padding inside the C++ entry",
       &forward_v263, nullptr, kCoreKernelNameTag},
      {"v2.7.0",
       "flash-attn 2.7.0 style: host-side prechecks, then a registered op through the dispatcher",
       &forward_v270, nullptr, kCoreKernelNameTag},
      {"sdpa-flash", "LibTorch's FlashAttention-2 (at::_scaled_dot_product_flash_attention)",
       &sdpa::flash_forward, &sdpa::unavailable_reason, ""},
      {"sdpa-cudnn", "cuDNN's fused attention (at::_scaled_dot_product_cudnn_attention)",
       &sdpa::cudnn_forward, &sdpa::unavailable_reason, ""},
      {"sdpa-efficient", "memory-efficient attention (at::_scaled_dot_product_efficient_attention)",
       &sdpa::efficient_forward, &sdpa::unavailable_reason, ""},
  };
  return variants;
}

const Variant* find_variant(std::string_view name) {
  for (const Variant& variant : all_variants()) {
    if (variant.name == name) return &variant;
  }
  return nullptr;
}

std::string variant_names() {
  std::string names;
  for (const Variant& variant : all_variants()) {
    if (!names.empty()) names += ", ";
    names += variant.name;
  }
  return names;
}

}  // namespace fa
