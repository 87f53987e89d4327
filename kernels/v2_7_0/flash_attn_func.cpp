#include "v2_7_0/flash_attn_func.h"

#include <ATen/TensorIndexing.h>
#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>

#include "common/nvtx.h"
#include "v2_7_0/flash_attn_op.h"

namespace fa270 {
namespace {

// flash-attn's maybe_contiguous: copy only when the last dimension is strided.
at::Tensor maybe_contiguous(const at::Tensor& t) {
  return t.defined() && t.stride(-1) != 1 ? t.contiguous() : t;
}

const c10::TypedOperatorHandle<FlashAttnForwardSignature>& flash_attn_forward_op() {
  static const auto handle = c10::Dispatcher::singleton()
                                 .findSchemaOrThrow(kOpName, "")
                                 .typed<FlashAttnForwardSignature>();
  return handle;
}

}  // namespace

FlashAttnOutputs flash_attn_func(const at::Tensor& q_in, const at::Tensor& k_in,
                                 const at::Tensor& v_in, c10::optional<double> softmax_scale,
                                 bool causal) {
  using fa::nvtx::Phase;
  using fa::nvtx::PhaseId;
  using fa::nvtx::PhaseRange;
  const PhaseRange<Phase<PhaseId::kFlashAttnFuncV270>> entry;
  at::Tensor q, k, v;
  int64_t head_dim_og = 0;
  double scale = 0.0;
  {
    const PhaseRange<fa::nvtx::PrechecksV270> prechecks;
    TORCH_CHECK(q_in.dim() >= 1, "q: must have a head_dim (last) dimension, got a 0-D tensor");
    head_dim_og = q_in.size(-1);
    scale = softmax_scale.has_value() ? *softmax_scale : 1.0 / std::sqrt(double(head_dim_og));
    q = maybe_contiguous(q_in);
    k = maybe_contiguous(k_in);
    v = maybe_contiguous(v_in);
  }
  if (head_dim_og % 8 != 0) {
    const PhaseRange<Phase<PhaseId::kPadV270>> pad_range;
    const int64_t pad = 8 - head_dim_og % 8;
    q = at::constant_pad_nd(q, {0, pad}, 0);
    k = at::constant_pad_nd(k, {0, pad}, 0);
    v = at::constant_pad_nd(v, {0, pad}, 0);
  }

  at::Tensor out_padded, softmax_lse;
  {
    // Exclusive time: the dispatcher's own work before (and after) the op's first kernel.
    const PhaseRange<fa::nvtx::DispatchV270> dispatch;
    std::tie(out_padded, softmax_lse, std::ignore, std::ignore) = flash_attn_forward_op().call(
        q, k, v, /*dropout_p=*/0.0, scale, causal, /*window_size_left=*/-1,
        /*window_size_right=*/-1, /*softcap=*/0.0, /*alibi_slopes=*/c10::nullopt,
        /*return_softmax=*/false);
  }
  // 2.7.0 slices unconditionally, padded or not.
  FlashAttnOutputs outputs;
  {
    const PhaseRange<Phase<PhaseId::kSliceV270>> slice;
    using at::indexing::Ellipsis;
    using at::indexing::None;
    using at::indexing::Slice;
    outputs = {out_padded.index({Ellipsis, Slice(None, head_dim_og)}), softmax_lse};
  }
  return outputs;
}

}  // namespace fa270
