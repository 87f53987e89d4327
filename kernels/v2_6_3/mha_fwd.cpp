#include "v2_6_3/mha_fwd.h"

#include <ATen/TensorIndexing.h>

#include "common/core_call.h"
#include "common/input_checks.h"
#include "common/nvtx.h"

namespace fa263 {

std::vector<at::Tensor> mha_fwd(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                c10::optional<at::Tensor>& out_, double softmax_scale,
                                bool is_causal) {
  at::Tensor q_padded, k_padded, v_padded, out, softmax_lse, rng_state;
  fa::AttentionShape shape;
  {
    const fa::nvtx::PhaseRange<fa::nvtx::ChecksV263> checks;
    fa::check_device_supported(q);
    shape = fa::check_attention_inputs(q, k, v);
    // A query of length 1 sees every key: causal is a no-op there (flash-attn normalises it).
    if (shape.seqlen_q == 1) is_causal = false;

    // The kernel reads 16-byte vectors: pad head_dim to a multiple of 8 here, in C++.
    if (shape.head_dim % 8 != 0) {
      const int64_t pad = 8 - shape.head_dim % 8;
      q_padded = at::constant_pad_nd(q, {0, pad}, 0);
      k_padded = at::constant_pad_nd(k, {0, pad}, 0);
      v_padded = at::constant_pad_nd(v, {0, pad}, 0);
    } else {
      q_padded = q;
      k_padded = k;
      v_padded = v;
    }

    if (out_.has_value()) {
      out = out_.value();
      TORCH_CHECK(out.scalar_type() == q.scalar_type(), "out: dtype must equal q's (",
                  q.scalar_type(), "), got ", out.scalar_type());
      TORCH_CHECK(out.device() == q.device(), "out: must be on q's device (", q.device(), "), got ",
                  out.device());
      TORCH_CHECK(out.stride(-1) == 1, "out: last dimension must be contiguous, got stride ",
                  out.stride(-1));
      TORCH_CHECK(out.sizes() == q.sizes(), "out: shape must equal q's ", q.sizes(), ", got ",
                  out.sizes());
      if (shape.head_dim % 8 != 0) out = at::empty_like(q_padded);
    } else {
      out = at::empty_like(q_padded);
    }
  }

  const at::OptionalDeviceGuard device_guard(q.device());
  const auto options = q.options();
  softmax_lse =
      at::empty({shape.batch, shape.num_heads, shape.seqlen_q}, options.dtype(at::kFloat));
  const at::Tensor p;  // only with return_softmax, which this stand-in does not offer
  rng_state = at::empty({2}, options.dtype(at::kLong));

  const fa::AttentionParams params = fa::make_attention_params(
      q_padded, k_padded, v_padded, out, softmax_lse, softmax_scale, is_causal);
  fa::launch_core(params, q.device());

  at::Tensor out_padded = out;
  if (shape.head_dim % 8 != 0) {
    using at::indexing::Ellipsis;
    using at::indexing::None;
    using at::indexing::Slice;
    out = out.index({Ellipsis, Slice(None, shape.head_dim)});
    if (out_.has_value()) out_.value().copy_(out);
  }
  return {out, q_padded, k_padded, v_padded, out_padded, softmax_lse, p, rng_state};
}

}  // namespace fa263
