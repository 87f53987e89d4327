"""What py-sweep calls per case: the lone attention call (the study's micro-benchmark) or a model
forward through the small encoder (fa_versus.encoder). Each workload names its variants, makes a
shape's input buffers, builds the callables (eager or torch.compile'd) and says how its device
time is read from a torch.profiler trace.

Inputs are buffers per shape, refilled in place every repetition (fresh values, the same
addresses): graph mode replays read the captured addresses, and torch.compile's CUDA graphs
(reduce-overhead) can take them as static inputs (--compile-inputs static) without re-recording.
"""

import importlib

import torch

# The core kernel's name (kernels/core); the lone call's kernel_us is its duration.
KERNEL_TAG = "attention_fwd_kernel"

from .sweep_plan import (ATTENTION_COMPILE_VARIANTS, ATTENTION_VARIANTS, MODEL_COMPILE_VARIANTS,
                         MODEL_VARIANTS, is_compiled)


def layer_module(variant):
    """The fa_versus layer a variant's attention goes through."""
    return "v2_6_3" if "v2.6.3" in variant else "v2_7_0"


def raise_recompile_limits(shape_count, entries_per_shape=2):
    """One graph per shape (dynamic=False): the recompile limit above the grid's size, or dynamo
    would silently fall back to eager after 8 shapes. `entries_per_shape`: the cache entries one
    code object gets per shape (the compile variants sharing it; for the model, the resume frame
    after 2.6.3's graph break in SelfAttention.forward gets one per layer, guarded on the
    layer's module)."""
    import torch._dynamo

    config = torch._dynamo.config
    limit = max(64, entries_per_shape * shape_count + 8)
    for attribute in ("recompile_limit", "cache_size_limit"):
        if hasattr(config, attribute):
            setattr(config, attribute, max(getattr(config, attribute), limit))
            break
    for attribute in ("accumulated_recompile_limit", "accumulated_cache_size_limit"):
        if hasattr(config, attribute):
            setattr(config, attribute, max(getattr(config, attribute), 4 * limit))
            break


def compile_mode_argument(compile_mode):
    return None if compile_mode == "default" else compile_mode


class AttentionWorkload:
    """The lone call flash_attn_func(q, k, v, causal=...): kernel_us is the core kernel's time,
    one kernel per call (checked), tflops and gbps from fa-sweep's formulas."""

    name = "attention"
    variants = ATTENTION_VARIANTS
    compile_variants = ATTENTION_COMPILE_VARIANTS
    fullgraph = True
    has_attention_counters = True

    def __init__(self, dtype, device, causal, compile_mode, compile_dynamic, seed):
        self.dtype, self.device, self.causal = dtype, device, causal
        self.compile_mode, self.compile_dynamic = compile_mode, compile_dynamic
        self._fns = {}

    def describe(self):
        return {"name": self.name, "call": "flash_attn_func(q, k, v, causal=causal)"}

    def buffers(self, shape):
        batch, seqlen, heads, head_dim = shape
        return tuple(torch.empty(batch, seqlen, heads, head_dim, device=self.device,
                                 dtype=self.dtype) for _ in range(3))

    def call_kwargs(self):
        return {"causal": self.causal}

    def callable(self, variant, shape):
        if variant not in self._fns:
            layer = importlib.import_module(f"fa_versus.{layer_module(variant)}")
            fn = layer.flash_attn_func
            if is_compiled(variant):
                fn = torch.compile(fn, fullgraph=True, dynamic=self.compile_dynamic,
                                   mode=compile_mode_argument(self.compile_mode))
            self._fns[variant] = fn
        return self._fns[variant]

    def kernel_tag(self):
        return KERNEL_TAG  # one such kernel per call


class ModelWorkload:
    """A forward of fa_versus.encoder's Encoder (embed = heads * head_dim of the grid, `layers`
    layers), its attention through the variant's layer, under torch.no_grad(). kernel_us is the
    device time of the whole forward: every GPU activity the profiler records (kernels, copies)
    per call; no tflops or gbps (fa-sweep's formulas are the attention's)."""

    name = "model"
    variants = MODEL_VARIANTS
    compile_variants = MODEL_COMPILE_VARIANTS
    # 2.6.3's layer calls pybind11 directly: dynamo breaks the graph around it, as it did for
    # flash-attn 2.6.3 (the reason 2.7.0 added the custom op). Both compile with graph breaks
    # allowed, so the two are compiled alike; the report's first_calls count the graphs.
    fullgraph = False
    has_attention_counters = False

    def __init__(self, dtype, device, causal, compile_mode, compile_dynamic, seed, layers):
        if causal:
            raise ValueError("the model workload is not causal (an encoder)")
        self.dtype, self.device, self.seed, self.layers = dtype, device, seed, layers
        self.compile_mode, self.compile_dynamic = compile_mode, compile_dynamic
        self._models = {}

    def describe(self):
        from fa_versus import encoder

        return {"name": self.name, "call": "model(x), x: (batch, seqlen, embed)",
                "model": encoder.describe(self.layers)}

    def buffers(self, shape):
        batch, seqlen, heads, head_dim = shape
        return (torch.empty(batch, seqlen, heads * head_dim, device=self.device,
                            dtype=self.dtype),)

    def call_kwargs(self):
        return {}

    def callable(self, variant, shape):
        _, _, heads, head_dim = shape
        key = (variant, heads, head_dim)
        if key not in self._models:
            from fa_versus import encoder

            layer = importlib.import_module(f"fa_versus.{layer_module(variant)}")
            model = encoder.build_encoder(layer.flash_attn_func, embed=heads * head_dim,
                                          heads=heads, layers=self.layers, device=self.device,
                                          dtype=self.dtype, seed=self.seed)
            if is_compiled(variant):
                model = torch.compile(model, fullgraph=False, dynamic=self.compile_dynamic,
                                      mode=compile_mode_argument(self.compile_mode))
            self._models[key] = model
        return self._models[key]

    def kernel_tag(self):
        return None  # every device activity of the forward
