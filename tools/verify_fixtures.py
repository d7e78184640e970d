#!/usr/bin/env python3
"""Checks the committed fixtures against PyTorch / transformers.

Run once by a developer after regenerating fixtures (CI never runs Python):

    tools/setup-venv.sh && tools/.venv/bin/python tools/verify_fixtures.py

Kernels (fixtures/kernels/*.json):
  1. self-consistency: output and grads recomputed in float64 from the stored
     float32 inputs and upstream agree with the stored ones to 1e-12;
  2. an independent float32 computation (other formulas / library code paths:
     transformers' NewGELUActivation, LlamaRMSNorm and apply_rotary_pos_emb,
     complex-number RoPE, scaled_dot_product_attention with enable_gqa,
     hand-written layer norm, softmax, cross entropy...) agrees with the stored
     reference to ~1e-6 (relative to the tensor's largest magnitude).
Models (fixtures/models/*/):
  each folder loads with AutoModelForCausalLM / AutoTokenizer, the tokenizer
  gives the stored token ids, and the float32 logits, batch logits and hidden
  states equal reference.json bit for bit.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_kernel_fixtures as mk  # noqa: E402  (float64 reference math, for self-consistency)


def t(doc, dtype=torch.float32):
    return torch.tensor(doc["data"], dtype=dtype).reshape(doc["shape"])


# ---------------------------------------------------------------- independent float32 versions

def ind_gelu_tanh(x):
    from transformers.activations import NewGELUActivation
    return NewGELUActivation()(x)


def ind_gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def ind_silu(x):
    return x * torch.sigmoid(x)


def ind_swiglu(gate, up):
    return gate * torch.sigmoid(gate) * up


def ind_layer_norm(eps):
    def fn(x, weight, bias=None):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        y = (x - mu) / torch.sqrt(var + eps) * weight
        return y + bias if bias is not None else y
    return fn


def ind_rms_norm(eps):
    from transformers.models.llama.modeling_llama import LlamaRMSNorm

    def fn(x, weight):
        m = LlamaRMSNorm(x.shape[-1], eps=eps)
        del m.weight
        m.weight = weight  # plain tensor attribute: gradients flow to our leaf
        return m(x)
    return fn


def ind_softmax_causal(x):
    T, S = x.shape[-2:]
    keep = torch.ones(T, S).tril().bool()
    z = x - x.max(-1, keepdim=True).values.detach()
    e = torch.where(keep, torch.exp(z), torch.zeros_like(z))
    return e / e.sum(-1, keepdim=True)


def ind_log_softmax(x):
    return x - torch.logsumexp(x, -1, keepdim=True)


def ind_rotary(layout, rotary_dim, base):
    def fn(x):
        B, T, H, D = x.shape
        inv_freq = 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.float32) / rotary_dim))
        freqs = torch.arange(T, dtype=torch.float32)[:, None] * inv_freq[None, :]   # [T, r/2]
        if layout == "half":
            from transformers.models.gpt_neox.modeling_gpt_neox import apply_rotary_pos_emb
            emb = torch.cat([freqs, freqs], dim=-1)                                  # [T, r]
            cos, sin = emb.cos()[None], emb.sin()[None]                              # [1, T, r]
            out, _ = apply_rotary_pos_emb(x, x, cos, sin, unsqueeze_dim=2)           # x is [B,T,H,D]
            return out
        # interleaved: Meta's reference, complex multiplication of (x[2i], x[2i+1]) pairs
        rot, rest = x[..., :rotary_dim], x[..., rotary_dim:]
        xc = torch.view_as_complex(rot.reshape(B, T, H, rotary_dim // 2, 2).contiguous())
        cis = torch.polar(torch.ones_like(freqs), freqs)[None, :, None, :]
        out = torch.view_as_real(xc * cis).reshape(B, T, H, rotary_dim)
        return torch.cat([out, rest], dim=-1)
    return fn


def ind_attention(q, k, v):
    z = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                       is_causal=True, enable_gqa=True)
    return z.transpose(1, 2)


def ind_cross_entropy(targets):
    def fn(logits):
        keep = targets != -100
        lse = torch.logsumexp(logits[keep], -1)
        picked = logits[keep].gather(1, targets[keep][:, None])[:, 0]
        return (lse - picked).sum() / keep.sum()
    return fn


def independent(doc):
    op, attrs = doc["op"], doc["attrs"]
    if op == "gelu_tanh":
        return ind_gelu_tanh
    if op == "gelu_erf":
        return ind_gelu_erf
    if op == "silu":
        return ind_silu
    if op == "swiglu":
        return ind_swiglu
    if op == "layer_norm":
        return ind_layer_norm(attrs["eps"])
    if op == "rms_norm":
        return ind_rms_norm(attrs["eps"])
    if op == "softmax":
        assert attrs["causal"]
        return ind_softmax_causal
    if op == "log_softmax":
        return ind_log_softmax
    if op == "rotary":
        return ind_rotary(attrs["layout"], attrs["rotary_dim"], attrs["base"])
    if op == "attention":
        assert attrs["causal"] and abs(attrs["scale"] - 1 / math.sqrt(doc["inputs"]["q"]["shape"][-1])) < 1e-15
        return ind_attention
    if op == "cross_entropy":
        return ind_cross_entropy(torch.tensor(doc["int_inputs"]["targets"]))
    if op == "linear":
        if attrs["weight_layout"] == "out_in":
            return lambda x, weight, bias: F.linear(x, weight, bias)
        return lambda x, weight, bias: torch.einsum("bti,io->bto", x, weight) + bias
    if op == "matmul":
        ta, tb = attrs["transpose_a"], attrs["transpose_b"]
        return lambda a, b: torch.einsum("mk,kn->mn", a.t() if ta else a, b.t() if tb else b)
    if op == "batched_matmul":
        return lambda a, b: torch.bmm(a, b)
    raise ValueError(op)


def reference64(name, doc):
    """The generator's own float64 function, re-run on the stored inputs."""
    a = doc["attrs"]
    op = doc["op"]
    table = {
        "gelu_tanh": mk.gelu_tanh, "gelu_erf": mk.gelu_erf, "silu": mk.silu, "swiglu": mk.swiglu,
        "softmax": mk.softmax_causal, "log_softmax": mk.log_softmax, "attention": mk.attention,
        "batched_matmul": mk.batched_matmul,
    }
    if op in table:
        return table[op]
    if op == "layer_norm":
        return lambda x, weight, bias=None: mk.layer_norm(x, weight, bias, a["eps"])
    if op == "rms_norm":
        return lambda x, weight: mk.rms_norm(x, weight, a["eps"])
    if op == "rotary":
        return lambda x: mk.rotary(x, a["layout"], a["rotary_dim"], a["base"])
    if op == "cross_entropy":
        return mk.cross_entropy_fn(torch.tensor(doc["int_inputs"]["targets"]))
    if op == "linear":
        return mk.linear_outin if a["weight_layout"] == "out_in" else mk.linear_inout
    if op == "matmul":
        return mk.matmul_fn(a["transpose_a"], a["transpose_b"])
    raise ValueError(name)


