"""fa_versus: flash-attn 2.6.3-style and 2.7.0-style Python layers over fa-versus' attention core.

    from fa_versus import v2_6_3, v2_7_0
    out = v2_6_3.flash_attn_func(q, k, v, causal=False)   # direct call into the C++ entry
    out = v2_7_0.flash_attn_func(q, k, v, causal=False)   # torch.library.custom_op in front

Both call the compiled extension fa_versus_ext (python/ext, built by CMake from fa_kernels: the
same kernel core as fa-sweep's C++ variants). fa_versus.encoder is a small transformer encoder
whose attention goes through either layer; fa_versus.sweep_plan (no torch needed) and
fa_versus.sweep_workloads are scripts/py-sweep.py's. See docs/python-layer.md.
"""

from .sweep_plan import ALL_VARIANTS as VARIANTS  # noqa: F401  (py-sweep's variant names)
