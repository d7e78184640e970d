#!/usr/bin/env python3
"""Kernel reference fixtures: fixtures/kernels/<case>.json, one file per case.

Run once by a developer (CI never runs Python):

    tools/setup-venv.sh && tools/.venv/bin/python tools/make_kernel_fixtures.py

Each case draws its float inputs as float32 from a generator seeded by the case
name (so adding a case never changes another), then computes the output and
the gradients in float64 torch from exactly those float32 values: the stored
reference is exact (to float64 rounding) for the stored inputs. The upstream
gradient g is random too; "grads" holds d(sum(output * g))/d(input) for every
float input.

File format (see fixtures/kernels/README.md):

    {"op": ..., "attrs": {...},
     "inputs": {"x": {"shape": [...], "data": [flat row-major]}, ...},
     "int_inputs": {"targets": [...]},          # only where needed
     "upstream": {"shape": [...], "data": [...]},
     "output": {"shape": [...], "data": [...]},
     "grads": {"x": {"shape": [...], "data": [...]}, ...}}

Works with any Python that has torch (e.g. tools/.venv/bin/python); paths are
relative to the repository root, found from this file's location.
"""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "kernels"


# ---------------------------------------------------------------- helpers

class Case:
    """Deterministic float32 inputs for one case."""

    def __init__(self, name: str):
        self.name = name
        self.gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) & 0x7FFFFFFF)

    def randn(self, *shape, scale=1.0, offset=0.0) -> torch.Tensor:
        x = torch.randn(tuple(shape), generator=self.gen, dtype=torch.float32) * scale + offset
        return x.to(torch.float32)

    def randint(self, high: int, *shape) -> torch.Tensor:
        return torch.randint(0, high, shape, generator=self.gen)


def tensor_json(t: torch.Tensor) -> dict:
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def make(case: Case, op: str, attrs: dict, inputs: dict[str, torch.Tensor], fn,
         int_inputs: dict[str, list[int]] | None = None) -> dict:
    """Runs fn(**float64 inputs) -> output, and the VJP with a random upstream."""
    x64 = {k: v.to(torch.float64).requires_grad_(True) for k, v in inputs.items()}
    out = fn(**x64)
    upstream32 = case.randn(*out.shape)
    upstream = upstream32.to(torch.float64)
    grads = torch.autograd.grad((out * upstream).sum(), list(x64.values()))
    doc = {"op": op, "attrs": attrs,
           "inputs": {k: tensor_json(v) for k, v in inputs.items()}}
    if int_inputs:
        doc["int_inputs"] = int_inputs
    doc["upstream"] = tensor_json(upstream32)
    doc["output"] = tensor_json(out)
    doc["grads"] = {k: tensor_json(g) for k, g in zip(x64.keys(), grads)}
    return doc


# ---------------------------------------------------------------- reference math (float64)

def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


def gelu_erf(x):
    return F.gelu(x)


def silu(x):
    return F.silu(x)


def swiglu(gate, up):
    return F.silu(gate) * up


def layer_norm(x, weight, bias=None, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def rms_norm(x, weight, eps):
    # HF LlamaRMSNorm: x * rsqrt(mean(x^2, -1) + eps) * weight
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def causal_mask(tq: int, tk: int) -> torch.Tensor:
    """True where key j > query i (masked out)."""
    return torch.ones(tq, tk, dtype=torch.bool).triu(1)


def softmax_causal(x):
    return torch.softmax(x.masked_fill(causal_mask(x.shape[-2], x.shape[-1]), float("-inf")), dim=-1)


def log_softmax(x):
    return torch.log_softmax(x, dim=-1)


def rotary(x, layout: str, rotary_dim: int, base: float):
    """x: [B, T, H, D]; positions 0..T-1."""
    T = x.shape[1]
    half = rotary_dim // 2
    i = torch.arange(half, dtype=torch.float64)
    inv_freq = base ** (-2.0 * i / rotary_dim)                       # [r/2]
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq   # [T, r/2]
    cos = ang.cos()[None, :, None, :]
    sin = ang.sin()[None, :, None, :]
    rot, rest = x[..., :rotary_dim], x[..., rotary_dim:]
    if layout == "half":
        a, b = rot[..., :half], rot[..., half:]
        out = torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)
    elif layout == "interleaved":
        a, b = rot[..., 0::2], rot[..., 1::2]
        oa, ob = a * cos - b * sin, b * cos + a * sin
        out = torch.stack([oa, ob], dim=-1).reshape(rot.shape)
    else:
        raise ValueError(layout)
    return torch.cat([out, rest], dim=-1)


def attention(q, k, v):
    """q [B,T,H,D], k/v [B,T,KV,D] -> z [B,T,H,D]; causal, scale 1/sqrt(D),
    query head h reads kv head h // (H/KV)."""
    B, T, H, D = q.shape
    KV = k.shape[2]
    group = H // KV
    kv_of = torch.arange(H) // group
    kh = k[:, :, kv_of, :]                    # [B,T,H,D]
    vh = v[:, :, kv_of, :]
    s = torch.einsum("bihd,bjhd->bhij", q, kh) / math.sqrt(D)
    s = s.masked_fill(causal_mask(T, T), float("-inf"))
    p = torch.softmax(s, dim=-1)
    return torch.einsum("bhij,bjhd->bihd", p, vh)


def cross_entropy_fn(targets):
    def fn(logits):
        return F.cross_entropy(logits, targets, ignore_index=-100, reduction="mean")
    return fn


def linear_outin(x, weight, bias):
    return x @ weight.T + bias


