#include "v2_6_3/mha_fwd.h"

#include <ATen/TensorIndexing.h>

#include "common/core_call.h"
#include "common/input_checks.h"
#include "common/nvtx.h"

namespace fa263 {

namespace {
using fa::nvtx::Phase;
using fa::nvtx::PhaseId;
using fa::nvtx::PhaseRange;
}  // namespace

std::vector<at::Tensor> mha_fwd(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                c10::optional<at::Tensor>& out_, double softmax_scale,
                                bool is_causal) {
  const PhaseRange<Phase<PhaseId::kEntryV263>> entry;
  at::Tensor q_padded, k_padded, v_padded, out, softmax_lse, rng_state;
  fa::AttentionShape shape;
  {
    const PhaseRange<fa::nvtx::ChecksV263> checks;
    fa::check_device_supported(q);
    shape = fa::check_attention_inputs(q, k, v);
    // A query of length 1 sees every key: causal is a no-op there (flash-attn normalises it).
    if (shape.seqlen_q == 1) is_causal = false;
    if (out_.has_value()) {
      const at::Tensor& given = out_.value();
      TORCH_CHECK(given.scalar_type() == q.scalar_type(), "out: dtype must equal q's (",
                  q.scalar_type(), "), got ", given.scalar_type());
      TORCH_CHECK(given.device() == q.device(), "out: must be on q's device (", q.device(),
                  "), got ", given.device());
      TORCH_CHECK(given.stride(-1) == 1, "out: last dimension must be contiguous, got stride ",
                  given.stride(-1));
      TORCH_CHECK(given.sizes() == q.sizes(), "out: shape must equal q's ", q.sizes(), ", got ",
                  given.sizes());
    }
  }

  // The kernel reads 16-byte vectors: pad head_dim to a multiple of 8 here, in C++.
  const bool padded = shape.head_dim % 8 != 0;
  if (padded) {
    const PhaseRange<Phase<PhaseId::kPadV263>> pad_range;
    const int64_t pad = 8 - shape.head_dim % 8;
    q_padded = at::constant_pad_nd(q, {0, pad}, 0);
    k_padded = at::constant_pad_nd(k, {0, pad}, 0);
    v_padded = at::constant_pad_nd(v, {0, pad}, 0);
  } else {
    q_padded = q;
    k_padded = k;
    v_padded = v;
  }

  const fa::LaunchTarget target(q.device());
  {
    const PhaseRange<Phase<PhaseId::kCoreAlloc>> alloc;
    // A caller's out is written directly unless padding needs a wider one.
    out = out_.has_value() && !padded ? out_.value() : at::empty_like(q_padded);
    const auto options = q.options();
    softmax_lse =
        at::empty({shape.batch, shape.num_heads, shape.seqlen_q}, options.dtype(at::kFloat));
    rng_state = at::empty({2}, options.dtype(at::kLong));
  }
  const at::Tensor p;  // only with return_softmax, which this stand-in does not offer

  fa::AttentionParams params;
  {
    const PhaseRange<Phase<PhaseId::kCoreParams>> params_range;
    params = fa::make_attention_params(q_padded, k_padded, v_padded, out, softmax_lse,
                                       softmax_scale, is_causal);
  }
  fa::launch_core(params, target);

  at::Tensor out_padded = out;
  if (padded) {
    const PhaseRange<Phase<PhaseId::kSliceV263>> slice;
    using at::indexing::Ellipsis;
    using at::indexing::None;
    using at::indexing::Slice;
    out = out.index({Ellipsis, Slice(None, shape.head_dim)});
    if (out_.has_value()) out_.value().copy_(out);
  }
  return {out, q_padded, k_padded, v_padded, out_padded, softmax_lse, p, rng_state};
}

}  // namespace fa263