def run(fn, doc, dtype):
    xs = {k: t(v, dtype).requires_grad_(True) for k, v in doc["inputs"].items()}
    out = fn(**xs)
    up = t(doc["upstream"], dtype)
    grads = torch.autograd.grad((out * up).sum(), list(xs.values()))
    return out, dict(zip(xs.keys(), grads))


def rel_err(got, want):
    scale = max(want.abs().max().item(), 1e-30)
    return (got.double() - want).abs().max().item() / scale


def verify_kernels() -> bool:
    ok = True
    files = sorted((ROOT / "fixtures" / "kernels").glob("*.json"))
    print(f"kernels: {len(files)} fixtures")
    for path in files:
        doc = json.loads(path.read_text())
        name = path.stem
        want_out = t(doc["output"], torch.float64)
        want_g = {k: t(v, torch.float64) for k, v in doc["grads"].items()}
        assert set(want_g) == set(doc["inputs"]), name

        out64, g64 = run(reference64(name, doc), doc, torch.float64)
        self_err = max([(out64 - want_out).abs().max().item()] +
                       [(g64[k] - want_g[k]).abs().max().item() for k in want_g])

        out32, g32 = run(independent(doc), doc, torch.float32)
        assert list(out32.shape) == doc["output"]["shape"], name
        errs = {"output": rel_err(out32, want_out)}
        errs.update({f"d{k}": rel_err(g32[k], want_g[k]) for k in want_g})
        worst = max(errs.values())
        good = self_err < 1e-12 and worst < 2e-6
        ok &= good
        detail = "  ".join(f"{k} {v:.1e}" for k, v in errs.items())
        print(f"  {'ok ' if good else 'BAD'} {name:22s} float64 self {self_err:.1e}  float32 rel: {detail}")
    return ok


