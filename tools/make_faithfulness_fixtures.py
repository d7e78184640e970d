#!/usr/bin/env python3
"""Reference circuit faithfulness (edge-level and node-level patched runs) for the tiny
fixture models: fixtures/faithfulness/<model>/reference.json.

Run once by a developer (CI never runs Python):

    tools/.venv/bin/python tools/make_faithfulness_fixtures.py

For each of gpt2, neox-parallel, neox-sequential, llama-gqa (fixtures/models/<model>/),
with the pairs of fixtures/attribution/<model>/pairs.jsonl (read, not rewritten):

  1. Load the checkpoint with transformers (float32, eager attention), rebuild it as the
     explicit torch forward of make_attribution_fixtures.py and assert it reproduces the
     HF logits (float32 <= 1e-5; float64 with HF's float32 steps emulated <= 1e-12).
  2. Convert the weights to float64. Per pair (one prompt at a time, no padding): the
     corrupted run stores every node output a_U^corr; then each circuit's patched run on
     the CLEAN tokens gives m(C) = logit[answer] - logit[foil] at the last token (the clean
     pair's answer/foil on both prompts).

Graph (EAP-IG naming), as in make_attribution_fixtures.py: nodes `input` (token embedding
+ learned position embedding for GPT-2), `a{l}.h{h}` (z_h . W_O[h]^T, no output bias),
`m{l}` (MLP output incl. its bias), `logits`. Destination inputs `a{l}.h{h}<q|k|v>` (a
per-query-head copy of the residual, normed then projected; under GQA the <k>/<v> copy
of query head h is projected by the shared kv head h // (H/KV)), `m{l}` (the MLP's norm
input; parallel residual: no a{l}.h*->m{l}), `logits` (the final norm's input).

Edge-level patched run for an edge set C: every destination input D is built as
    input_D = sum_{U->D in C} a_U^patched + sum_{U->D not in C} a_U^corr + b(D)
where a_U^patched are the node outputs of this same run and b(D) is the sum of the
attention output biases b_O of the layers whose attention output reaches D (they belong to
no node and are the same in every run). The forward is written directly in that form: the
residual stream is never accumulated; each destination sums the node outputs that reach
it. It also checks, at every destination, the equivalent form
    input_D = resid_patched(D) - sum_{U->D not in C} (a_U^patched - a_U^corr).
m(M) (all edges) is the clean run, m(empty) the corrupted run (asserted).

Node-level patched run for a node set N (components; `input` may be in or out): every
node output not in N is replaced by its corrupted-run value (heads individually); the
rest is computed normally on the clean tokens. This uses the ordinary residual forward
of make_attribution_fixtures.py (override of node outputs), a different code path.

F(C) = (m(C) - m(empty)) / (m(M) - m(empty)), with the means over pairs.

Checks (asserted; values in meta.checks):
  - explicit forward vs HF logits (as in make_attribution_fixtures.py);
  - the edge set the patched forward actually reads == the attribution script's graph()
    == EAP-IG's Graph.from_model order used for the `edges` list;
  - edge-level full circuit == clean metric, empty circuit == corrupted metric (<= 1e-12);
  - clean / corrupted metrics == fixtures/attribution/<model>/reference.json (<= 1e-12);
  - for every node U: edge circuit "all edges except those out of U" == node-level
    patching of U alone (node set = all but U) (<= 1e-10), and the latter - m(clean) ==
    exact_nodes[U] of the attribution reference (<= 1e-12);
  - edge circuit "edges among a node subset S (+ input, logits)" == node-level run with
    N = S + input (<= 1e-10);
  - m(C) is unchanged when C's dangling edges (not on an input->logits path inside C)
    are dropped (<= 1e-12), for every stored edge circuit;
  - node-level runs through forward hooks on the transformers model itself (float64;
    head outputs patched at the input of the attention output projection, MLP outputs
    and token embeddings at their modules) == the explicit node-level run with HF's
    float32 steps emulated (<= 1e-12);
  - any node set without `input` gives m(empty) (<= 1e-12).

Deterministic (single thread, float64, fixed seeds, sorted keys): re-running reproduces
the committed files byte for byte on the same versions.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_attribution_fixtures as A  # noqa: E402  (weights -> explicit params, forward)

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "fixtures" / "models"
PAIRS = ROOT / "fixtures" / "attribution"
OUT = ROOT / "fixtures" / "faithfulness"
COMMAND = "tools/.venv/bin/python tools/make_faithfulness_fixtures.py"

MODEL_NAMES = ["gpt2", "neox-parallel", "neox-sequential", "llama-gqa"]
RANDOM_FRACTIONS = [0.1, 0.3, 0.6, 0.9]
SEED = 20240605
CROSS_TOL = 1e-10      # edge-level vs node-level formulations of the same run
EXACT_TOL = 1e-12      # identities that hold up to float64 rounding
CROSS_CHECK_NODE = "m0"  # the stored "all edges but those out of U" circuit


# ---------------------------------------------------------------- graph in EAP-IG order

def eap_ig_edges(L: int, H: int, parallel: bool) -> list[tuple[str, str]]:
    """(U, D) in the insertion order of hannamw/EAP-IG Graph.from_model's `edges` dict
    (also the order of its to_json): per layer, for each upstream U in the residual stream
    (input, then earlier layers' heads and MLP in forward order): U->a{l}.h0<q>, <k>, <v>,
    U->a{l}.h1<q>, ... (parallel residual: followed by U->m{l}); sequential: then
    U->m{l} for U in the residual stream incl. layer l's heads. Finally U->logits."""
    resid = ["input"]
    out = []
    for l in range(L):
        heads = [f"a{l}.h{h}" for h in range(H)]
        for U in resid:
            for head in heads:
                for c in "qkv":
                    out.append((U, f"{head}<{c}>"))
            if parallel:
                out.append((U, f"m{l}"))
        resid = resid + heads
        if not parallel:
            for U in resid:
                out.append((U, f"m{l}"))
        resid = resid + [f"m{l}"]
    out += [(U, "logits") for U in resid]
    return out


def dest_node(D: str) -> str:
    return D.split("<")[0]


def edge_name(U: str, D: str) -> str:
    return f"{U}->{D}"


# ---------------------------------------------------------------- edge-level patched forward

def attend(P, lw, h, xq, xk, xv, cos, sin):
    """One head: normed q/k/v input copies -> z_h @ W_O[h]^T (no output bias)."""
    g = h // (P["H"] // P["KV"])
    q = xq @ lw["Wq"][h].T
    k = xk @ lw["Wk"][g].T
    v = xv @ lw["Wv"][g].T
    if lw["bq"] is not None:
        q, k, v = q + lw["bq"][h], k + lw["bk"][g], v + lw["bv"][g]
    q, k = A.rope(P, q, cos, sin), A.rope(P, k, cos, sin)
    T = q.shape[0]
    s = (q @ k.T) / (P["hd"] ** 0.5)
    s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (torch.softmax(s, dim=-1) @ v) @ lw["Wo"][h].T


def edge_patched_forward(P, ids, corr=None, circuit=None, log=None):
    """Run on `ids` with every destination input built from the node outputs that reach
    it: a_U^patched where U->D is in `circuit` (a set of (U, D); None = every edge), else
    corr[U]. Returns (logits [T, V], node outputs). `log` (a dict) collects the edges read
    and the largest deviation between the two forms of input_D."""
    T = len(ids)
    d = P["d"]
    dtype = P["W_E"].dtype
    cos, sin = A.rope_tables(P, T, dtype)
    contrib = [("input", A.embed(P, ids))]   # (node, patched output), forward order
    const = torch.zeros(T, d, dtype=dtype)   # attention output biases reaching this point
    nodes = {}

    def gather(D):
        x = const.clone()
        resid = const.clone()
        fix = torch.zeros(T, d, dtype=dtype)
        for U, a in contrib:
            if log is not None:
                log.setdefault("edges", []).append((U, D))
            inside = circuit is None or (U, D) in circuit
            x = x + (a if inside else corr[U])
            resid = resid + a
            if not inside:
                fix = fix + (a - corr[U])
        if log is not None:
            dev = (x - (resid - fix)).abs().max().item()
            log["form_dev"] = max(log.get("form_dev", 0.0), dev)
        return x

    for l, lw in enumerate(P["layers"]):
        if P["parallel"]:
            x_mlp = gather(f"m{l}")  # the block input: no layer-l heads, no layer-l b_O
        heads = []
        for h in range(P["H"]):
            xq, xk, xv = (A.norm(P, gather(f"a{l}.h{h}<{c}>"), lw["n1_w"], lw["n1_b"])
                          for c in "qkv")
            heads.append((f"a{l}.h{h}", attend(P, lw, h, xq, xk, xv, cos, sin)))
        contrib += heads
        if lw["bo"] is not None:
            const = const + lw["bo"]
        if not P["parallel"]:
            x_mlp = gather(f"m{l}")
        contrib.append((f"m{l}", A.mlp(P, lw, A.norm(P, x_mlp, lw["n2_w"], lw["n2_b"]))))
    x = A.norm(P, gather("logits"), P["nf_w"], P["nf_b"])
    nodes.update(contrib)
    return x @ P["W_U"].T, nodes


def node_patched_forward(P, ids, corr, keep):
    """Ordinary residual forward; every node output not in `keep` <- its corrupted value."""
    override = {U: corr[U] for U in corr if U not in keep}
    logits, _, _ = A.forward(P, ids, override=override, input_grad=False)
    return logits


# ---------------------------------------------------------------- node-level patching via HF hooks

def hf_modules(model):
    """(token embedding, [(attention output projection, MLP) per layer])."""
    t = model.config.model_type
    if t == "gpt2":
        blocks = model.transformer.h
        return model.transformer.wte, [(b.attn.c_proj, b.mlp) for b in blocks]
    if t == "gpt_neox":
        blocks = model.gpt_neox.layers
        return model.gpt_neox.embed_in, [(b.attention.dense, b.mlp) for b in blocks]
    if t == "llama":
        blocks = model.model.layers
        return model.model.embed_tokens, [(b.self_attn.o_proj, b.mlp) for b in blocks]
    raise ValueError(t)


def hf_node_patched_metric(model, H, hd, pair, keep):
    """Node-level patching with forward hooks on the transformers model: capture on the
    corrupted prompt, replace on the clean one. A head's output z_h . W_O[h]^T is patched
    by patching z_h (columns h*hd:(h+1)*hd of the output projection's input): W_O is linear
    and its bias is in no node. The token embedding stands for `input` (for GPT-2 the
    position embedding is the same in both runs)."""
    emb, layers = hf_modules(model)
    store = {}
    mode = {"capture": True}

    def emb_hook(_m, _args, out):
        if mode["capture"]:
            store["input"] = out.detach().clone()
        elif "input" not in keep:
            return store["input"]

    def proj_pre_hook(l):
        def f(_m, args):
            z = args[0]
            if mode["capture"]:
                store[f"z{l}"] = z.detach().clone()
                return None
            z = z.clone()
            for h in range(H):
                if f"a{l}.h{h}" not in keep:
                    z[..., h * hd:(h + 1) * hd] = store[f"z{l}"][..., h * hd:(h + 1) * hd]
            return (z,) + tuple(args[1:])
        return f

    def mlp_hook(l):
        def f(_m, _args, out):
            if mode["capture"]:
                store[f"m{l}"] = out.detach().clone()
            elif f"m{l}" not in keep:
                return store[f"m{l}"]
        return f

    handles = [emb.register_forward_hook(emb_hook)]
    for l, (proj, mlp) in enumerate(layers):
        handles.append(proj.register_forward_pre_hook(proj_pre_hook(l)))
        handles.append(mlp.register_forward_hook(mlp_hook(l)))
    try:
        with torch.no_grad():
            model(torch.tensor([pair["corrupted_ids"]]))
            mode["capture"] = False
            logits = model(torch.tensor([pair["clean_ids"]])).logits[0]
    finally:
        for hd_ in handles:
            hd_.remove()
    return A.metric(logits, pair).item()


# ---------------------------------------------------------------- circuits

def connected(circuit: set) -> set:
    """The edges of `circuit` that lie on a path input -> ... -> logits inside it."""
    fwd = {"input"}
    changed = True
    while changed:
        changed = False
        for U, D in circuit:
            if U in fwd and dest_node(D) not in fwd:
                fwd.add(dest_node(D))
                changed = True
    bwd = {"logits"}
    changed = True
    while changed:
        changed = False
        for U, D in circuit:
            if dest_node(D) in bwd and U not in bwd:
                bwd.add(U)
                changed = True
    return {(U, D) for U, D in circuit if U in fwd and dest_node(D) in bwd}


def make_circuits(edges, components):
    """Edge circuits (name -> (description, list of (U, D) in edge order)) and node sets
    (name -> (description, node names in forward order))."""
    E = len(edges)
    ec, nc = {}, {}
    ec["full"] = ("every edge: the clean run, m(M)", list(edges))
    ec["empty"] = ("no edge: the corrupted run, m(empty)", [])
    for frac in RANDOM_FRACTIONS:
        k = int(round(frac * E))
        rng = random.Random(SEED + int(round(frac * 100)))
        pick = set(rng.sample(range(E), k))
        ec[f"random_{int(round(frac * 100)):02d}"] = (
            f"{k} edges drawn uniformly without replacement (random.Random({SEED} + "
            f"{int(round(frac * 100))}).sample(range({E}), {k})); dangling edges kept",
            [e for i, e in enumerate(edges) if i in pick])
    ec["q_mlp_logits"] = (
        "every edge into a head's <q> input, into an MLP and into logits (no <k>/<v> edges)",
        [(U, D) for U, D in edges if D.endswith("<q>") or not D.endswith(">")])
    rng = random.Random(SEED)
    subset = set(rng.sample(components, len(components) // 2))
    S = [c for c in components if c in subset]
    inside = set(S) | {"input", "logits"}
    ec["node_subset"] = (
        "edges whose endpoints (U and D's node) are both in {input, logits} + "
        f"{S} (what top-nodes pruning keeps); equals node set node_subset",
        [(U, D) for U, D in edges if U in inside and dest_node(D) in inside])
    U0 = CROSS_CHECK_NODE
    ec[f"all_but_out_of_{U0}"] = (
        f"every edge except those out of {U0}; equals node set all_but_{U0}",
        [(U, D) for U, D in edges if U != U0])
    nc["node_subset"] = ("input + the components of edge circuit node_subset", ["input"] + S)
    nc["attention_only"] = ("input + every head; every MLP output corrupted",
                            ["input"] + [c for c in components if c.startswith("a")])
    nc["without_input"] = ("every component but input: the corrupted run (F = 0)", list(components))
    nc[f"all_but_{U0}"] = (f"every node but {U0}: exact patching of {U0} alone",
                           ["input"] + [c for c in components if c != U0])
    return ec, nc, S


# ---------------------------------------------------------------- per model

def model_reference(name, model, P32, P64, pairs, attr_ref):
    L, H, parallel = P64["L"], P64["H"], P64["parallel"]
    edges = eap_ig_edges(L, H, parallel)
    node_names, attr_edges, _ = A.graph(P64)
    assert len(set(edges)) == len(edges) == A.edge_count_formula(L, H, parallel)
    assert set(edges) == set(attr_edges), "EAP-IG order list != attribution graph()"
    components = node_names[1:]
    edge_index = {e: i for i, e in enumerate(edges)}
    ec, nc, subset = make_circuits(edges, components)
    checks = {}
    n = len(pairs)

    def runs(P):
        """Per pair: clean metric, corrupted metric, corrupted node outputs."""
        out = []
        for pair in pairs:
            with torch.no_grad():
                lc, _, _ = A.forward(P, pair["clean_ids"], input_grad=False)
                lr, a_r, _ = A.forward(P, pair["corrupted_ids"], input_grad=False)
            out.append((A.metric(lc, pair).item(), A.metric(lr, pair).item(),
                        {U: a_r[U].detach() for U in node_names}))
        return out

    def edge_metrics(P, base, circuit, log=None):
        vals = []
        with torch.no_grad():
            for pair, (_, _, corr) in zip(pairs, base):
                lg, _ = edge_patched_forward(P, pair["clean_ids"], corr, set(circuit), log)
                vals.append(A.metric(lg, pair).item())
        return vals

    def node_metrics(P, base, keep):
        vals = []
        with torch.no_grad():
            for pair, (_, _, corr) in zip(pairs, base):
                vals.append(A.metric(node_patched_forward(P, pair["clean_ids"], corr, set(keep)),
                                     pair).item())
        return vals

    base = runs(P64)
    m_full = [b[0] for b in base]
    m_empty = [b[1] for b in base]
    mean = lambda v: sum(v) / len(v)  # noqa: E731
    M, Z = mean(m_full), mean(m_empty)

    def faith(m):
        return (m - Z) / (M - Z)

    def maxdev(a, b):
        return max(abs(x - y) for x, y in zip(a, b, strict=True))

    # ties to the attribution fixture (same pairs, same weights, same forward)
    checks["clean_corrupted_vs_attribution_reference"] = max(
        maxdev(m_full, attr_ref["per_pair_metrics"]["clean"]),
        maxdev(m_empty, attr_ref["per_pair_metrics"]["corrupted"]))
    assert checks["clean_corrupted_vs_attribution_reference"] <= EXACT_TOL

    # the dataflow of the patched forward is exactly the edge list
    log = {}
    with torch.no_grad():
        edge_patched_forward(P64, pairs[0]["clean_ids"], base[0][2], set(), log)
    assert sorted(log["edges"]) == sorted(edges), "patched forward reads other edges"

    out_edges, dang, form = {}, 0.0, 0.0
    for cname, (desc, circ) in ec.items():
        log = {}
        vals = edge_metrics(P64, base, circ, log)
        form = max(form, log["form_dev"])
        on_paths = connected(set(circ))
        if on_paths != set(circ):
            dang = max(dang, maxdev(vals, edge_metrics(P64, base, on_paths)))
        out_edges[cname] = {
            "description": desc,
            "edges": sorted(edge_index[e] for e in circ),
            "n_edges": len(circ),
            "n_edges_on_paths": len(on_paths),
            "m": {"mean": mean(vals), "per_pair": vals},
            "faithfulness": faith(mean(vals)),
        }
    checks["edge_full_vs_clean"] = maxdev(out_edges["full"]["m"]["per_pair"], m_full)
    checks["edge_empty_vs_corrupted"] = maxdev(out_edges["empty"]["m"]["per_pair"], m_empty)
    checks["edge_input_two_forms"] = form
    checks["dangling_edges_removed"] = dang
    assert checks["edge_full_vs_clean"] <= EXACT_TOL, checks
    assert checks["edge_empty_vs_corrupted"] <= EXACT_TOL, checks
    assert form <= EXACT_TOL and dang <= EXACT_TOL, checks

    out_nodes = {}
    for cname, (desc, keep) in nc.items():
        vals = node_metrics(P64, base, keep)
        out_nodes[cname] = {"description": desc, "nodes": keep,
                            "m": {"mean": mean(vals), "per_pair": vals},
                            "faithfulness": faith(mean(vals))}
    checks["node_without_input_vs_corrupted"] = maxdev(
        out_nodes["without_input"]["m"]["per_pair"], m_empty)
    assert checks["node_without_input_vs_corrupted"] <= EXACT_TOL, checks
    checks["edge_node_subset_vs_node_level"] = maxdev(
        out_edges["node_subset"]["m"]["per_pair"], out_nodes["node_subset"]["m"]["per_pair"])
    assert checks["edge_node_subset_vs_node_level"] <= CROSS_TOL, checks

    # every node U: edges-out-of-U removed (edge level) == U patched (node level) == exact
    dev_cross, dev_exact = 0.0, 0.0
    for U in node_names:
        e_vals = edge_metrics(P64, base, [e for e in edges if e[0] != U])
        n_vals = node_metrics(P64, base, [c for c in node_names if c != U])
        dev_cross = max(dev_cross, maxdev(e_vals, n_vals))
        dev_exact = max(dev_exact, abs(mean(n_vals) - M - attr_ref["exact_nodes"][U]))
    checks["edge_all_but_out_of_U_vs_node_level_U_every_node"] = dev_cross
    checks["node_level_U_vs_attribution_exact_nodes"] = dev_exact
    assert dev_cross <= CROSS_TOL and dev_exact <= EXACT_TOL, checks

    # node-level patching through hooks on the transformers model (float64), against the
    # explicit node-level run with transformers' float32 softmax / RMSNorm / rotary steps
    m64 = copy.deepcopy(model).double().eval()
    P64e = dict(P64, hf_f32_internals=P64["arch"] != "gpt2")
    base_e = runs(P64e)
    hook_sets = [keep for _, keep in nc.values()] + [
        [c for c in node_names if c != U] for U in node_names]
    dev_hook = 0.0
    for keep in hook_sets:
        mine = node_metrics(P64e, base_e, keep)
        theirs = [hf_node_patched_metric(m64, H, P64["hd"], pair, set(keep)) for pair in pairs]
        dev_hook = max(dev_hook, maxdev(mine, theirs))
    checks["node_level_hf_hooks_vs_explicit_with_hf_float32_steps"] = dev_hook
    assert dev_hook <= EXACT_TOL, checks

    # the same computation in float32 (same explicit forward): expected float32 error
    base32 = runs(P32)
    M32, Z32 = mean([b[0] for b in base32]), mean([b[1] for b in base32])
    d_m, d_f = 0.0, 0.0
    for cname, (_, circ) in ec.items():
        v = mean(edge_metrics(P32, base32, circ))
        d_m = max(d_m, abs(v - out_edges[cname]["m"]["mean"]))
        if cname not in ("full", "empty"):
            d_f = max(d_f, abs((v - Z32) / (M32 - Z32) - out_edges[cname]["faithfulness"]))
    for cname, (_, keep) in nc.items():
        v = mean(node_metrics(P32, base32, keep))
        d_m = max(d_m, abs(v - out_nodes[cname]["m"]["mean"]))
        d_f = max(d_f, abs((v - Z32) / (M32 - Z32) - out_nodes[cname]["faithfulness"]))
    checks["float32_same_forward_max_abs_dev"] = {"m_mean": d_m, "faithfulness": d_f}

    return {
        "edges": [edge_name(U, D) for U, D in edges],
        "nodes": node_names + ["logits"],
        "n_pairs": n,
        "m_full": {"mean": M, "per_pair": m_full},
        "m_empty": {"mean": Z, "per_pair": m_empty},
        "edge_circuits": out_edges,
        "node_circuits": out_nodes,
    }, checks, subset


def dump(doc) -> str:
    """json.dumps(indent=1, sort_keys=True) with every list of numbers on one line."""
    text = json.dumps(doc, indent=1, sort_keys=True)
    flat = lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]"  # noqa: E731
    return re.sub(r"\[\s+([-+0-9.eE,\s]+?)\s+\]", flat, text) + "\n"


DEFINITIONS = {
    "metric": "m = logit[answer_id] - logit[foil_id] at the prompt's last token, mean over "
              "pairs; the clean pair's answer/foil on both prompts",
    "nodes": "input = token embedding (+ learned position embedding for GPT-2); a{l}.h{h} = "
             "z_h . W_O[h]^T without the output bias; m{l} = MLP output incl. its bias; logits",
    "destinations": "a{l}.h{h}<q|k|v>: a per-query-head copy of the residual stream, normed "
                    "then projected (GQA: <k>/<v> of query head h use kv head h // (H/KV)); "
                    "m{l}: the MLP norm's input (parallel residual: the block input, no "
                    "a{l}.h*->m{l}); logits: the final norm's input",
    "edge_level": "run on the clean tokens after a corrupted run; every destination input "
                  "D = sum_{U->D in C} a_U(this run) + sum_{U->D not in C} a_U(corrupted run) "
                  "+ the attention output biases b_O of the layers that reach D (no node)",
    "node_level": "run on the clean tokens; every node output not in N is replaced by its "
                  "corrupted-run value (heads individually), the rest computed normally",
    "faithfulness": "F(C) = (m(C) - m(empty)) / (m(M) - m(empty)) with the means over pairs; "
                    "m(M) = clean run (every edge), m(empty) = corrupted run (no edge)",
    "edge_indices": "edge_circuits[*].edges are ascending indices into `edges`, which is in "
                    "hannamw/EAP-IG Graph.from_model insertion order",
    "circuits_as_given": "edge sets are used as given (dangling edges are not removed; "
                         "removing them does not change m(C), asserted)",
}


def main() -> int:
    import tokenizers
    import transformers
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}")
    for name in MODEL_NAMES:
        folder = MODELS / name
        pairs_path = PAIRS / name / "pairs.jsonl"
        pairs_text = pairs_path.read_text(encoding="utf-8")
        pairs = [json.loads(line) for line in pairs_text.splitlines() if line.strip()]
        attr_ref = json.loads((PAIRS / name / "reference.json").read_text())
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32,
                                                     attn_implementation="eager")
        model.eval()
        P32 = A.extract_params(model)
        P64 = A.to_dtype(P32, torch.float64)
        dev32, dev64, dev64_pure = A.check_hf(model, P32, P64, pairs)
        body, checks, subset = model_reference(name, model, P32, P64, pairs, attr_ref)
        checks = {
            "max_abs_logit_diff_vs_transformers_float32": dev32,
            "max_abs_logit_diff_vs_transformers_float64_with_its_float32_steps": dev64,
            "max_abs_logit_diff_vs_transformers_float64": dev64_pure,
            **checks,
        }
        ref = {
            "meta": {
                "model": name, "architecture": model.config.architectures[0],
                "torch": torch.__version__, "transformers": transformers.__version__,
                "tokenizers": tokenizers.__version__,
                "command": COMMAND, "dtype": "float64", "metric": "logit_diff",
                "definitions": DEFINITIONS,
                "pairs_file": f"fixtures/attribution/{name}/pairs.jsonl",
                "pairs_sha256": hashlib.sha256(pairs_text.encode("utf-8")).hexdigest(),
                "padding": "none: every pair is run on its own (lengths "
                           f"{[len(p['clean_ids']) for p in pairs]})",
                "parallel_residual": P64["parallel"], "n_layers": P64["L"],
                "n_heads": P64["H"], "n_kv_heads": P64["KV"],
                "n_nodes": len(body["nodes"]), "n_edges": len(body["edges"]),
                "seed": SEED,
                "checks": checks,
            },
            **body,
        }
        text = dump(ref)
        out = OUT / name
        out.mkdir(parents=True, exist_ok=True)
        (out / "reference.json").write_text(text)
        print(f"{name}: {len(body['edges'])} edges, m(M) {body['m_full']['mean']:.6f}, "
              f"m(empty) {body['m_empty']['mean']:.6f}, node subset {subset}, "
              f"{len(text) / 1024:.1f} KB")
        print("  F: " + ", ".join(f"{k} {v['faithfulness']:.4f}"
                                  for k, v in body["edge_circuits"].items())
              + " | nodes: " + ", ".join(f"{k} {v['faithfulness']:.4f}"
                                         for k, v in body["node_circuits"].items()))
        print("  checks: " + ", ".join(
            f"{k} {v:.1e}" if isinstance(v, float) else
            f"{k} {{{', '.join(f'{a} {b:.1e}' for a, b in v.items())}}}"
            for k, v in checks.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
