"""flash-attn 2.6.3's Python layer over fa-versus' core (flash_attn/flash_attn_interface.py).

What 2.6.3 did per forward call, mirrored here line for line (forward only):
  flash_attn_func -> FlashAttnFunc.apply (torch.autograd.Function)
    -> softmax_scale default in Python (q.shape[-1] ** -0.5)
    -> _flash_attn_forward: maybe_contiguous on q, k, v, then the extension's `fwd` DIRECTLY
       (pybind11, no dispatcher): checks, head_dim padding and slicing all happen in C++
       (fa263::mha_fwd), which returns 8 tensors
    -> ctx.save_for_backward + ctx attributes, return out (= result[0]).
No custom op, no torch.ops hop, no Python padding or slicing.

Phase ranges (py/v2.6.3/..., python/fa_versus/_phases.py) mark each step; they cost one flag
check per function unless a phase pass is recording.
"""

import torch

from . import _phases as phases
from ._ext import load_extension

# flash-attn imports its extension as `flash_attn_cuda`; here it is fa_versus_ext (CPU and CUDA).
flash_attn_cuda = load_extension()


def maybe_contiguous(x):
    return x.contiguous() if x is not None and x.stride(-1) != 1 else x


def _flash_attn_forward(
    q, k, v, dropout_p, softmax_scale, causal, window_size, softcap, alibi_slopes, return_softmax
):
    recording = phases.on
    if recording:
        phases.push(phases.V263_PRECHECKS)
    q, k, v = [maybe_contiguous(x) for x in (q, k, v)]
    if recording:
        phases.pop()
        phases.push(phases.V263_CPP_CALL)
    out, q, k, v, out_padded, softmax_lse, S_dmask, rng_state = flash_attn_cuda.fwd(
        q,
        k,
        v,
        None,
        alibi_slopes,
        dropout_p,
        softmax_scale,
        causal,
        window_size[0],
        window_size[1],
        softcap,
        return_softmax,
        None,
    )
    if recording:
        phases.pop()
    return out, q, k, v, out_padded, softmax_lse, S_dmask, rng_state


class FlashAttnFunc(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx,
        q,
        k,
        v,
        dropout_p,
        softmax_scale,
        causal,
        window_size,
        softcap,
        alibi_slopes,
        deterministic,
        return_softmax,
    ):
        recording = phases.on
        if recording:
            phases.push(phases.V263_FORWARD)
            phases.push(phases.V263_PRECHECKS)
        if softmax_scale is None:
            softmax_scale = q.shape[-1] ** (-0.5)
        if recording:
            phases.pop()
        out, q, k, v, out_padded, softmax_lse, S_dmask, rng_state = _flash_attn_forward(
            q,
            k,
            v,
            dropout_p,
            softmax_scale,
            causal=causal,
            window_size=window_size,
            softcap=softcap,
            alibi_slopes=alibi_slopes,
            return_softmax=return_softmax and dropout_p > 0,
        )
        ctx.save_for_backward(q, k, v, out_padded, softmax_lse, rng_state)
        ctx.dropout_p = dropout_p
        ctx.softmax_scale = softmax_scale
        ctx.causal = causal
        ctx.window_size = window_size
        ctx.softcap = softcap
        ctx.alibi_slopes = alibi_slopes
        ctx.deterministic = deterministic
        if recording:
            phases.pop()
        return out if not return_softmax else (out, softmax_lse, S_dmask)

    @staticmethod
    def backward(ctx, dout, *args):
        raise NotImplementedError(
            "fa_versus.v2_6_3: the backward pass is not implemented (fa-versus measures the "
            "forward dispatch path only)"
        )


def flash_attn_func(
    q,
    k,
    v,
    dropout_p=0.0,
    softmax_scale=None,
    causal=False,
    window_size=(-1, -1),  # -1 means infinite context window
    softcap=0.0,  # 0.0 means deactivated
    alibi_slopes=None,
    deterministic=False,
    return_attn_probs=False,
):
    """flash-attn 2.6.3's flash_attn_func (forward only; options other than softmax_scale and
    causal must keep their defaults: the core rejects the rest with a clear message).

    q: (batch, seqlen_q, nheads, headdim); k, v: (batch, seqlen_k, nheads_k, headdim);
    float16 or bfloat16, on CPU or CUDA. Returns out: (batch, seqlen_q, nheads, headdim).
    """
    recording = phases.on
    if recording:
        phases.push(phases.V263_FLASH_ATTN_FUNC)
        phases.push(phases.V263_AUTOGRAD_FUNCTION)
    out = FlashAttnFunc.apply(
        q,
        k,
        v,
        dropout_p,
        softmax_scale,
        causal,
        window_size,
        softcap,
        alibi_slopes,
        deterministic,
        return_attn_probs,
    )
    if recording:
        phases.pop()
        phases.pop()
    return out