def verify_models() -> bool:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    ok = True
    folders = sorted(p for p in (ROOT / "fixtures" / "models").iterdir() if (p / "reference.json").exists())
    print(f"models: {len(folders)} folders")
    for folder in folders:
        ref = json.loads((folder / "reference.json").read_text())
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                                     attn_implementation=ref["meta"]["attn_implementation"])
        model.eval()
        tok = AutoTokenizer.from_pretrained(folder)
        assert len(tok) == model.config.vocab_size, folder.name
        problems = []
        with torch.inference_mode():
            for e in ref["prompts"]:
                ids = tok(e["text"])["input_ids"]
                if ids != e["token_ids"]:
                    problems.append(f"token ids of {e['text']!r}")
                if tok.decode(ids) != e["text"]:
                    problems.append(f"decode of {e['text']!r}")
                got = model(torch.tensor([e["token_ids"]])).logits[0]
                if not torch.equal(got, torch.tensor(e["logits"], dtype=torch.float32)):
                    problems.append(f"logits of {e['text']!r}: max diff "
                                    f"{(got - torch.tensor(e['logits'])).abs().max().item():.2e}")
            b = ref["batch"]
            out = model(torch.tensor(b["input_ids"]), attention_mask=torch.tensor(b["attention_mask"])).logits
            for i, n in enumerate(b["lengths"]):
                if not torch.equal(out[i, :n], torch.tensor(b["logits"][i], dtype=torch.float32)):
                    problems.append(f"batch logits row {i}")
                single = torch.tensor(ref["prompts"][i]["logits"])
                if (out[i, :n] - single).abs().max().item() > 1e-4:
                    problems.append(f"padding changes real positions of row {i}")
            hs = ref["hidden_states"]
            out = model(torch.tensor([ref["prompts"][hs["prompt"]]["token_ids"]]), output_hidden_states=True)
            for layer, (got, want) in enumerate(zip(out.hidden_states, hs["layers"], strict=True)):
                if not torch.equal(got[0], torch.tensor(want, dtype=torch.float32)):
                    problems.append(f"hidden state {layer}")
            # the default attention implementation (sdpa) agrees closely too
            sdpa = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
            e = ref["prompts"][2]
            sdpa_diff = (sdpa(torch.tensor([e["token_ids"]])).logits[0] - torch.tensor(e["logits"])).abs().max().item()
        ok &= not problems
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1024
        print(f"  {'ok ' if not problems else 'BAD'} {folder.name:16s} {size:.0f} KB  "
              f"{len(ref['prompts'])} prompts exact, batch exact, {len(hs['layers'])} hidden states exact, "
              f"sdpa max diff {sdpa_diff:.1e}" + ("" if not problems else "  " + "; ".join(problems)))
    return ok


def main() -> int:
    torch.manual_seed(0)
    ok = verify_kernels()
    ok &= verify_models()
    print("all fixtures verified" if ok else "FIXTURE CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