def linear_inout(x, weight, bias):
    return x @ weight + bias


def matmul_fn(ta: bool, tb: bool):
    def fn(a, b):
        return (a.T if ta else a) @ (b.T if tb else b)
    return fn


def batched_matmul(a, b):
    return torch.matmul(a, b)


# ---------------------------------------------------------------- cases

def build_cases() -> dict[str, dict]:
    cases: dict[str, dict] = {}

    def add(name, op, attrs, inputs_fn, fn, int_inputs=None):
        c = Case(name)
        inputs = inputs_fn(c)
        ii = int_inputs(c) if int_inputs else None
        cases[name] = make(c, op, attrs, inputs, fn, ii)

    add("gelu_tanh", "gelu_tanh", {}, lambda c: {"x": c.randn(4, 16, scale=2.0)}, gelu_tanh)
    add("gelu_erf", "gelu_erf", {}, lambda c: {"x": c.randn(4, 16, scale=2.0)}, gelu_erf)
    add("silu", "silu", {}, lambda c: {"x": c.randn(4, 16, scale=2.0)}, silu)
    add("swiglu", "swiglu", {},
        lambda c: {"gate": c.randn(4, 16, scale=2.0), "up": c.randn(4, 16)}, swiglu)

    add("layer_norm", "layer_norm", {"eps": 1e-5},
        lambda c: {"x": c.randn(3, 5, 32, scale=1.5, offset=0.3),
                   "weight": c.randn(32, scale=0.2, offset=1.0),
                   "bias": c.randn(32, scale=0.2)},
        lambda x, weight, bias: layer_norm(x, weight, bias, 1e-5))
    add("layer_norm_nobias", "layer_norm", {"eps": 1e-5},
        lambda c: {"x": c.randn(3, 5, 32, scale=1.5, offset=0.3),
                   "weight": c.randn(32, scale=0.2, offset=1.0)},
        lambda x, weight: layer_norm(x, weight, None, 1e-5))
    add("rms_norm", "rms_norm", {"eps": 1e-6},
        lambda c: {"x": c.randn(3, 5, 32, scale=1.5, offset=0.3),
                   "weight": c.randn(32, scale=0.2, offset=1.0)},
        lambda x, weight: rms_norm(x, weight, 1e-6))

    add("softmax_causal", "softmax", {"axis": -1, "causal": True},
        lambda c: {"x": c.randn(2, 3, 5, 5, scale=2.0)}, softmax_causal)
    add("log_softmax", "log_softmax", {"axis": -1},
        lambda c: {"x": c.randn(4, 9, scale=2.0)}, log_softmax)

    for name, layout, rdim, base in [("rotary_half", "half", 8, 10000.0),
                                     ("rotary_half_partial", "half", 4, 10000.0),
                                     ("rotary_interleaved", "interleaved", 8, 500.0)]:
        add(name, "rotary", {"layout": layout, "rotary_dim": rdim, "base": base, "position_offset": 0},
            lambda c: {"x": c.randn(2, 6, 3, 8)},
            lambda x, layout=layout, rdim=rdim, base=base: rotary(x, layout, rdim, base))

    for name, H, KV in [("attention_gqa", 4, 2), ("attention_mha", 3, 3)]:
        D = 8
        add(name, "attention",
            {"causal": True, "scale": 1.0 / math.sqrt(D), "num_heads": H, "num_kv_heads": KV},
            lambda c, H=H, KV=KV: {"q": c.randn(2, 5, H, D, scale=1.2),
                                   "k": c.randn(2, 5, KV, D, scale=1.2),
                                   "v": c.randn(2, 5, KV, D)},
            attention)

    # cross_entropy: targets drawn first, one of them set to the ignore index.
    ce = Case("cross_entropy")
    targets = ce.randint(11, 6)
    targets[3] = -100
    logits = ce.randn(6, 11, scale=2.0)
    cases["cross_entropy"] = make(ce, "cross_entropy", {"ignore_index": -100, "reduction": "mean"},
                                  {"logits": logits}, cross_entropy_fn(targets),
                                  {"targets": [int(t) for t in targets.tolist()]})

    add("linear_outin", "linear", {"weight_layout": "out_in"},
        lambda c: {"x": c.randn(2, 3, 5), "weight": c.randn(7, 5, scale=0.5), "bias": c.randn(7, scale=0.2)},
        linear_outin)
    add("linear_inout", "linear", {"weight_layout": "in_out"},
        lambda c: {"x": c.randn(2, 3, 5), "weight": c.randn(5, 7, scale=0.5), "bias": c.randn(7, scale=0.2)},
        linear_inout)

    M, K, N = 4, 6, 5
    for ta in (False, True):
        for tb in (False, True):
            name = "matmul_" + ("t" if ta else "n") + ("t" if tb else "n")
            add(name, "matmul", {"transpose_a": ta, "transpose_b": tb},
                lambda c, ta=ta, tb=tb: {"a": c.randn(*((K, M) if ta else (M, K))),
                                         "b": c.randn(*((N, K) if tb else (K, N)))},
                matmul_fn(ta, tb))
    add("batched_matmul", "batched_matmul", {},
        lambda c: {"a": c.randn(3, 4, 6), "b": c.randn(3, 6, 5)}, batched_matmul)
    return cases


def main() -> None:
    torch.use_deterministic_algorithms(True)
    OUT.mkdir(parents=True, exist_ok=True)
    cases = build_cases()
    for name, doc in cases.items():
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
        print(f"{path.relative_to(ROOT)}  op={doc['op']}  out={doc['output']['shape']}")
    print(f"{len(cases)} kernel fixtures written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
