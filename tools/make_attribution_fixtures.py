#!/usr/bin/env python3
"""Reference attribution scores (AtP, exact patching, EAP, EAP-IG) for the tiny fixture
models: fixtures/attribution/<model>/{pairs.jsonl, reference.json}.

Run once by a developer (CI never runs Python):

    tools/.venv/bin/python tools/make_attribution_fixtures.py

For each of gpt2, neox-parallel, neox-sequential, llama-gqa (fixtures/models/<model>/):

  1. Load the checkpoint with transformers (float32, eager attention).
  2. Rebuild the model as an explicit torch forward from its weights (embedding, norms,
     per-head attention with rotary / GQA, MLP, parallel or sequential residual, final
     norm, unembedding) and assert it reproduces the HF logits (<= 1e-5, float32).
  3. Convert the weights to float64 and compute every score in float64.

The explicit forward is written in the EAP-IG graph's terms: the residual stream is
accumulated as usual, every node's output is a named tensor, and every downstream input
(a{l}.h{h}<q|k|v>, m{l}, logits) is its own copy of the residual stream at that point,
so that d metric / d (input of D) is the gradient through D only.

Graph (EAP-IG naming): nodes `input`, `a{l}.h{h}`, `m{l}`, `logits`.
  input     token embedding (+ learned position embedding for GPT-2)
  a{l}.h{h} z_h @ W_O[:, h*hd:(h+1)*hd]^T   (write into the residual, no output bias)
  m{l}      MLP output including its output bias
The attention output bias belongs to no node (identical in clean and corrupted runs).
Edges U->D for every upstream node U whose output reaches D's input through the residual
stream; parallel residual (NeoX use_parallel_residual) has no a{l}.h*->m{l}. Under GQA
each query head h has its own <k>/<v> input: a per-query-head copy of the residual that
is normed and multiplied by the SHARED key/value projection of kv head h // (H / KV)
(TransformerLens use_split_qkv_input + ungroup_grouped_query_attention, as EAP-IG
requires for GQA models).

Scores, per pair b with metric m_b = logit[answer] - logit[foil] at the last token, all
reported as the mean over pairs (per-pair units; EAP-IG's extra 1/batch is NOT applied):
  atp_nodes[U]       sum_pos (a_U,corr - a_U,clean) . dm/da_U            (clean run)
  exact_nodes[U]     m(clean with a_U <- a_U,corr at all positions) - m(clean)
  eap_edges[U->D]    sum_pos (a_U,corr - a_U,clean) . dm/d(input of D)    (clean run)
  eap_ig_edges[U->D] sum_pos (a_U,corr - a_U,clean) . mean_k dm/d(input of D) in run k
  eap_ig_nodes[U]    sum_pos (a_U,corr - a_U,clean) . mean_k dm/da_U in run k
where run k (k = 0..K-1, K = 5) is the clean-token run with the `input` node's output
set to e_corr + (k/K)(e_clean - e_corr) (EAP-IG "inputs" discretisation, as in
hannamw/EAP-IG get_scores_eap_ig: alpha = k/K, k = 0..K-1; the metric keeps the clean
pair's answer/foil).

Checks (asserted): explicit forward vs HF logits; node identity
atp_nodes[U] == sum_{D} eap_edges[U->D] (and the same for EAP-IG); edge list count vs a
closed formula; every EAP edge score and AtP node score against a central finite
difference of the metric (perturbing only that edge's downstream input copy / that
node's output by eps * delta); exact_nodes[input] == metric(corrupted) - metric(clean).

Works with any Python that has torch + transformers + tokenizers; paths are relative to
the repository root. Deterministic (single thread, float64): re-running reproduces the
committed files byte for byte on the same versions.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "fixtures" / "models"
OUT = ROOT / "fixtures" / "attribution"

MODEL_NAMES = ["gpt2", "neox-parallel", "neox-sequential", "llama-gqa"]
IG_STEPS = 5
FD_EPS = 1e-5          # central finite difference step (float64)
HF_TOL = 1e-5          # explicit float32 forward vs transformers logits
IDENTITY_TOL = 1e-5    # relative
FD_TOL = 1e-7          # relative to the largest |score| of the kind

# Role-cross minimal pairs (the agent of the clean prompt becomes the foil; the other
# role noun is the answer), and one induction pair whose LAST token differs (repeat the
# verb after the agent comes back): without it, edges that only read the last position
# from nodes whose output there is the same in both runs (input->logits, input->m1,
# input->a1.h*<q>, and m0->... under parallel residual) would score exactly 0 in every
# model. Clean and corrupted have equal token counts; the counts differ across pairs
# (4, 5, 6, 7, 8, 9, 10) so a batched implementation must pad.
PAIRS = [
    ("the chef praised the", "the waiter praised the", " waiter", " chef"),
    ("Then the pilot paid the", "Then the farmer paid the", " farmer", " pilot"),
    ("On Monday the king warned the", "On Monday the queen warned the", " queen", " king"),
    ("After lunch, the teacher helped the", "After lunch, the student helped the",
     " student", " teacher"),
    ("Before the show, the baker blamed the", "Before the show, the lawyer blamed the",
     " lawyer", " baker"),
    ("the doctor saw the nurse and the nurse saw the",
     "the nurse saw the doctor and the doctor saw the", " doctor", " nurse"),
    ("Yesterday the pilot paid the farmer and the pilot",
     "Yesterday the pilot paid the farmer and the farmer", " paid", " saw"),
]


# ---------------------------------------------------------------- pairs

def make_pairs(tokenizer_path: Path) -> list[dict]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path))
    out = []
    for clean, corrupted, answer, foil in PAIRS:
        c = tok.encode(clean).ids
        r = tok.encode(corrupted).ids
        assert len(c) == len(r), (clean, corrupted)
        assert sum(x != y for x, y in zip(c, r)) >= 1
        ids = {}
        for word in (answer, foil):
            # a single token t with encode(prompt + word) == encode(prompt) + [t], both prompts
            t = tok.encode(clean + word).ids
            assert t[:-1] == c and len(t) == len(c) + 1, (clean, word)
            assert tok.encode(corrupted + word).ids == r + [t[-1]], (corrupted, word)
            ids[word] = t[-1]
        assert ids[answer] != ids[foil]
        assert tok.decode(c) == clean and tok.decode(r) == corrupted
        out.append({"clean_ids": c, "corrupted_ids": r, "answer_id": ids[answer],
                    "foil_id": ids[foil], "clean": clean, "corrupted": corrupted,
                    "answer": tok.decode([ids[answer]]), "foil": tok.decode([ids[foil]])})
    lengths = [len(p["clean_ids"]) for p in out]
    assert len(set(lengths)) == len(lengths), lengths
    return out


# ---------------------------------------------------------------- weights -> explicit params

def extract_params(model) -> dict:
    """Architecture-neutral parameter dict. Per head: Wq[h] [hd, d], Wk/Wv[g] [hd, d] for
    kv head g, Wo[h] [d, hd] (head h writes z_h @ Wo[h]^T)."""
    cfg = model.config
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    arch = cfg.model_type
    d = cfg.hidden_size
    H = cfg.num_attention_heads
    KV = getattr(cfg, "num_key_value_heads", None) or H
    hd = d // H
    P = {"arch": arch, "H": H, "KV": KV, "hd": hd, "d": d, "layers": []}
    P["W_U"] = model.get_output_embeddings().weight.detach().clone()
    if arch == "gpt2":
        P.update(norm="ln", eps=cfg.layer_norm_epsilon, act="gelu_tanh", parallel=False,
                 rot_dims=0, rope_base=None,
                 W_E=sd["transformer.wte.weight"], W_pos=sd["transformer.wpe.weight"],
                 nf_w=sd["transformer.ln_f.weight"], nf_b=sd["transformer.ln_f.bias"])
        for l in range(cfg.n_layer):
            p = f"transformer.h.{l}."
            W = sd[p + "attn.c_attn.weight"]  # Conv1D [d, 3d]: x @ W, output q | k | v, head-major
            b = sd[p + "attn.c_attn.bias"]
            Wq, Wk, Wv = (W[:, i * d:(i + 1) * d].T.reshape(H, hd, d) for i in range(3))
            bq, bk, bv = (b[i * d:(i + 1) * d].reshape(H, hd) for i in range(3))
            Wo = sd[p + "attn.c_proj.weight"].T  # -> Linear [out=d, in=d]
            P["layers"].append(dict(
                n1_w=sd[p + "ln_1.weight"], n1_b=sd[p + "ln_1.bias"],
                n2_w=sd[p + "ln_2.weight"], n2_b=sd[p + "ln_2.bias"],
                Wq=Wq, bq=bq, Wk=Wk, bk=bk, Wv=Wv, bv=bv,
                Wo=Wo.reshape(d, H, hd).permute(1, 0, 2), bo=sd[p + "attn.c_proj.bias"],
                W_in=sd[p + "mlp.c_fc.weight"].T, b_in=sd[p + "mlp.c_fc.bias"],
                W_out=sd[p + "mlp.c_proj.weight"].T, b_out=sd[p + "mlp.c_proj.bias"]))
    elif arch == "gpt_neox":
        rope = cfg.rope_parameters
        P.update(norm="ln", eps=cfg.layer_norm_eps, act="gelu_erf",
                 parallel=bool(cfg.use_parallel_residual),
                 rot_dims=int(hd * rope.get("partial_rotary_factor", 1.0)),
                 rope_base=float(rope["rope_theta"]),
                 W_E=sd["gpt_neox.embed_in.weight"], W_pos=None,
                 nf_w=sd["gpt_neox.final_layer_norm.weight"], nf_b=sd["gpt_neox.final_layer_norm.bias"])
        for l in range(cfg.num_hidden_layers):
            p = f"gpt_neox.layers.{l}."
            W = sd[p + "attention.query_key_value.weight"].reshape(H, 3, hd, d)  # per head q,k,v
            b = sd[p + "attention.query_key_value.bias"].reshape(H, 3, hd)
            Wo = sd[p + "attention.dense.weight"]
            P["layers"].append(dict(
                n1_w=sd[p + "input_layernorm.weight"], n1_b=sd[p + "input_layernorm.bias"],
                n2_w=sd[p + "post_attention_layernorm.weight"], n2_b=sd[p + "post_attention_layernorm.bias"],
                Wq=W[:, 0], bq=b[:, 0], Wk=W[:, 1], bk=b[:, 1], Wv=W[:, 2], bv=b[:, 2],
                Wo=Wo.reshape(d, H, hd).permute(1, 0, 2), bo=sd[p + "attention.dense.bias"],
                W_in=sd[p + "mlp.dense_h_to_4h.weight"], b_in=sd[p + "mlp.dense_h_to_4h.bias"],
                W_out=sd[p + "mlp.dense_4h_to_h.weight"], b_out=sd[p + "mlp.dense_4h_to_h.bias"]))
    elif arch == "llama":
        rope = cfg.rope_parameters
        assert rope.get("rope_type", "default") == "default"
        assert not cfg.attention_bias and not cfg.mlp_bias
        hd = cfg.head_dim
        P["hd"] = hd
        P.update(norm="rms", eps=cfg.rms_norm_eps, act="swiglu", parallel=False,
                 rot_dims=hd, rope_base=float(rope["rope_theta"]),
                 W_E=sd["model.embed_tokens.weight"], W_pos=None,
                 nf_w=sd["model.norm.weight"], nf_b=None)
        for l in range(cfg.num_hidden_layers):
            p = f"model.layers.{l}."
            Wo = sd[p + "self_attn.o_proj.weight"]
            P["layers"].append(dict(
                n1_w=sd[p + "input_layernorm.weight"], n1_b=None,
                n2_w=sd[p + "post_attention_layernorm.weight"], n2_b=None,
                Wq=sd[p + "self_attn.q_proj.weight"].reshape(H, hd, d), bq=None,
                Wk=sd[p + "self_attn.k_proj.weight"].reshape(KV, hd, d), bk=None,
                Wv=sd[p + "self_attn.v_proj.weight"].reshape(KV, hd, d), bv=None,
                Wo=Wo.reshape(d, H, hd).permute(1, 0, 2), bo=None,
                W_gate=sd[p + "mlp.gate_proj.weight"], W_up=sd[p + "mlp.up_proj.weight"],
                W_down=sd[p + "mlp.down_proj.weight"]))
    else:
        raise ValueError(f"unknown architecture {arch}")
    P["L"] = len(P["layers"])
    return P


def to_dtype(P: dict, dtype) -> dict:
    def conv(v):
        if isinstance(v, torch.Tensor):
            return v.to(dtype)
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v
    return conv(P)


# ---------------------------------------------------------------- explicit forward

def norm(P, x, w, b):
    if P["norm"] == "ln":
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + P["eps"]) * w + b
    if P.get("hf_f32_internals"):  # transformers' LlamaRMSNorm upcasts to float32 only
        xf = x.float()
        return w * (xf * torch.rsqrt((xf * xf).mean(-1, keepdim=True) + P["eps"])).to(x.dtype)
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + P["eps"]) * w


def act(P, h):
    if P["act"] == "gelu_tanh":
        return 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h ** 3)))
    return 0.5 * h * (1.0 + torch.erf(h / math.sqrt(2.0)))


def mlp(P, lw, x):
    if P["act"] == "swiglu":
        g = x @ lw["W_gate"].T
        return (g * torch.sigmoid(g) * (x @ lw["W_up"].T)) @ lw["W_down"].T
    return act(P, x @ lw["W_in"].T + lw["b_in"]) @ lw["W_out"].T + lw["b_out"]


def rope(P, x, cos, sin):
    r = P["rot_dims"]
    if r == 0:
        return x
    xr, xp = x[..., :r], x[..., r:]
    rot = torch.cat([-xr[..., r // 2:], xr[..., :r // 2]], dim=-1)
    return torch.cat([xr * cos + rot * sin, xp], dim=-1)


def rope_tables(P, T, dtype):
    r = P["rot_dims"]
    if r == 0:
        return None, None
    tdt = torch.float32 if P.get("hf_f32_internals") else torch.float64  # transformers: float32
    inv = 1.0 / (P["rope_base"] ** (torch.arange(0, r, 2, dtype=tdt) / r))
    f = torch.arange(T, dtype=tdt)[:, None] * inv[None, :]
    emb = torch.cat([f, f], dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def embed(P, ids):
    e = P["W_E"][ids]
    if P["W_pos"] is not None:
        e = e + P["W_pos"][: len(ids)]
    return e


def forward(P, ids, override=None, perturb=None, input_grad=True):
    """One prompt, no batch. Returns (logits [T, V], node outputs {name: [T, d]},
    downstream inputs {name: [T, d]}). `override[node]` replaces that node's output;
    `perturb[D]` is added to D's own copy of the residual stream."""
    override = override or {}
    perturb = perturb or {}
    T = len(ids)
    dtype = P["W_E"].dtype
    cos, sin = rope_tables(P, T, dtype)
    H, KV, hd = P["H"], P["KV"], P["hd"]
    rep = H // KV
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    nodes, ins = {}, {}

    def node(name, value):
        nodes[name] = override.get(name, value)
        return nodes[name]

    def copy_in(name, resid):
        x = resid.clone()  # this downstream input's own copy of the residual stream
        if name in perturb:
            x = x + perturb[name]
        ins[name] = x
        return x

    e = override["input"] if "input" in override else embed(P, ids)
    if input_grad:
        e = e.detach().clone().requires_grad_(True)  # the leaf the input gradient is taken on
    nodes["input"] = e
    resid = e
    for l, lw in enumerate(P["layers"]):
        writes = []
        for h in range(H):
            g = h // rep  # kv head shared by query head h (HF repeat_kv order)
            xq = norm(P, copy_in(f"a{l}.h{h}<q>", resid), lw["n1_w"], lw["n1_b"])
            xk = norm(P, copy_in(f"a{l}.h{h}<k>", resid), lw["n1_w"], lw["n1_b"])
            xv = norm(P, copy_in(f"a{l}.h{h}<v>", resid), lw["n1_w"], lw["n1_b"])
            q = xq @ lw["Wq"][h].T
            k = xk @ lw["Wk"][g].T
            v = xv @ lw["Wv"][g].T
            if lw["bq"] is not None:
                q, k, v = q + lw["bq"][h], k + lw["bk"][g], v + lw["bv"][g]
            q, k = rope(P, q, cos, sin), rope(P, k, cos, sin)
            s = (q @ k.T) / math.sqrt(hd)
            s = s.masked_fill(~causal, float("-inf"))
            if P.get("hf_f32_internals"):  # transformers' eager attention: softmax in float32
                z = torch.softmax(s.float(), dim=-1).to(s.dtype) @ v
            else:
                z = torch.softmax(s, dim=-1) @ v
            writes.append(node(f"a{l}.h{h}", z @ lw["Wo"][h].T))
        attn = sum(writes)
        if lw["bo"] is not None:
            attn = attn + lw["bo"]  # part of no node
        if P["parallel"]:
            m = node(f"m{l}", mlp(P, lw, norm(P, copy_in(f"m{l}", resid), lw["n2_w"], lw["n2_b"])))
            resid = resid + attn + m
        else:
            resid = resid + attn
            m = node(f"m{l}", mlp(P, lw, norm(P, copy_in(f"m{l}", resid), lw["n2_w"], lw["n2_b"])))
            resid = resid + m
    x = norm(P, copy_in("logits", resid), P["nf_w"], P["nf_b"])
    return x @ P["W_U"].T, nodes, ins


