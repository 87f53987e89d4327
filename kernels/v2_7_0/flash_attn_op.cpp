#include "v2_7_0/flash_attn_op.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "common/core_call.h"
#include "common/input_checks.h"
#include "common/nvtx.h"

namespace fa270 {
namespace {

using fa::nvtx::Phase;
using fa::nvtx::PhaseId;
using fa::nvtx::PhaseRange;

// What this stand-in implements of the op's schema; the rest is rejected, not ignored.
void check_supported_options(double dropout_p, int64_t window_size_left, int64_t window_size_right,
                             double softcap, const c10::optional<at::Tensor>& alibi_slopes,
                             bool return_softmax) {
  TORCH_CHECK(dropout_p == 0.0, "dropout_p: only 0 is supported, got ", dropout_p);
  TORCH_CHECK(window_size_left < 0 && window_size_right < 0,
              "window_size_left/right: only -1 (no local window) is supported, got ",
              window_size_left, ", ", window_size_right);
  TORCH_CHECK(softcap == 0.0, "softcap: only 0 is supported, got ", softcap);
  TORCH_CHECK(!alibi_slopes.has_value(), "alibi_slopes: not supported, expected None");
  TORCH_CHECK(!return_softmax, "return_softmax: only false is supported");
}

// The C++ entry of 2.7.0 (mha_fwd): checks as 2.6.3 plus head_dim % 8 == 0, since padding moved
// to the host layer; always allocates p; returns 4 tensors.
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> flash_attn_forward(
    const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double dropout_p,
    double softmax_scale, bool causal, int64_t window_size_left, int64_t window_size_right,
    double softcap, const c10::optional<at::Tensor>& alibi_slopes, bool return_softmax) {
  const PhaseRange<Phase<PhaseId::kEntryV270>> entry;
  fa::AttentionShape shape;
  {
    const PhaseRange<Phase<PhaseId::kOpChecksV270>> checks;
    fa::check_device_supported(q);
    shape = fa::check_attention_inputs(q, k, v);
    TORCH_CHECK(shape.head_dim % 8 == 0, "q: head_dim must be a multiple of 8, got ",
                shape.head_dim, " (flash_attn_func pads it before calling the op)");
    check_supported_options(dropout_p, window_size_left, window_size_right, softcap, alibi_slopes,
                            return_softmax);
    if (shape.seqlen_q == 1) causal = false;
  }

  const fa::LaunchTarget target(q.device());
  at::Tensor out, softmax_lse, p, rng_state;
  const auto options = q.options();
  {
    const PhaseRange<Phase<PhaseId::kCoreAlloc>> alloc;
    out = at::empty_like(q);
    softmax_lse =
        at::empty({shape.batch, shape.num_heads, shape.seqlen_q}, options.dtype(at::kFloat));
    rng_state = at::empty({2}, options.dtype(at::kLong));
  }
  {
    const PhaseRange<Phase<PhaseId::kAllocPV270>> alloc_p;
    p = at::empty({0}, options);
  }

  fa::AttentionParams params;
  {
    const PhaseRange<Phase<PhaseId::kCoreParams>> params_range;
    params = fa::make_attention_params(q, k, v, out, softmax_lse, softmax_scale, causal);
  }
  fa::launch_core(params, target);
  return {out, softmax_lse, p, rng_state};
}

// Shapes only, no data: what torch.compile traces with (register_fake in flash-attn 2.7.0).
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> flash_attn_forward_meta(
    const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double dropout_p,
    double softmax_scale, bool causal, int64_t window_size_left, int64_t window_size_right,
    double softcap, const c10::optional<at::Tensor>& alibi_slopes, bool return_softmax) {
  TORCH_CHECK(q.dim() == 4, "q must be 4-D (batch, seqlen, heads, head_dim), got ", q.dim(), "-D");
  const auto options = q.options();
  return {at::empty_like(q),
          at::empty({q.size(0), q.size(2), q.size(1)}, options.dtype(at::kFloat)),
          at::empty({0}, options), at::empty({2}, options.dtype(at::kLong))};
}

// What torch.library.custom_op registers for the Autograd keys: refuse inputs that need a
// gradient (this stand-in has no backward), then redispatch below autograd to the backend kernel.
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor> flash_attn_forward_autograd(
    const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, double dropout_p,
    double softmax_scale, bool causal, int64_t window_size_left, int64_t window_size_right,
    double softcap, const c10::optional<at::Tensor>& alibi_slopes, bool return_softmax) {
  const PhaseRange<Phase<PhaseId::kAutogradV270>> autograd;
  TORCH_CHECK(
      !at::GradMode::is_enabled() || !(q.requires_grad() || k.requires_grad() || v.requires_grad()),
      "q, k, v: must not require grad: this stand-in implements the forward pass only");
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow(kOpName, "")
                             .typed<FlashAttnForwardSignature>();
  const at::AutoDispatchBelowADInplaceOrView below_autograd;
  return op.call(q, k, v, dropout_p, softmax_scale, causal, window_size_left, window_size_right,
                 softcap, alibi_slopes, return_softmax);
}

}  // namespace
}  // namespace fa270

TORCH_LIBRARY(flash_attn, m) {
  m.def(
      "_flash_attn_forward(Tensor q, Tensor k, Tensor v, float dropout_p, float softmax_scale, "
      "bool causal, int window_size_left, int window_size_right, float softcap, "
      "Tensor? alibi_slopes, bool return_softmax) -> (Tensor, Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(flash_attn, CPU, m) {
  m.impl("_flash_attn_forward", &fa270::flash_attn_forward);
}

TORCH_LIBRARY_IMPL(flash_attn, CUDA, m) {
  m.impl("_flash_attn_forward", &fa270::flash_attn_forward);
}

TORCH_LIBRARY_IMPL(flash_attn, Autograd, m) {
  m.impl("_flash_attn_forward", &fa270::flash_attn_forward_autograd);
}

TORCH_LIBRARY_IMPL(flash_attn, Meta, m) {
  m.impl("_flash_attn_forward", &fa270::flash_attn_forward_meta);
}
