"""A small transformer encoder whose self-attention goes through one of the Python layers.

Issue 14.3: the study's claim that torch.compile removes 2.7.0's overhead was about a model
forward, not a lone attention call. This is that model: pre-LayerNorm encoder layers (self-
attention, then an MLP of 4x width with GELU, each with a residual), a final LayerNorm, no
dropout (inference). The attention is a flash_attn_func(q, k, v) of fa_versus.v2_6_3 or
fa_versus.v2_7_0, or anything with the same signature and layout (batch, seqlen, heads, head_dim).

    model = build_encoder(v2_7_0.flash_attn_func, embed=256, heads=16, layers=4,
                          device="cuda", dtype=torch.float16, seed=0)
    y = model(x)                        # x, y: (batch, seqlen, embed)

Parameter names (layers.<i>.norm1/attn.qkv/attn.proj/norm2/mlp.fc1/mlp.fc2, norm) are what
tests/python's plain-PyTorch reference reads.
"""

import types

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, embed, heads, attention):
        super().__init__()
        if embed % heads:
            raise ValueError(f"embed {embed} is not a multiple of heads {heads}")
        self.heads = heads
        self.qkv = nn.Linear(embed, 3 * embed)
        self.proj = nn.Linear(embed, embed)
        self.attention = attention

    def forward(self, x):
        batch, seqlen, embed = x.shape
        # q, k, v are views of one projection (last dimension contiguous, as flash-attn takes
        # them from a packed qkv); both layers accept that layout without a copy.
        q, k, v = self.qkv(x).view(batch, seqlen, 3, self.heads, embed // self.heads).unbind(2)
        out = self.attention(q, k, v)
        return self.proj(out.reshape(batch, seqlen, embed))


class Mlp(nn.Module):
    def __init__(self, embed, ratio):
        super().__init__()
        self.fc1 = nn.Linear(embed, ratio * embed)
        self.fc2 = nn.Linear(ratio * embed, embed)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, embed, heads, mlp_ratio, attention):
        super().__init__()
        self.norm1 = nn.LayerNorm(embed)
        self.attn = SelfAttention(embed, heads, attention)
        self.norm2 = nn.LayerNorm(embed)
        self.mlp = Mlp(embed, mlp_ratio)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Encoder(nn.Module):
    def __init__(self, attention, embed=256, heads=16, layers=4, mlp_ratio=4):
        super().__init__()
        self.layers = nn.ModuleList(
            EncoderLayer(embed, heads, mlp_ratio, attention) for _ in range(layers)
        )
        self.norm = nn.LayerNorm(embed)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


def build_encoder(attention, *, embed=256, heads=16, layers=4, mlp_ratio=4, device="cpu",
                  dtype=torch.float16, seed=0):
    """An Encoder in eval mode without gradients, its weights drawn from `seed` on the CPU (so
    every attention layer and every device gets the same weights), then moved."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Encoder(attention, embed=embed, heads=heads, layers=layers, mlp_ratio=mlp_ratio)
    _give_own_code(model)
    model = model.to(device=device, dtype=dtype)
    model.eval()
    model.requires_grad_(False)
    return model


def _give_own_code(model):
    """Moves each of this model's modules to a subclass whose forward has its own code object.

    torch.compile keeps its state per code object, not per model: the cache entries and the
    mark that makes dynamo run a frame eagerly from then on, which it sets on Encoder.forward
    when a graph break falls inside its loop over the layers (2.6.3's layer: pybind11's fwd is
    opaque). With the classes' shared code, compiling a 2.6.3 model made every 2.7.0 model
    compiled in the same process run Encoder.forward eagerly and each layer as three graphs
    (measured on the H200: results/h200/python/model-diagnose/). A copy of the code object
    (code.replace()) is a distinct object with the same bytecode."""
    subclasses = {}
    for module in model.modules():
        cls = type(module)
        if cls not in (SelfAttention, Mlp, EncoderLayer, Encoder):
            continue
        if cls not in subclasses:
            forward = cls.forward
            own = types.FunctionType(forward.__code__.replace(), forward.__globals__,
                                     forward.__name__, forward.__defaults__, forward.__closure__)
            subclasses[cls] = type(cls.__name__, (cls,), {"forward": own,
                                                          "__qualname__": cls.__qualname__})
        module.__class__ = subclasses[cls]


def describe(layers, mlp_ratio=4):
    """The report's description of the model (context workload.model)."""
    return {
        "architecture": "pre-LayerNorm transformer encoder: x + attn(norm1(x)), then "
                        "x + fc2(gelu(fc1(norm2(x)))); a final LayerNorm",
        "layers": layers,
        "mlp_ratio": mlp_ratio,
        "qkv": "one Linear(embed, 3 * embed), viewed as (batch, seqlen, 3, heads, head_dim)",
        "grad_mode": "torch.no_grad(), parameters without requires_grad, eval()",
    }
