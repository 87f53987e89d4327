"""flash-attn 2.7.0's Python layer over fa-versus' core (flash_attn/flash_attn_interface.py).

What 2.7.0 did per forward call (PR #1139), mirrored here line for line (forward only):
  flash_attn_func -> FlashAttnFunc.apply (torch.autograd.Function)
    -> softmax_scale default in Python
    -> head_dim padding in Python with torch.nn.functional.pad, only when head_dim % 8 != 0
    -> _wrapped_flash_attn_forward = torch.ops.<ns>._flash_attn_forward: a custom op registered
       with torch.library.custom_op (+ register_fake for torch.compile), so every call goes
       through the dispatcher and the custom op's Python wrapper; its body does maybe_contiguous
       and calls the extension's C++ entry, which checks, rejects head_dim % 8 != 0 and returns
       4 tensors (p always allocated)
    -> ctx.save_for_backward + ctx attributes
    -> out = out_padded[..., :head_size_og], unconditionally (a view even when nothing was padded).
The backward is 2.7.0's too (a custom op with a fake kernel, so torch.compile traces it), but
fa-versus has no backward kernel: running it raises NotImplementedError.

The op is `fa_versus_py::_flash_attn_forward` (flash-attn used `flash_attn::`, which fa_kernels
already registers from C++ with TORCH_LIBRARY for the C++ stand-in; one namespace cannot be
defined twice). 2.7.0 registered it for device_types="cuda"; here CPU too, so the CPU backend and
CI-style machines run the same path.

Phase ranges (py/v2.7.0/..., python/fa_versus/_phases.py) mark each step; they cost one flag
check per function unless a phase pass is recording.
"""

from typing import Optional, Tuple

import torch

from . import _phases as phases
from ._ext import load_extension

flash_attn_cuda = load_extension()

_TORCH_VERSION = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
if _TORCH_VERSION < (2, 4):
    raise ImportError(
        f"fa_versus.v2_7_0 needs torch >= 2.4 (torch.library.custom_op), found {torch.__version__}"
    )

OP_NAME = "fa_versus_py::_flash_attn_forward"
BACKWARD_OP_NAME = "fa_versus_py::_flash_attn_backward"


def maybe_contiguous(x):
    return x.contiguous() if x is not None and x.stride(-1) != 1 else x


def round_multiple(x, m):
    return (x + m - 1) // m * m


