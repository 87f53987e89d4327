"""The Python layers (python/fa_versus) against the C++ paths and a float64 reference.

Runs where Python torch >= 2.4 and the built extension fa_versus_ext are present (else the module
skips with the reason); the CUDA cases skip without a GPU or without a CUDA build of fa_kernels.
"""

import pytest
from layer_loader import cuda_marks, load_layers


torch, (v2_6_3, v2_7_0), ext = load_layers("v2_6_3", "v2_7_0")

LAYERS = {"py-v2.6.3": v2_6_3.flash_attn_func, "py-v2.7.0": v2_7_0.flash_attn_func}
TOLERANCE = {torch.float16: 1e-2, torch.bfloat16: 4e-2}
# The core's own messages (kernels/common/input_checks.cpp, kernels/v2_7_0/flash_attn_op.cpp).
MSG_DTYPE = "q: dtype must be float16 or bfloat16"


_, DEVICES = cuda_marks(torch, ext)
CUDA = DEVICES[1]


def random_qkv(
    device,
    dtype=torch.float16,
    batch=2,
    seqlen_q=37,
    seqlen_k=53,
    heads=4,
    heads_k=2,
    head_dim=16,
    seed=0,
):
    """Fresh standard-normal q, k, v (never zeros), made on the CPU so every device sees the
    same values."""
    g = torch.Generator().manual_seed(seed)

    def make(seqlen, h):
        t = torch.randn(batch, seqlen, h, head_dim, generator=g)
        return t.to(device=device, dtype=dtype)

    return make(seqlen_q, heads), make(seqlen_k, heads_k), make(seqlen_k, heads_k)