def metric(logits, pair):
    return logits[-1, pair["answer_id"]] - logits[-1, pair["foil_id"]]


# ---------------------------------------------------------------- graph

def graph(P) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Nodes (without logits), edges (U, D-input), downstream input names — from the
    architecture, independently of the forward."""
    L, H = P["L"], P["H"]
    nodes = ["input"]
    edges, inputs = [], []
    for l in range(L):
        for h in range(H):
            for c in "qkv":
                D = f"a{l}.h{h}<{c}>"
                inputs.append(D)
                edges += [(U, D) for U in nodes]  # input + all of layers < l
        heads = [f"a{l}.h{h}" for h in range(H)]
        inputs.append(f"m{l}")
        up = nodes if P["parallel"] else nodes + heads
        edges += [(U, f"m{l}") for U in up]
        nodes = nodes + heads + [f"m{l}"]
    inputs.append("logits")
    edges += [(U, "logits") for U in nodes]
    return nodes, edges, inputs


def edge_count_formula(L, H, parallel):
    """EAP-IG edge count: heads 3H * sum_l (1 + l(H+1)); MLPs sum_l (1 + l(H+1) + [seq] H);
    logits 1 + L(H+1). (GPT-2 small, L = H = 12: 31320 + 1014 + 157 = 32491.)"""
    tri = L + (H + 1) * L * (L - 1) // 2
    return 3 * H * tri + tri + (0 if parallel else L * H) + 1 + L * (H + 1)


def edge_name(U, D):
    return f"{U}->{D}"


# ---------------------------------------------------------------- scores

def grads(m, nodes, ins):
    keys_n, keys_i = list(nodes), list(ins)
    g = torch.autograd.grad(m, [nodes[k] for k in keys_n] + [ins[k] for k in keys_i])
    return dict(zip(keys_n, g[:len(keys_n)])), dict(zip(keys_i, g[len(keys_n):]))


def score_model(P, pairs, finite_differences=True):
    node_names, edges, inputs = graph(P)
    n = len(pairs)
    acc = {k: {} for k in ("atp", "exact", "eap", "ig_e", "ig_n")}
    m_clean, m_corr = [], []
    fd_dev = {"atp_nodes": 0.0, "eap_edges": 0.0}
    fd_scale = {"atp_nodes": 0.0, "eap_edges": 0.0}

    def add(d, k, v):
        d[k] = d.get(k, 0.0) + v / n

    for pair in pairs:
        ids_c, ids_r = pair["clean_ids"], pair["corrupted_ids"]
        logits, a_c, in_c = forward(P, ids_c)
        assert list(a_c) == node_names and list(in_c) == inputs
        mc = metric(logits, pair)
        g_n, g_i = grads(mc, a_c, in_c)
        with torch.no_grad():
            logits_r, a_r, _ = forward(P, ids_r, input_grad=False)
            mr = metric(logits_r, pair)
        m_clean.append(mc.item())
        m_corr.append(mr.item())
        delta = {U: (a_r[U] - a_c[U]).detach() for U in node_names}
        per_pair_atp = {U: (delta[U] * g_n[U]).sum().item() for U in node_names}
        per_pair_eap = {(U, D): (delta[U] * g_i[D]).sum().item() for U, D in edges}
        for U in node_names:
            add(acc["atp"], U, per_pair_atp[U])
        for e in edges:
            add(acc["eap"], edge_name(*e), per_pair_eap[e])

        with torch.no_grad():
            for U in node_names:
                lp, _, _ = forward(P, ids_c, override={U: a_r[U].detach()}, input_grad=False)
                add(acc["exact"], U, (metric(lp, pair) - mc).item())
            # Central finite differences: first-order effect of patching one edge / node.
            def fd(override=None, perturb=None):
                lp, _, _ = forward(P, ids_c, override=override, perturb=perturb, input_grad=False)
                return metric(lp, pair).item()
            for U in (node_names if finite_differences else []):
                base = a_c[U].detach()
                up = fd(override={U: base + FD_EPS * delta[U]})
                dn = fd(override={U: base - FD_EPS * delta[U]})
                est = (up - dn) / (2 * FD_EPS)
                fd_dev["atp_nodes"] = max(fd_dev["atp_nodes"], abs(est - per_pair_atp[U]))
                fd_scale["atp_nodes"] = max(fd_scale["atp_nodes"], abs(per_pair_atp[U]))
            for U, D in (edges if finite_differences else []):
                up = fd(perturb={D: FD_EPS * delta[U]})
                dn = fd(perturb={D: -FD_EPS * delta[U]})
                est = (up - dn) / (2 * FD_EPS)
                fd_dev["eap_edges"] = max(fd_dev["eap_edges"], abs(est - per_pair_eap[(U, D)]))
                fd_scale["eap_edges"] = max(fd_scale["eap_edges"], abs(per_pair_eap[(U, D)]))

        # EAP-IG ("inputs"): interpolate the input node's output, K runs on the clean tokens.
        e_c, e_r = a_c["input"].detach(), a_r["input"].detach()
        gi_n = {U: 0.0 for U in node_names}
        gi_i = {D: 0.0 for D in inputs}
        for k in range(IG_STEPS):
            e_k = e_r + (k / IG_STEPS) * (e_c - e_r)
            lk, a_k, in_k = forward(P, ids_c, override={"input": e_k})
            gk_n, gk_i = grads(metric(lk, pair), a_k, in_k)
            for U in node_names:
                gi_n[U] = gi_n[U] + gk_n[U] / IG_STEPS
            for D in inputs:
                gi_i[D] = gi_i[D] + gk_i[D] / IG_STEPS
        for U in node_names:
            add(acc["ig_n"], U, (delta[U] * gi_n[U]).sum().item())
        for U, D in edges:
            add(acc["ig_e"], edge_name(U, D), (delta[U] * gi_i[D]).sum().item())

    mean_c, mean_r = sum(m_clean) / n, sum(m_corr) / n
    fd_rel = {k: fd_dev[k] / fd_scale[k] if finite_differences else None for k in fd_dev}
    return dict(node_names=node_names, edges=edges, inputs=inputs, m_clean=m_clean,
                m_corr=m_corr, mean_clean=mean_c, mean_corr=mean_r, fd_rel=fd_rel, **acc)


def identity_deviation(node_scores, edge_scores, edges):
    """max over nodes |node score - sum of its outgoing edge scores|, absolute and relative
    to max(|node score|, 1e-3 * max |node score|)."""
    out = {}
    for U, D in edges:
        out[U] = out.get(U, 0.0) + edge_scores[edge_name(U, D)]
    big = max(abs(v) for v in node_scores.values())
    dev_abs = max(abs(node_scores[U] - out[U]) for U in node_scores)
    dev_rel = max(abs(node_scores[U] - out[U]) / max(abs(node_scores[U]), 1e-3 * big)
                  for U in node_scores)
    return dev_abs, dev_rel


def rankdata(x):
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and x[order[j + 1]] == x[order[i]]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(a, b):
    ra, rb = rankdata(a), rankdata(b)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / math.sqrt((ra * ra).sum() * (rb * rb).sum()))


# ---------------------------------------------------------------- main

def check_hf(model, P32, P64, pairs):
    """Explicit float32 forward vs transformers float32 logits (all positions, all prompts,
    <= 1e-5). Then the float64 forward vs transformers run in float64: transformers keeps
    the eager softmax (NeoX, Llama), LlamaRMSNorm and the rotary tables in float32 even in
    a float64 model, so the comparison is made with the same three float32 steps emulated
    (hf_f32_internals) and must agree to 1e-12; the pure float64 forward that makes the
    reference differs from it by the float32 rounding of those steps (reported)."""
    import copy

    dev32 = 0.0
    dev64 = 0.0
    dev64_pure = 0.0
    m64 = copy.deepcopy(model).double()
    # (GPT-2's eager attention keeps the model dtype: nothing to emulate there)
    P64e = dict(P64, hf_f32_internals=P64["arch"] != "gpt2")
    with torch.no_grad():
        for pair in pairs:
            for ids in (pair["clean_ids"], pair["corrupted_ids"]):
                ref = model(torch.tensor([ids])).logits[0]
                mine, _, _ = forward(P32, ids, input_grad=False)
                dev32 = max(dev32, (ref - mine).abs().max().item())
                ref64 = m64(torch.tensor([ids])).logits[0]
                mine64, _, _ = forward(P64e, ids, input_grad=False)
                dev64 = max(dev64, (ref64 - mine64).abs().max().item())
                pure64, _, _ = forward(P64, ids, input_grad=False)
                dev64_pure = max(dev64_pure, (ref64 - pure64).abs().max().item())
    assert dev32 <= HF_TOL, f"explicit forward differs from transformers by {dev32}"
    assert dev64 <= 1e-12, f"float64 forward differs from transformers (float64) by {dev64}"
    return dev32, dev64, dev64_pure


def main() -> None:
    import tokenizers
    import transformers
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"tokenizers {tokenizers.__version__}")
    for name in MODEL_NAMES:
        folder = MODELS / name
        pairs = make_pairs(folder / "tokenizer.json")
        out = OUT / name
        out.mkdir(parents=True, exist_ok=True)
        pairs_text = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs)
        (out / "pairs.jsonl").write_text(pairs_text, encoding="utf-8")

        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                                     attn_implementation="eager")
        model.eval()
        P32 = extract_params(model)
        P64 = to_dtype(P32, torch.float64)
        dev32, dev64, dev64_pure = check_hf(model, P32, P64, pairs)

        node_names, edges, inputs = graph(P64)
        n_formula = edge_count_formula(P64["L"], P64["H"], P64["parallel"])
        assert len(edges) == n_formula, (len(edges), n_formula)
        assert len(set(edges)) == len(edges)

        r = score_model(P64, pairs)
        assert abs(r["exact"]["input"] - (r["mean_corr"] - r["mean_clean"])) < 1e-12
        id_abs, id_rel = identity_deviation(r["atp"], r["eap"], edges)
        ig_abs, ig_rel = identity_deviation(r["ig_n"], r["ig_e"], edges)
        assert id_rel <= IDENTITY_TOL and ig_rel <= IDENTITY_TOL, (id_rel, ig_rel)
        assert max(r["fd_rel"].values()) <= FD_TOL, r["fd_rel"]
        # The same computation in float32 (same explicit forward): how far a correct float32
        # implementation can be expected to land from this float64 reference.
        r32 = score_model(P32, pairs, finite_differences=False)
        dev_f32 = {"metrics": max(abs(r32["mean_clean"] - r["mean_clean"]),
                                  abs(r32["mean_corr"] - r["mean_corr"]))}
        for k, name_ in (("atp", "atp_nodes"), ("exact", "exact_nodes"), ("eap", "eap_edges"),
                         ("ig_e", "eap_ig_edges"), ("ig_n", "eap_ig_nodes")):
            dev_f32[name_] = max(abs(r32[k][x] - r[k][x]) for x in r[k])
        col = {k: [r[k][U] for U in node_names] for k in ("atp", "exact", "ig_n")}
        rho = spearman(col["atp"], col["exact"])
        rho_more = {
            "atp_exact_abs": spearman(np.abs(col["atp"]), np.abs(col["exact"])),
            "eap_ig_nodes_exact": spearman(col["ig_n"], col["exact"]),
            "eap_ig_nodes_exact_abs": spearman(np.abs(col["ig_n"]), np.abs(col["exact"])),
        }

        ref = {
            "meta": {
                "model": name, "architecture": model.config.architectures[0],
                "transformers": transformers.__version__, "torch": torch.__version__,
                "tokenizers": tokenizers.__version__,
                "metric": "logit_diff", "ig_steps": IG_STEPS,
                "ig_alphas": [k / IG_STEPS for k in range(IG_STEPS)],
                "score_units": "per pair (mean over pairs)",
                "sign": "noising: sum_pos (a_corrupted - a_clean) . grad, gradient on the clean run "
                        "(EAP-IG: averaged over the interpolation runs)",
                "dtype": "float64",
                "dtype_note": "weights loaded as float32 from the checkpoint, checked against "
                              "transformers (float32), then converted to float64; every score is "
                              "computed in float64 by an explicit forward (rotary tables in float64)",
                "parallel_residual": P64["parallel"],
                "n_heads": P64["H"], "n_kv_heads": P64["KV"], "n_layers": P64["L"],
                "gqa_edges": "each query head h has its own <k>/<v> input: a per-query-head copy of "
                             "the residual stream, normed and projected by the shared kv head "
                             "h // (n_heads / n_kv_heads)",
                "bos_prepended": False,
                "pairs_file": "pairs.jsonl",
                "pairs_sha256": hashlib.sha256(pairs_text.encode("utf-8")).hexdigest(),
                "n_pairs": len(pairs),
                "n_nodes": len(node_names) + 1, "n_edges": len(edges),
                "edge_count_formula": "3H*T + T + (parallel ? 0 : L*H) + 1 + L*(H+1), "
                                      "T = L + (H+1)*L*(L-1)/2",
                "checks": {
                    "max_abs_logit_diff_vs_transformers_float32": dev32,
                    "max_abs_logit_diff_vs_transformers_float64_with_its_float32_steps": dev64,
                    "max_abs_logit_diff_vs_transformers_float64": dev64_pure,
                    "identity_atp_vs_eap_edge_sums": {"max_abs": id_abs, "max_rel": id_rel},
                    "identity_eap_ig_nodes_vs_edge_sums": {"max_abs": ig_abs, "max_rel": ig_rel},
                    "finite_difference_max_rel": r["fd_rel"],
                    "float32_same_forward_max_abs_dev": dev_f32,
                },
            },
            "metrics": {"clean": r["mean_clean"], "corrupted": r["mean_corr"]},
            "per_pair_metrics": {"clean": r["m_clean"], "corrupted": r["m_corr"]},
            "atp_nodes": {U: r["atp"][U] for U in node_names},
            "exact_nodes": {U: r["exact"][U] for U in node_names},
            "eap_edges": {edge_name(U, D): r["eap"][edge_name(U, D)] for U, D in edges},
            "eap_ig_edges": {edge_name(U, D): r["ig_e"][edge_name(U, D)] for U, D in edges},
            "eap_ig_nodes": {U: r["ig_n"][U] for U in node_names},
            "spearman_atp_exact": rho,
            "spearman_more": rho_more,
        }
        text = json.dumps(ref, indent=1) + "\n"
        (out / "reference.json").write_text(text)
        print(f"{name}: pairs {len(pairs)} (lengths {[len(p['clean_ids']) for p in pairs]}), "
              f"nodes {len(node_names) + 1}, edges {len(edges)} (formula {n_formula}), "
              f"HF diff {dev32:.1e} (f32) {dev64:.1e} (f64, HF's f32 steps emulated) "
              f"{dev64_pure:.1e} (pure f64 vs HF f64)")
        print(f"  metric clean {r['mean_clean']:.6f} corrupted {r['mean_corr']:.6f}; "
              f"spearman(atp, exact) {rho:.4f}; |atp| vs |exact| "
              f"{rho_more['atp_exact_abs']:.4f}; eap-ig nodes vs exact {rho_more['eap_ig_nodes_exact']:.4f} "
              f"(abs {rho_more['eap_ig_nodes_exact_abs']:.4f})")
        print(f"  identity atp vs sum eap: abs {id_abs:.1e} rel {id_rel:.1e}; "
              f"eap-ig: abs {ig_abs:.1e} rel {ig_rel:.1e}; finite diff rel "
              f"{r['fd_rel']['atp_nodes']:.1e} (nodes) {r['fd_rel']['eap_edges']:.1e} (edges); "
              f"{len(text) / 1024:.0f} KB")
        print(f"  float32 run of the same forward, max abs dev: "
              + ", ".join(f"{k} {v:.1e}" for k, v in dev_f32.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
