#!/usr/bin/env python3
"""PyTorch baseline benchmarks, to compare circuitry's own benchmarks against.

Run once by a developer (CI never runs Python):

    tools/setup-venv.sh && tools/.venv/bin/python tools/bench_torch.py all --threads 2

Subcommands: sgemm | forward | kernels | eap | all. Every measurement prints one JSON
line with the median wall-clock milliseconds over --runs timed runs (at least
10) after --warmup untimed runs, with torch.set_num_threads(--threads). CPU only,
float32; forward-only work runs under torch.inference_mode().

  sgemm    torch.matmul of [M,K] @ [K,N] for (M,K,N) = (768,3072,768) and
           (256,2304,768); GFLOP/s = 2*M*K*N / time.
  forward  GPT2LMHeadModel, GPT-2-small config (12 layers, n_embd 768, 12 heads,
           vocab 50257, n_positions 1024), random init, batch 16 x 32 tokens,
           full logits [16, 32, 50257]; default attention implementation (sdpa).
  kernels  layernorm [512, 768], gelu (tanh, GPT-2's gelu_new) [512, 3072],
           softmax over the last axis of [16, 12, 32, 32]; forward alone and
           forward + backward (activation gradient only: no weight gradients,
           as in attribution). GB/s = bytes / time with the byte counts of
           `kernel_bytes` below (minimum traffic: each tensor read or written
           once, float32 = 4 bytes; saved statistics such as layer norm's
           mean / rstd are not counted). The Swift benchmarks use the same
           formulas so the figures compare directly.
  eap      attribution patching on the same GPT-2-small shape (random init, seed 0): 16
           minimal pairs x 32 tokens (random clean ids; corrupted = clean with position
           10 replaced; random answer / foil ids, as circuitry-bench's gpt2SmallPairs),
           metric logit difference at the last token, float32, activation gradients only
           (no parameter requires grad). Variants (--variants), each the median of
           --eap-runs runs after --eap-warmup:
             forward           transformers GPT2Model, no unembedding (x_forward = 1)
             forward-explicit  this file's explicit forward + the metric
             atp               node attribution patching (clean fwd+bwd, corrupted fwd)
             eap               edge attribution patching, EAP-IG's graph (32491 edges):
                               per-head q/k/v input copies (TransformerLens
                               use_split_qkv_input), one [sources x B*T*d] x
                               [B*T*d x destinations] product
             eap-ig            EAP-IG "inputs", 5 steps
             tl-eap, tl-eap-ig (opt-in, need transformer_lens 3.x) hannamw/EAP-IG's own
                               scheme with TransformerLens hooks
           Before timing it checks itself: the float32 scores of every method on
           fixtures/models/gpt2 against fixtures/attribution/gpt2/reference.json (made
           by make_attribution_fixtures.py), and on the GPT-2-small shape the metric
           against transformers and AtP nodes == sums of EAP edges (--skip-check skips).
           Each line also has peak_rss_mib (ru_maxrss of the process so far).

Works with any Python that has torch + transformers (e.g. tools/.venv/bin/python).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import torch
import torch.nn.functional as F

F32 = 4  # bytes per float32

SGEMM_SHAPES = [(768, 3072, 768), (256, 2304, 768)]
BATCH, SEQ = 16, 32
D_MODEL, D_MLP, N_HEADS = 768, 3072, 12


def kernel_bytes(kernel: str, shape: tuple[int, ...], direction: str) -> int:
    """Bytes read + written, the formula shared with the Swift benchmarks.

    n = number of elements of the activation; for layernorm, shape = [rows, d].
      layernorm forward : read x (n) + weight, bias (2d)  + write y (n)   = (2n + 2d) * 4
      layernorm backward: read x, dy (2n) + weight (d)    + write dx (n)  = (3n + d) * 4
      gelu      forward : read x (n)                      + write y (n)   = 2n * 4
      gelu      backward: read x, dy (2n)                 + write dx (n)  = 3n * 4
      softmax   forward : read x (n)                      + write y (n)   = 2n * 4
      softmax   backward: read y, dy (2n)                 + write dx (n)  = 3n * 4
    "fwd+bwd" is the sum of the two.
    """
    n = 1
    for s in shape:
        n *= s
    d = shape[-1]
    table = {
        ("layernorm", "fwd"): 2 * n + 2 * d,
        ("layernorm", "bwd"): 3 * n + d,
        ("gelu", "fwd"): 2 * n,
        ("gelu", "bwd"): 3 * n,
        ("softmax", "fwd"): 2 * n,
        ("softmax", "bwd"): 3 * n,
    }
    if direction == "fwd+bwd":
        return (table[(kernel, "fwd")] + table[(kernel, "bwd")]) * F32
    return table[(kernel, direction)] * F32


def timeit(fn, warmup: int, runs: int) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "runs": runs}


def emit(record: dict, args) -> None:
    record = {"bench": record.pop("bench"), **record, "threads": args.threads,
              "torch": torch.__version__, "machine": platform.machine()}
    for k, v in list(record.items()):
        if isinstance(v, float):
            record[k] = round(v, 4)
    print(json.dumps(record), flush=True)


def bench_sgemm(args) -> None:
    g = torch.Generator().manual_seed(0)
    for M, K, N in SGEMM_SHAPES:
        a = torch.randn(M, K, generator=g)
        b = torch.randn(K, N, generator=g)
        out = torch.empty(M, N)
        with torch.inference_mode():
            r = timeit(lambda: torch.matmul(a, b, out=out), args.warmup, args.runs)
        gflop = 2 * M * K * N / 1e9
        emit({"bench": "sgemm", "shape_mkn": [M, K, N], **r,
              "gflops": gflop / (r["median_ms"] / 1e3)}, args)


def bench_forward(args) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(n_layer=12, n_embd=D_MODEL, n_head=N_HEADS, vocab_size=50257, n_positions=1024)
    model = GPT2LMHeadModel(config).eval()
    ids = torch.randint(0, config.vocab_size, (BATCH, SEQ), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        def run():
            logits = model(ids).logits
            assert logits.shape == (BATCH, SEQ, config.vocab_size)
        r = timeit(run, args.warmup, max(args.runs, 10))
    n_params = sum(p.numel() for p in model.parameters())
    # matmul FLOPs: 2 * tokens * (non-embedding weights + unembedding) + attention scores / mixing
    tokens = BATCH * SEQ
    body = 12 * (4 * D_MODEL * D_MODEL + 2 * D_MODEL * D_MLP)
    attn = 12 * 2 * 2 * BATCH * SEQ * SEQ * D_MODEL
    gflop = (2 * tokens * (body + D_MODEL * config.vocab_size) + attn) / 1e9
    emit({"bench": "forward", "model": "gpt2-small (random init)", "batch": BATCH, "seq": SEQ,
          "attn_implementation": model.config._attn_implementation, "params": n_params, **r,
          "gflop": gflop, "gflops": gflop / (r["median_ms"] / 1e3)}, args)


def bench_kernels(args) -> None:
    g = torch.Generator().manual_seed(0)
    cases = {
        "layernorm": (BATCH * SEQ, D_MODEL),
        "gelu": (BATCH * SEQ, D_MLP),
        "softmax": (BATCH, N_HEADS, SEQ, SEQ),
    }
    for kernel, shape in cases.items():
        x0 = torch.randn(shape, generator=g)
        dy = torch.randn(shape, generator=g)
        d = shape[-1]
        weight = 1.0 + 0.1 * torch.randn(d, generator=g)   # no requires_grad: activation grads only
        bias = 0.1 * torch.randn(d, generator=g)
        if kernel == "layernorm":
            def f(x):
                return F.layer_norm(x, (d,), weight, bias, 1e-5)
        elif kernel == "gelu":
            def f(x):
                return F.gelu(x, approximate="tanh")
        else:
            def f(x):
                return torch.softmax(x, dim=-1)

        with torch.inference_mode():
            fwd = timeit(lambda: f(x0), args.warmup, args.kernel_runs)
        x = x0.clone().requires_grad_(True)

        def fwd_bwd():
            y = f(x)
            (dx,) = torch.autograd.grad(y, x, dy)
            return dx
        both = timeit(fwd_bwd, args.warmup, args.kernel_runs)

        fb, bb = kernel_bytes(kernel, shape, "fwd"), kernel_bytes(kernel, shape, "fwd+bwd")
        emit({"bench": kernel, "shape": list(shape),
              "fwd_median_ms": fwd["median_ms"], "fwd_bytes": fb,
              "fwd_gbps": fb / (fwd["median_ms"] / 1e3) / 1e9,
              "fwd_bwd_median_ms": both["median_ms"], "fwd_bwd_bytes": bb,
              "fwd_bwd_gbps": bb / (both["median_ms"] / 1e3) / 1e9,
              "runs": args.kernel_runs}, args)


# ---------------------------------------------------------------- attribution (AtP / EAP / EAP-IG)

EAP_PAIRS, EAP_CHANGED_POSITION, IG_STEPS = 16, 10, 5


class GPT2Weights:
    """A GPT2LMHeadModel's weights in the layouts the explicit forward below uses (float32,
    no autograd on any of them: attribution needs activation gradients only).

    Per layer: `W_attn` [d, 3d] / `b_attn` (the fused c_attn, q | k | v head-major) for the
    ordinary forward; `W_heads` [3H, d, hd] / `b_heads` [3H, 1, hd] (row r = role r // H of
    head r % H) for the split-input forward; `W_O` [d, d] (c_proj, z_merged @ W_O) and its
    per-head blocks `W_O_heads` [H, hd, d]."""

    def __init__(self, model):
        cfg = model.config
        t = model.transformer
        d, H = cfg.n_embd, cfg.n_head
        hd = d // H
        self.d, self.H, self.hd, self.L, self.eps = d, H, hd, cfg.n_layer, cfg.layer_norm_epsilon
        det = lambda p: p.detach()  # noqa: E731
        self.wte, self.wpe = det(t.wte.weight), det(t.wpe.weight)
        self.lnf_w, self.lnf_b = det(t.ln_f.weight), det(t.ln_f.bias)
        self.layers = []
        for block in t.h:
            W = det(block.attn.c_attn.weight)  # Conv1D [d, 3d]
            b = det(block.attn.c_attn.bias)
            W_O = det(block.attn.c_proj.weight)  # [H*hd, d]
            self.layers.append(dict(
                ln1_w=det(block.ln_1.weight), ln1_b=det(block.ln_1.bias),
                W_attn=W, b_attn=b,
                W_heads=W.view(d, 3 * H, hd).permute(1, 0, 2).contiguous(),
                b_heads=b.view(3 * H, 1, hd).contiguous(),
                W_O=W_O, b_O=det(block.attn.c_proj.bias),
                W_O_heads=W_O.view(H, hd, d),
                ln2_w=det(block.ln_2.weight), ln2_b=det(block.ln_2.bias),
                W_fc=det(block.mlp.c_fc.weight), b_fc=det(block.mlp.c_fc.bias),
                W_proj=det(block.mlp.c_proj.weight), b_proj=det(block.mlp.c_proj.bias)))

    @property
    def n_sources(self) -> int:          # input, then per layer H heads and the MLP
        return 1 + self.L * (self.H + 1)

    @property
    def n_destinations(self) -> int:     # per layer 3H head inputs (q | k | v) and the MLP, then logits
        return self.L * (3 * self.H + 1) + 1


def gpt2_run(W: GPT2Weights, ids, last, answers, foils, *, split=False, embed=None):
    """Explicit GPT-2 forward over a batch `ids` [B, T] (right-padded; `last` [B] = each
    prompt's last real position) up to the logit difference m_b = (W_U[answer_b] -
    W_U[foil_b]) . ln_f(resid[b, last_b]) — two unembedding rows, not the full logits.

    Returns (m [B], cache). cache["embed"] [B, T, d] (hook_embed + hook_pos_embed), "z"[l]
    [B, H, T, hd] (hook_z), "mlp_out"[l] [B, T, d]; with `split`, also each layer's
    per-head input copies "qkv_in"[l] [3H, B, T, d] (TransformerLens use_split_qkv_input:
    the residual stream broadcast to one copy per head and role, ln_1 applied to each copy,
    each head projecting its own copy), "mlp_in"[l] [B, T, d] (an alias of resid_mid
    consumed only by ln_2, so its gradient is the MLP path's alone) and "resid_final".
    `embed` replaces the input node's output (EAP-IG's interpolation)."""
    B, T = ids.shape
    d, H, hd, eps = W.d, W.H, W.hd, W.eps
    e = embed if embed is not None else W.wte[ids] + W.wpe[:T]
    if torch.is_grad_enabled() and not e.requires_grad:
        e = e.detach().requires_grad_(True)
    cache = {"embed": e, "z": [], "mlp_out": [], "qkv_in": [], "mlp_in": []}
    resid = e
    for lw in W.layers:
        if split:
            copies = resid.unsqueeze(0).expand(3 * H, B, T, d)
            x = F.layer_norm(copies, (d,), lw["ln1_w"], lw["ln1_b"], eps)
            qkv = torch.baddbmm(lw["b_heads"], x.view(3 * H, B * T, d), lw["W_heads"])
            q, k, v = qkv.view(3, H, B, T, hd).transpose(1, 2).unbind(0)         # [B, H, T, hd]
            cache["qkv_in"].append(copies)
        else:
            x = F.layer_norm(resid, (d,), lw["ln1_w"], lw["ln1_b"], eps)
            qkv = torch.addmm(lw["b_attn"], x.view(B * T, d), lw["W_attn"])
            q, k, v = qkv.view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4).unbind(0)  # [B, H, T, hd]
        z = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        cache["z"].append(z)
        attn = torch.addmm(lw["b_O"], z.transpose(1, 2).reshape(B * T, d), lw["W_O"])
        resid = resid + attn.view(B, T, d)
        mlp_in = resid.view_as(resid) if split else resid
        cache["mlp_in"].append(mlp_in)
        h = F.layer_norm(mlp_in, (d,), lw["ln2_w"], lw["ln2_b"], eps).view(B * T, d)
        h = F.gelu(torch.addmm(lw["b_fc"], h, lw["W_fc"]), approximate="tanh")
        mlp_out = torch.addmm(lw["b_proj"], h, lw["W_proj"]).view(B, T, d)
        cache["mlp_out"].append(mlp_out)
        resid = resid + mlp_out
    cache["resid_final"] = resid
    final = F.layer_norm(resid[torch.arange(B), last], (d,), W.lnf_w, W.lnf_b, eps)
    m = (final * (W.wte[answers] - W.wte[foils])).sum(-1)
    return m, cache


def source_differences(W: GPT2Weights, corrupted: dict, clean: dict) -> torch.Tensor:
    """Δa = a(corrupted) - a(clean) of every graph source as one [sources, B*T*d] matrix:
    the input, each head's write z_h @ W_O[h] (no output bias), each MLP's output."""
    e = clean["embed"]
    B, T, d = e.shape
    H, hd, n = W.H, W.hd, e.numel()
    diff = torch.empty(W.n_sources, n)
    torch.sub(corrupted["embed"], e, out=diff[0].view(B, T, d))
    row = 1
    for l, lw in enumerate(W.layers):
        dz = (corrupted["z"][l] - clean["z"][l]).transpose(0, 1).reshape(H, B * T, hd)
        torch.bmm(dz, lw["W_O_heads"], out=diff[row:row + H].view(H, B * T, d))
        torch.sub(corrupted["mlp_out"][l], clean["mlp_out"][l], out=diff[row + H].view(B, T, d))
        row += H + 1
    return diff


def input_gradients(m, cache) -> list:
    """One backward of the summed metric: the gradients at every destination's input, in
    destination order (per layer the [3H, B, T, d] head input copies and the MLP input,
    then the logits' input)."""
    targets = []
    for l in range(len(cache["qkv_in"])):
        targets += [cache["qkv_in"][l], cache["mlp_in"][l]]
    targets.append(cache["resid_final"])
    return list(torch.autograd.grad(m.sum(), targets))


def edge_product(diff: torch.Tensor, grads: list) -> torch.Tensor:
    """The edge scores' one product Δa [sources, N] x G [N, destinations] (N = B*T*d), as
    [destinations, sources], computed block by block into one output (the gradient blocks
    are used in place, not concatenated; every source against every destination, the
    entries that are no edge are masked afterwards)."""
    n = diff.shape[1]
    rows = sum(g.numel() // n for g in grads)
    out = torch.empty(rows, diff.shape[0])
    r = 0
    for g in grads:
        g = g.view(-1, n)
        torch.matmul(g, diff.t(), out=out[r:r + g.shape[0]])
        r += g.shape[0]
    return out


def edge_mask(W: GPT2Weights) -> torch.Tensor:
    """[destinations, sources]: True where the source's output is summed into the input."""
    L, H = W.L, W.H
    mask = torch.zeros(W.n_destinations, W.n_sources, dtype=torch.bool)
    r = 0
    for l in range(L):
        upstream = 1 + l * (H + 1)
        mask[r:r + 3 * H, :upstream] = True          # heads of layer l: input + layers < l
        mask[r + 3 * H, :upstream + H] = True         # MLP l: + the heads of layer l (sequential)
        r += 3 * H + 1
    mask[r, :] = True                                 # logits: every node
    return mask


def attribution(W: GPT2Weights, clean_ids, corrupted_ids, last, answers, foils, method: str,
                ig_steps: int = IG_STEPS) -> dict:
    """Scores per pair (mean over pairs), DESIGN.md's sign (corrupted - clean) x gradient on
    the clean run. atp: node scores [sources]; eap / eap-ig: edge scores [destinations,
    sources] (zero where no edge)."""
    B = clean_ids.shape[0]
    if method == "atp":
        m, clean = gpt2_run(W, clean_ids, last, answers, foils)
        targets = [clean["embed"]] + clean["z"] + clean["mlp_out"]
        g = torch.autograd.grad(m.sum(), targets)
        with torch.inference_mode():
            _, corr = gpt2_run(W, corrupted_ids, last, answers, foils)
            L = W.L
            g_e, g_z, g_m = g[0], g[1:1 + L], g[1 + L:]
            scores = [((corr["embed"] - clean["embed"].detach()) * g_e).sum().reshape(1)]
            for l in range(L):
                dz = corr["z"][l] - clean["z"][l].detach()
                scores.append((dz * g_z[l]).sum((0, 2, 3)))
                scores.append(((corr["mlp_out"][l] - clean["mlp_out"][l].detach()) * g_m[l]).sum().reshape(1))
            return {"nodes": torch.cat(scores) / B, "metric": m.detach()}
    if method == "eap":
        m, clean = gpt2_run(W, clean_ids, last, answers, foils, split=True)
        grads = input_gradients(m, clean)
        with torch.inference_mode():
            _, corr = gpt2_run(W, corrupted_ids, last, answers, foils)
            diff = source_differences(W, corr, {k: _detach(v) for k, v in clean.items()})
            edges = edge_product(diff, grads).mul_(edge_mask(W)).div_(B)
        return {"edges": edges, "metric": m.detach()}
    if method == "eap-ig":
        with torch.inference_mode():
            m, clean = gpt2_run(W, clean_ids, last, answers, foils)
            _, corr = gpt2_run(W, corrupted_ids, last, answers, foils)
            diff = source_differences(W, corr, clean)
            e_clean, e_corr = clean["embed"].clone(), corr["embed"].clone()
            del clean, corr
        # the input gradients summed over the steps, one [destinations, B*T*d] matrix
        n = diff.shape[1]
        total = torch.empty(W.n_destinations, n)
        for k in range(ig_steps):
            # corrupted + (k/K)(clean - corrupted), k = 0..K-1 (EAP-IG's discretisation)
            embed = torch.lerp(e_corr, e_clean, k / ig_steps)
            mk, run = gpt2_run(W, clean_ids, last, answers, foils, split=True, embed=embed)
            grads = input_gradients(mk, run)
            del run
            r = 0
            for g in grads:
                g = g.view(-1, n)
                block = total[r:r + g.shape[0]]
                block.copy_(g) if k == 0 else block.add_(g)
                r += g.shape[0]
            del grads
        with torch.inference_mode():
            edges = torch.matmul(total, diff.t()).mul_(edge_mask(W)).div_(B * ig_steps)
        return {"edges": edges, "metric": m}
    raise ValueError(method)


def _detach(v):
    if isinstance(v, list):
        return [x.detach() for x in v]
    return v.detach()


def _source_names(L, H):
    names = ["input"]
    for l in range(L):
        names += [f"a{l}.h{h}" for h in range(H)] + [f"m{l}"]
    return names


def _destination_names(L, H):
    names = []
    for l in range(L):
        names += [f"a{l}.h{h}<{r}>" for r in "qkv" for h in range(H)] + [f"m{l}"]
    return names + ["logits"]


def check_attribution_fixture(with_tl: bool) -> dict:
    """The baseline's float32 scores against fixtures/attribution/gpt2/reference.json (float64,
    made by tools/make_attribution_fixtures.py's per-pair explicit forward): the 7 pairs as
    one right-padded batch. Returns the max absolute deviations; raises if any exceeds 2e-5.
    With `with_tl`, the TransformerLens-hook implementation is checked the same way."""
    from pathlib import Path

    from transformers import GPT2LMHeadModel

    root = Path(__file__).resolve().parent.parent
    model = GPT2LMHeadModel.from_pretrained(root / "fixtures/models/gpt2", dtype=torch.float32).eval()
    W = GPT2Weights(model)
    pairs = [json.loads(line) for line in (root / "fixtures/attribution/gpt2/pairs.jsonl").read_text().splitlines()]
    ref = json.loads((root / "fixtures/attribution/gpt2/reference.json").read_text())
    T = max(len(p["clean_ids"]) for p in pairs)
    pad = lambda key: torch.tensor([p[key] + [0] * (T - len(p[key])) for p in pairs])  # noqa: E731
    batch = (pad("clean_ids"), pad("corrupted_ids"), torch.tensor([len(p["clean_ids"]) - 1 for p in pairs]),
             torch.tensor([p["answer_id"] for p in pairs]), torch.tensor([p["foil_id"] for p in pairs]))
    src, dst = _source_names(W.L, W.H), _destination_names(W.L, W.H)
    si, di = {s: i for i, s in enumerate(src)}, {s: i for i, s in enumerate(dst)}
    ref_edges = {tuple(e.split("->")) for e in ref["eap_edges"]}
    assert ref_edges == {(src[s], dst[d]) for d, s in edge_mask(W).nonzero().tolist()}, "edge sets differ"

    def edge_dev(edges, key):
        return max(abs(edges[di[e.split("->")[1]], si[e.split("->")[0]]].item() - v) for e, v in ref[key].items())

    dev = {}
    atp = attribution(W, *batch, "atp")
    dev["metric_clean"] = abs(atp["metric"].mean().item() - ref["metrics"]["clean"])
    dev["atp_nodes"] = max(abs(atp["nodes"][si[u]].item() - v) for u, v in ref["atp_nodes"].items())
    dev["eap_edges"] = edge_dev(attribution(W, *batch, "eap")["edges"], "eap_edges")
    ig = attribution(W, *batch, "eap-ig")["edges"]
    dev["eap_ig_edges"] = edge_dev(ig, "eap_ig_edges")
    dev["eap_ig_nodes"] = max(abs(ig.sum(0)[si[u]].item() - v) for u, v in ref["eap_ig_nodes"].items())
    if with_tl:
        tl = tl_model(model)
        dev["tl_eap_edges"] = edge_dev(tl_attribution(tl, *batch, "tl-eap"), "eap_edges")
        dev["tl_eap_ig_edges"] = edge_dev(tl_attribution(tl, *batch, "tl-eap-ig"), "eap_ig_edges")
    bad = {k: v for k, v in dev.items() if v > 2e-5}
    assert not bad, f"differs from fixtures/attribution/gpt2/reference.json: {bad}"
    dev["max_abs_eap_edge"] = max(abs(v) for v in ref["eap_edges"].values())
    dev["min_abs_eap_edge"] = min(abs(v) for v in ref["eap_edges"].values())
    return dev


def gpt2_small_pairs(model):
    """16 minimal pairs x 32 tokens: random clean ids, corrupted = clean with position 10
    replaced, random answer / foil ids (the construction of circuitry-bench's gpt2SmallPairs)."""
    V = model.config.vocab_size
    g = torch.Generator().manual_seed(1)
    clean = torch.randint(0, V, (EAP_PAIRS, SEQ), generator=g)
    corrupted = clean.clone()
    corrupted[:, EAP_CHANGED_POSITION] = torch.randint(0, V, (EAP_PAIRS,), generator=g)
    answers = torch.randint(0, V, (EAP_PAIRS,), generator=g)
    foils = torch.randint(0, V, (EAP_PAIRS,), generator=g)
    last = torch.full((EAP_PAIRS,), SEQ - 1)
    return clean, corrupted, last, answers, foils


def peak_rss_mib() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


EAP_VARIANTS = ["forward", "forward-explicit", "atp", "eap", "eap-ig"]
TL_VARIANTS = ["tl-eap", "tl-eap-ig"]
EAP_NOTES = {
    "forward": "transformers GPT2Model (sdpa) incl. ln_f, no unembedding, inference_mode",
    "forward-explicit": "this file's explicit forward + logit difference (2 unembedding rows), inference_mode",
    "atp": "clean fwd+bwd (grads at embed, z, mlp_out) + corrupted fwd + node products",
    "eap": "clean fwd+bwd with per-head q/k/v input copies + corrupted fwd + one edge product",
    "eap-ig": f"clean fwd + corrupted fwd + {IG_STEPS} x (split fwd+bwd) + one edge product of the summed gradients",
    "tl-eap": "TransformerLens hooks as hannamw/EAP-IG: corrupted + clean fwd (full logits), "
              "clean fwd+bwd with per-layer einsums in backward hooks",
    "tl-eap-ig": f"TransformerLens hooks as hannamw/EAP-IG: corrupted + clean fwd, {IG_STEPS} x fwd+bwd "
                 "(full logits, per-layer einsums in backward hooks)",
}


def bench_eap(args) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    variants = args.variants.split(",") if args.variants else EAP_VARIANTS
    unknown = set(variants) - set(EAP_VARIANTS) - set(TL_VARIANTS)
    if unknown:
        raise SystemExit(f"unknown --variants {sorted(unknown)}")
    with_tl = any(v in TL_VARIANTS for v in variants)
    if not args.skip_check:
        emit({"bench": "eap", "variant": "check-fixture", "reference": "fixtures/attribution/gpt2/reference.json",
              "max_abs_dev": check_attribution_fixture(with_tl)}, args)

    torch.manual_seed(0)
    config = GPT2Config(n_layer=12, n_embd=D_MODEL, n_head=N_HEADS, vocab_size=50257, n_positions=1024)
    model = GPT2LMHeadModel(config).eval()
    model.requires_grad_(False)
    W = GPT2Weights(model)
    pairs = gpt2_small_pairs(model)
    clean, corrupted, last, answers, foils = pairs
    tl = tl_model(model) if with_tl else None
    common = {"model": "gpt2-small (random init)", "pairs": EAP_PAIRS, "seq": SEQ}

    if not args.skip_check:
        # the explicit forward against transformers; AtP nodes == sums of EAP edges; TL == this file
        with torch.inference_mode():
            hf = model.transformer(clean).last_hidden_state[:, -1]
            m_hf = (hf * (W.wte[answers] - W.wte[foils])).sum(-1)
            m, _ = gpt2_run(W, clean, last, answers, foils)
        atp = attribution(W, *pairs, "atp")["nodes"]
        eap = attribution(W, *pairs, "eap")["edges"]
        checks = {"metric_vs_transformers_max_abs": (m - m_hf).abs().max().item(),
                  "atp_nodes_vs_eap_edge_sums_max_abs": (atp - eap.sum(0)).abs().max().item(),
                  "max_abs_atp_node": atp.abs().max().item(), "max_abs_eap_edge": eap.abs().max().item()}
        if tl is not None:
            checks["tl_eap_vs_eap_max_abs"] = (tl_attribution(tl, *pairs, "tl-eap") - eap).abs().max().item()
            ig = attribution(W, *pairs, "eap-ig")["edges"]
            checks["tl_eap_ig_vs_eap_ig_max_abs"] = (tl_attribution(tl, *pairs, "tl-eap-ig") - ig).abs().max().item()
            checks["max_abs_eap_ig_edge"] = ig.abs().max().item()
        emit({"bench": "eap", "variant": "check-gpt2-small", **common, "checks": checks}, args)

    runs, warmup = args.eap_runs, args.eap_warmup
    forward_ms = None
    for variant in variants:
        if variant == "forward":
            with torch.inference_mode():
                r = timeit(lambda: model.transformer(clean).last_hidden_state, warmup, runs)
            forward_ms = r["median_ms"]
        elif variant == "forward-explicit":
            with torch.inference_mode():
                r = timeit(lambda: gpt2_run(W, clean, last, answers, foils), warmup, runs)
        elif variant in TL_VARIANTS:
            r = timeit(lambda: tl_attribution(tl, *pairs, variant), warmup, runs)
        else:
            r = timeit(lambda: attribution(W, *pairs, variant), warmup, runs)
        rec = {"bench": "eap", "variant": variant, **common, **r}
        if forward_ms is not None:
            rec["x_forward"] = r["median_ms"] / forward_ms
        rec["peak_rss_mib"] = peak_rss_mib()
        rec["note"] = EAP_NOTES[variant]
        emit(rec, args)


def tl_model(model):
    """A TransformerLens HookedTransformer with the HF model's weights, set up as EAP-IG
    requires (no weight processing: fold_ln / centring off; split q/k/v inputs, per-head
    results, hook_mlp_in), parameters without gradients."""
    import warnings

    from transformer_lens import HookedTransformer, HookedTransformerConfig
    from transformer_lens.pretrained.weight_conversions.gpt2 import convert_gpt2_weights

    c = model.config
    cfg = HookedTransformerConfig(
        n_layers=c.n_layer, d_model=c.n_embd, n_ctx=c.n_positions, d_head=c.n_embd // c.n_head,
        n_heads=c.n_head, d_mlp=4 * c.n_embd, d_vocab=c.vocab_size, act_fn="gelu_new",
        normalization_type="LN", eps=c.layer_norm_epsilon, default_prepend_bos=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = HookedTransformer(cfg)
    tl.load_and_process_state_dict(convert_gpt2_weights(model, cfg), fold_ln=False,
                                   center_writing_weights=False, center_unembed=False,
                                   fold_value_biases=False, refactor_factored_attn_matrices=False)
    tl.set_use_split_qkv_input(True)
    tl.set_use_attn_result(True)
    tl.set_use_hook_mlp_in(True)
    tl.eval()
    tl.requires_grad_(False)
    return tl


def tl_attribution(tl, clean_ids, corrupted_ids, last, answers, foils, method: str,
                   ig_steps: int = IG_STEPS) -> torch.Tensor:
    """EAP / EAP-IG the way hannamw/EAP-IG computes them with TransformerLens hooks
    (make_hooks_and_matrices, get_scores_eap[_ig]): forward hooks add the corrupted and
    subtract the clean source outputs into a [B, T, sources, d] buffer (input =
    blocks.0.hook_resid_pre, heads = attn.hook_result, MLPs = hook_mlp_out); backward hooks
    on hook_q/k/v_input, hook_mlp_in and the last hook_resid_post add einsum(Δa[:, :, :upstream],
    grad) into the [sources, destinations] scores during each backward. The metric is the
    logit difference read from the model's full logits (what model(tokens) returns).
    Returns [destinations, sources] per pair (mean over pairs), as `attribution`."""
    B = clean_ids.shape[0]
    L, H, d = tl.cfg.n_layers, tl.cfg.n_heads, tl.cfg.d_model
    n_src, n_dst = 1 + L * (H + 1), L * (3 * H + 1) + 1
    scores = torch.zeros(n_src, n_dst)
    diff = torch.zeros(B, clean_ids.shape[1], n_src, d)
    rows = torch.arange(B)

    def store(index, sign):
        def hook(acts, hook):
            diff[:, :, index] += sign * acts.detach()
        return hook

    def grad_hook(upstream, dst):
        def hook(grads, hook):
            g = grads.detach()
            if g.ndim == 3:
                g = g.unsqueeze(2)
            scores[:upstream, dst] += torch.einsum("btsd,btkd->sk", diff[:, :, :upstream], g).squeeze(1)
        return hook

    fwd_corr, fwd_clean, bwd = [], [], []
    outs = [("blocks.0.hook_resid_pre", 0)]
    for l in range(L):
        first = 1 + l * (H + 1)
        outs += [(f"blocks.{l}.attn.hook_result", slice(first, first + H)), (f"blocks.{l}.hook_mlp_out", first + H)]
        for i, role in enumerate("qkv"):
            col = l * (3 * H + 1) + i * H
            bwd.append((f"blocks.{l}.hook_{role}_input", grad_hook(first, slice(col, col + H))))
        bwd.append((f"blocks.{l}.hook_mlp_in", grad_hook(first + H, l * (3 * H + 1) + 3 * H)))
    bwd.append((f"blocks.{L - 1}.hook_resid_post", grad_hook(n_src, n_dst - 1)))
    fwd_corr = [(name, store(index, 1.0)) for name, index in outs]
    fwd_clean = [(name, store(index, -1.0)) for name, index in outs]

    def metric(logits):
        return (logits[rows, last, answers] - logits[rows, last, foils]).sum()

    with torch.inference_mode():
        with tl.hooks(fwd_hooks=fwd_corr):
            tl(corrupted_ids)
        e_corr = diff[:, :, 0].clone()
        with tl.hooks(fwd_hooks=fwd_clean):
            tl(clean_ids)
        e_clean = e_corr - diff[:, :, 0]
    if method == "tl-eap":
        def embed_hook(acts, hook):  # only so that the backward reaches the embedding
            return acts.detach().requires_grad_(True)
        with tl.hooks(fwd_hooks=[("blocks.0.hook_resid_pre", embed_hook)], bwd_hooks=bwd):
            metric(tl(clean_ids)).backward()
        steps = 1
    else:
        steps = ig_steps
        for k in range(steps):
            def interpolate(acts, hook, k=k):
                return (e_corr + (k / steps) * (e_clean - e_corr)).requires_grad_(True)
            with tl.hooks(fwd_hooks=[("blocks.0.hook_resid_pre", interpolate)], bwd_hooks=bwd):
                metric(tl(clean_ids)).backward()
    return (scores / (B * steps)).t()




def bench_train(args) -> None:
    """AdamW steps of the bundled series' model, as circuitry-bench `train`: GPT-2 with 2 layers, 4 heads,
    d_model 64, the role vocabulary (82), 64 positions; a fixed batch of 64 x 16 tokens, cross-entropy on
    the last position; clip_grad_norm_(1.0); AdamW(lr 3e-3, betas (0.9, 0.98), eps 1e-8, weight decay
    0.1 on matrices and embeddings only)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    vocab, batch, length = 82, 64, 16
    config = GPT2Config(n_layer=2, n_head=4, n_embd=64, vocab_size=vocab, n_positions=64, bos_token_id=1, eos_token_id=2)
    model = GPT2LMHeadModel(config).train()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=3e-3, betas=(0.9, 0.98), eps=1e-8)
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(4, vocab, (batch, length), generator=g)
    targets = torch.randint(4, vocab, (batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(ids).logits
        loss = torch.nn.functional.cross_entropy(logits[:, -1], targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    r = timeit(step, max(args.warmup, 5), max(args.runs, 30))
    emit({"bench": "train", "model": "gpt2 2x4 d64 vocab 82", "batch": batch, "seq": length,
          "attn_implementation": model.config._attn_implementation, **r,
          "tokens_per_s": batch * length / (r["median_ms"] / 1e3)}, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["sgemm", "forward", "kernels", "eap", "train", "all"])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs, at least 10 (default 20)")
    parser.add_argument("--kernel-runs", type=int, default=200,
                        help="timed runs for the (sub-millisecond) kernels (default 200)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up runs (default 3)")
    parser.add_argument("--eap-runs", type=int, default=5,
                        help="timed runs of each eap variant, at least 3 (default 5)")
    parser.add_argument("--eap-warmup", type=int, default=1, help="untimed runs of each eap variant (default 1)")
    parser.add_argument("--variants", default=None,
                        help=f"eap: comma-separated subset of {','.join(EAP_VARIANTS + TL_VARIANTS)} "
                             f"(default: {','.join(EAP_VARIANTS)}; the tl- ones need transformer_lens); "
                             "x_forward needs 'forward' first")
    parser.add_argument("--skip-check", action="store_true",
                        help="eap: skip the correctness checks (fixture scores, AtP = sum of EAP edges)")
    args = parser.parse_args()
    if args.runs < 10 or args.kernel_runs < 10:
        parser.error("--runs and --kernel-runs must be at least 10")
    if args.eap_runs < 3:
        parser.error("--eap-runs must be at least 3")
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    if args.what in ("sgemm", "all"):
        bench_sgemm(args)
    if args.what in ("kernels", "all"):
        bench_kernels(args)
    if args.what in ("forward", "all"):
        bench_forward(args)
    if args.what in ("eap", "all"):
        bench_eap(args)
    if args.what in ("train", "all"):
        bench_train(args)


if __name__ == "__main__":
    main()