def reference(q, k, v, scale, causal):
    """Attention in float64: (out (B, Sq, H, D), softmax_lse (B, H, Sq)). Causal is bottom-right
    aligned (flash-attn >= 2.1), grouped-query heads by repeat_interleave."""
    qd, kd, vd = (t.double().cpu().permute(0, 2, 1, 3) for t in (q, k, v))
    groups = qd.shape[1] // kd.shape[1]
    kd, vd = kd.repeat_interleave(groups, dim=1), vd.repeat_interleave(groups, dim=1)
    scores = qd @ kd.transpose(-1, -2) * scale
    if causal:
        seqlen_q, seqlen_k = scores.shape[-2:]
        i = torch.arange(seqlen_q)[:, None]
        j = torch.arange(seqlen_k)[None, :]
        scores = scores.masked_fill(j > i + seqlen_k - seqlen_q, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ vd
    return out.permute(0, 2, 1, 3), torch.logsumexp(scores, dim=-1)


def direct_fwd(q, k, v, scale, causal):
    """The extension's fwd called directly: flash-attn 2.6.3's C++ entry, 8 outputs."""
    return ext.fwd(q, k, v, None, None, 0.0, scale, causal, -1, -1, 0.0, False, None)


def op_kernel(q, k, v, scale, causal, out=None, dropout_p=0.0):
    """The extension's fwd_op_kernel: flash-attn 2.7.0's C++ entry, 4 outputs."""
    return ext.fwd_op_kernel(q, k, v, out, None, dropout_p, scale, causal, -1, -1, 0.0, False, None)


# --- Same output as the C++ paths -----------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
@pytest.mark.parametrize("head_dim", [16, 20, 64])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_layers_bitwise_equal_to_direct_fwd(device, dtype, head_dim, causal):
    q, k, v = random_qkv(device, dtype, head_dim=head_dim, seed=head_dim)
    expected = direct_fwd(q, k, v, head_dim ** (-0.5), causal)[0]
    for name, layer in LAYERS.items():
        out = layer(q, k, v, causal=causal)
        assert out.shape == q.shape, name
        assert out.dtype == dtype and out.device == q.device, name
        assert torch.equal(out, expected), f"{name} differs from ext.fwd"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("head_dim", [16, 20])
def test_layers_bitwise_equal_to_cpp_variants(device, head_dim):
    # 0.125 is exact in float and double: the C++ variants take a double scale, the bindings a
    # float (as flash-attn's), so only a float-exact scale gives the same bits on both sides.
    q, k, v = random_qkv(device, head_dim=head_dim, seed=7)
    for py_name, cpp_name in (("py-v2.6.3", "v2.6.3"), ("py-v2.7.0", "v2.7.0")):
        cpp_out, cpp_lse = ext.cpp_variant_forward(cpp_name, q, k, v, 0.125, True)
        out, lse, _ = LAYERS[py_name](q, k, v, softmax_scale=0.125, causal=True,
                                      return_attn_probs=True)
        assert torch.equal(out, cpp_out), f"{py_name} differs from the C++ {cpp_name}"
        assert torch.equal(lse, cpp_lse), f"{py_name} softmax_lse differs from the C++ {cpp_name}"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("head_dim", [16, 20, 128])
def test_layers_match_float64_reference(device, dtype, causal, head_dim):
    q, k, v = random_qkv(device, dtype, head_dim=head_dim, seed=100 + head_dim)
    scale = head_dim ** (-0.5)
    ref_out, ref_lse = reference(q, k, v, scale, causal)
    tol = TOLERANCE[dtype]
    for name, layer in LAYERS.items():
        out, lse, _ = layer(q, k, v, causal=causal, return_attn_probs=True)
        torch.testing.assert_close(out.double().cpu(), ref_out, atol=tol, rtol=tol, msg=name)
        torch.testing.assert_close(lse.double().cpu(), ref_lse, atol=1e-2, rtol=1e-3, msg=name)


def test_cpp_registered_op_matches_the_2_7_0_layer():
    # fa_kernels' own TORCH_LIBRARY op (the C++ stand-in's target) is loaded with the extension.
    q, k, v = random_qkv("cpu", seed=3)
    out_padded, lse, p, rng_state = torch.ops.flash_attn._flash_attn_forward(
        q, k, v, 0.0, 0.25, False, -1, -1, 0.0, None, False
    )
    assert torch.equal(v2_7_0.flash_attn_func(q, k, v), out_padded)
    assert p.numel() == 0 and rng_state.shape == (2,)
    assert ext.cpp_variant_names()[:2] == ["v2.6.3", "v2.7.0"]


# --- Padding, strides -------------------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
def test_head_dim_20_padding(device):
    q, k, v = random_qkv(device, head_dim=20, seed=20)
    scale = 20 ** (-0.5)
    # 2.6.3: padding inside C++, the padded tensors come back like flash-attn's.
    out, q_padded, _, _, out_padded, lse, p, rng_state = direct_fwd(q, k, v, scale, False)
    assert out.shape[-1] == 20 and q_padded.shape[-1] == 24 and out_padded.shape[-1] == 24
    assert p is None and rng_state.shape == (2,)
    # 2.7.0: the C++ entry rejects it, directly and through the custom op; the layer pads.
    with pytest.raises(RuntimeError, match="head_dim must be a multiple of 8"):
        op_kernel(q, k, v, scale, False)
    with pytest.raises(RuntimeError, match="head_dim must be a multiple of 8"):
        torch.ops.fa_versus_py._flash_attn_forward(q, k, v, 0.0, scale, False, -1, -1, 0.0, None,
                                                   False)
    for name, layer in LAYERS.items():
        result = layer(q, k, v)
        assert result.shape == q.shape, name
        assert torch.equal(result, out), name


@pytest.mark.parametrize("device", DEVICES)
def test_strided_last_dim(device):
    q, k, v = random_qkv(device, head_dim=32, seed=5)
    qs, ks, vs = (t[..., ::2] for t in (q, k, v))  # stride(-1) == 2
    assert qs.stride(-1) == 2
    # Both layers copy such inputs (maybe_contiguous); the C++ entry itself rejects them.
    expected = direct_fwd(*(t.contiguous() for t in (qs, ks, vs)), 16 ** (-0.5), False)[0]
    for name, layer in LAYERS.items():
        assert torch.equal(layer(qs, ks, vs), expected), name
    with pytest.raises(RuntimeError, match="q: last dimension must be contiguous"):
        direct_fwd(qs, ks, vs, 0.25, False)


# --- The custom op under torch.compile's machinery ---------------------------------------------


def test_fake_kernel_shapes():
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        q = torch.empty(2, 50, 16, 24, dtype=torch.float16)
        k = torch.empty(2, 70, 8, 24, dtype=torch.float16)
        out, lse, p, rng_state = torch.ops.fa_versus_py._flash_attn_forward(
            q, k, k, 0.0, 0.2, False, -1, -1, 0.0, None, False
        )
        assert out.shape == (2, 50, 16, 24) and out.dtype == torch.float16
        assert lse.shape == (2, 16, 50) and lse.dtype == torch.float32
        assert p.shape == (0,) and rng_state.shape == (2,) and rng_state.dtype == torch.int64
        # The whole 2.7.0 layer, padding head_dim 20 to 24 and slicing back.
        q20 = torch.empty(2, 50, 16, 20, dtype=torch.bfloat16)
        out20 = v2_7_0.flash_attn_func(q20, q20, q20, causal=True)
        assert out20.shape == (2, 50, 16, 20) and out20.dtype == torch.bfloat16


def test_opcheck_cpu():
    q, k, v = random_qkv("cpu", head_dim=16, seed=11)
    torch.library.opcheck(
        torch.ops.fa_versus_py._flash_attn_forward.default,
        (q, k, v, 0.0, 0.25, False, -1, -1, 0.0, None, False),
        test_utils=("test_schema", "test_autograd_registration", "test_faketensor"),
    )


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("head_dim", [16, 20])
def test_compile_fullgraph(device, head_dim):
    # CPU: aot_eager (no C++ compiler needed); CUDA: the default inductor backend, as a user would.
    import torch._dynamo

    torch._dynamo.reset()
    backend = "aot_eager" if device == "cpu" else "inductor"
    compiled = torch.compile(v2_7_0.flash_attn_func, fullgraph=True, dynamic=False, backend=backend)
    q, k, v = random_qkv(device, head_dim=head_dim, seed=30 + head_dim)
    for causal in (False, True):
        eager = v2_7_0.flash_attn_func(q, k, v, causal=causal)
        assert torch.equal(compiled(q, k, v, causal=causal), eager)


# --- Bad inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(LAYERS))
def test_bad_inputs_raise_clear_errors(name):
    layer = LAYERS[name]
    q, k, v = random_qkv("cpu", seed=9)
    with pytest.raises(RuntimeError, match=MSG_DTYPE):
        layer(q.float(), k.float(), v.float())
    with pytest.raises(RuntimeError, match=r"k: dtype must equal q's"):
        layer(q, k.bfloat16(), v)
    with pytest.raises(RuntimeError, match=r"k: shape must be \(batch 2"):
        layer(q, k[:1], v[:1])
    with pytest.raises(RuntimeError, match="head_dim must be at most 256"):
        big = torch.ones(1, 4, 2, 264, dtype=torch.float16)
        layer(big, big, big)
    with pytest.raises(RuntimeError, match="dropout_p: only 0 is supported"):
        layer(q, k, v, dropout_p=0.1)
    with pytest.raises(RuntimeError, match="window_size_left/right"):
        layer(q, k, v, window_size=(8, 0))
    # 2.6.3 reaches the C++ 4-D check; 2.7.0's Python reads q.size(3) first, as flash-attn did.
    with pytest.raises((RuntimeError, IndexError)):
        layer(q[0], k[0], v[0])


def test_extension_entry_errors():
    q, k, v = random_qkv("cpu", seed=13)
    with pytest.raises(RuntimeError, match="out: the 2.7.0 op allocates its output"):
        op_kernel(q, k, v, 0.25, False, out=torch.empty_like(q))
    with pytest.raises(RuntimeError, match="dropout_p: only 0 is supported"):
        op_kernel(q, k, v, 0.25, False, dropout_p=0.5)
    with pytest.raises(RuntimeError, match="variant: unknown name 'v9'"):
        ext.cpp_variant_forward("v9", q, k, v)


@pytest.mark.parametrize("device", [CUDA])
def test_mixed_devices_raise(device):
    q, k, v = random_qkv(device, seed=17)
    for name, layer in LAYERS.items():
        with pytest.raises(RuntimeError, match="k: must be on q's device"):
            layer(q, k.cpu(), v)


@pytest.mark.parametrize("name", list(LAYERS))
def test_forward_only(name):
    q, k, v = (t.requires_grad_() for t in random_qkv("cpu", seed=19))
    out = LAYERS[name](q, k, v)
    assert out.requires_grad
    with pytest.raises(NotImplementedError, match="backward pass is not implemented"):
        out.sum().backward()