@torch.library.custom_op(OP_NAME, mutates_args=(), device_types=("cpu", "cuda"))
def _flash_attn_forward(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    dropout_p: float,
    softmax_scale: float,
    causal: bool,
    window_size_left: int,
    window_size_right: int,
    softcap: float,
    alibi_slopes: Optional[torch.Tensor],
    return_softmax: bool,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    recording = phases.on
    if recording:
        phases.push(phases.V270_OP_BODY)
    q, k, v = [maybe_contiguous(x) for x in (q, k, v)]
    if recording:
        phases.push(phases.V270_CPP_CALL)
    out, softmax_lse, S_dmask, rng_state = flash_attn_cuda.fwd_op_kernel(
        q,
        k,
        v,
        None,
        alibi_slopes,
        dropout_p,
        softmax_scale,
        causal,
        window_size_left,
        window_size_right,
        softcap,
        return_softmax,
        None,
    )
    if recording:
        phases.pop()
        phases.pop()
    return out, softmax_lse, S_dmask, rng_state


@torch.library.register_fake(OP_NAME)
def _flash_attn_forward_fake(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    dropout_p: float,
    softmax_scale: float,
    causal: bool,
    window_size_left: int,
    window_size_right: int,
    softcap: float,
    alibi_slopes: Optional[torch.Tensor],
    return_softmax: bool,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    q, k, v = [maybe_contiguous(x) for x in (q, k, v)]
    batch_size, seqlen_q, num_heads, head_size = q.shape
    seqlen_k = k.shape[1]
    out = torch.empty_like(q)
    softmax_lse = torch.empty(
        (batch_size, num_heads, seqlen_q), dtype=torch.float32, device=q.device, layout=q.layout
    )
    p = torch.empty((0,), dtype=q.dtype, device=q.device, layout=q.layout)
    if return_softmax:
        p = torch.empty(
            (batch_size, num_heads, round_multiple(seqlen_q, 128), round_multiple(seqlen_k, 128)),
            dtype=q.dtype,
            device=q.device,
            layout=q.layout,
        )
    rng_state = torch.empty((2,), dtype=torch.int64, device=q.device)
    return out, softmax_lse, p, rng_state


_wrapped_flash_attn_forward = torch.ops.fa_versus_py._flash_attn_forward


# 2.7.0 registered its backward as a custom op too; fa-versus has no backward kernel, so the op
# raises when run. Its fake kernel lets torch.compile trace FlashAttnFunc.backward all the same.
@torch.library.custom_op(
    BACKWARD_OP_NAME, mutates_args=("dq", "dk", "dv"), device_types=("cpu", "cuda")
)
def _flash_attn_backward(
    dout: torch.Tensor,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    out: torch.Tensor,
    softmax_lse: torch.Tensor,
    dq: Optional[torch.Tensor],
    dk: Optional[torch.Tensor],
    dv: Optional[torch.Tensor],
    dropout_p: float,
    softmax_scale: float,
    causal: bool,
    window_size_left: int,
    window_size_right: int,
    softcap: float,
    alibi_slopes: Optional[torch.Tensor],
    deterministic: bool,
    rng_state: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    raise NotImplementedError(
        "fa_versus.v2_7_0: the backward pass is not implemented (fa-versus measures the "
        "forward dispatch path only)"
    )


@torch.library.register_fake(BACKWARD_OP_NAME)
def _flash_attn_backward_fake(
    dout: torch.Tensor,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    out: torch.Tensor,
    softmax_lse: torch.Tensor,
    dq: Optional[torch.Tensor],
    dk: Optional[torch.Tensor],
    dv: Optional[torch.Tensor],
    dropout_p: float,
    softmax_scale: float,
    causal: bool,
    window_size_left: int,
    window_size_right: int,
    softcap: float,
    alibi_slopes: Optional[torch.Tensor],
    deterministic: bool,
    rng_state: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    batch_size, seqlen_q, num_heads, _ = q.shape
    return torch.empty(
        (batch_size, num_heads, round_multiple(seqlen_q, 128)),
        device=q.device,
        dtype=torch.float32,
    )


_wrapped_flash_attn_backward = torch.ops.fa_versus_py._flash_attn_backward


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
            phases.push(phases.V270_FORWARD)
            phases.push(phases.V270_PRECHECKS)
        if softmax_scale is None:
            softmax_scale = q.shape[-1] ** (-0.5)
        head_size_og = q.size(3)
        if recording:
            phases.pop()
        if head_size_og % 8 != 0:
            if recording:
                phases.push(phases.V270_PAD)
            q = torch.nn.functional.pad(q, [0, 8 - head_size_og % 8])
            k = torch.nn.functional.pad(k, [0, 8 - head_size_og % 8])
            v = torch.nn.functional.pad(v, [0, 8 - head_size_og % 8])
            if recording:
                phases.pop()
        if recording:
            phases.push(phases.V270_CUSTOM_OP)
        out_padded, softmax_lse, S_dmask, rng_state = _wrapped_flash_attn_forward(
            q,
            k,
            v,
            dropout_p,
            softmax_scale,
            causal=causal,
            window_size_left=window_size[0],
            window_size_right=window_size[1],
            softcap=softcap,
            alibi_slopes=alibi_slopes,
            return_softmax=return_softmax and dropout_p > 0,
        )
        if recording:
            phases.pop()
        ctx.save_for_backward(q, k, v, out_padded, softmax_lse, rng_state)
        ctx.dropout_p = dropout_p
        ctx.softmax_scale = softmax_scale
        ctx.causal = causal
        ctx.window_size = window_size
        ctx.softcap = softcap
        ctx.alibi_slopes = alibi_slopes
        ctx.deterministic = deterministic
        if recording:
            phases.push(phases.V270_SLICE)
        out = out_padded[..., :head_size_og]
        if recording:
            phases.pop()
            phases.pop()
        return out if not return_softmax else (out, softmax_lse, S_dmask)

    @staticmethod
    def backward(ctx, dout, *args):
        # 2.7.0's backward, shape for shape, so torch.compile can trace it; the op itself raises.
        q, k, v, out, softmax_lse, rng_state = ctx.saved_tensors
        dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
        head_size_og = dout.size(3)
        dout_padded = dout
        if head_size_og % 8 != 0:
            dout_padded = torch.nn.functional.pad(dout, [0, 8 - head_size_og % 8])
        _wrapped_flash_attn_backward(
            dout_padded,
            q,
            k,
            v,
            out,
            softmax_lse,
            dq,
            dk,
            dv,
            ctx.dropout_p,
            ctx.softmax_scale,
            ctx.causal,
            ctx.window_size[0],
            ctx.window_size[1],
            ctx.softcap,
            ctx.alibi_slopes,
            ctx.deterministic,
            rng_state=rng_state,
        )
        dq = dq[..., : dout.shape[-1]]  # We could have padded the head dimension
        dk = dk[..., : dout.shape[-1]]
        dv = dv[..., : dout.shape[-1]]
        return dq, dk, dv, None, None, None, None, None, None, None, None


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
    """flash-attn 2.7.0's flash_attn_func (forward only; options other than softmax_scale and
    causal must keep their defaults: the core rejects the rest with a clear message).

    q: (batch, seqlen_q, nheads, headdim); k, v: (batch, seqlen_k, nheads_k, headdim);
    float16 or bfloat16, on CPU or CUDA. Returns out: (batch, seqlen_q, nheads, headdim).
    """
    recording = phases.on
    if recording:
        phases.push(phases.V270_FLASH_ATTN_FUNC)
        phases.push(phases.V270_AUTOGRAD_FUNCTION)
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
