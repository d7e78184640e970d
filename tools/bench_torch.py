#!/usr/bin/env python3
"""PyTorch baseline benchmarks, to compare circuitry's own benchmarks against.

Run once by a developer (CI never runs Python):

    tools/setup-venv.sh && tools/.venv/bin/python tools/bench_torch.py all --threads 2

Subcommands: sgemm | forward | kernels | all. Every measurement prints one JSON
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["sgemm", "forward", "kernels", "all"])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs, at least 10 (default 20)")
    parser.add_argument("--kernel-runs", type=int, default=200,
                        help="timed runs for the (sub-millisecond) kernels (default 200)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up runs (default 3)")
    args = parser.parse_args()
    if args.runs < 10 or args.kernel_runs < 10:
        parser.error("--runs and --kernel-runs must be at least 10")
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


if __name__ == "__main__":
    main()
