#!/usr/bin/env python3
"""Training references: fixtures/training/.

Run once by a developer after building circuitry (CI never runs Python):

    swift build --product circuitry
    tools/.venv/bin/python tools/make_training_fixtures.py [--circuitry .build/debug/circuitry]

What it writes:

  fixtures/training/adamw_step.json   torch.optim.AdamW (PyTorch semantics: decoupled weight
                                      decay, bias correction, eps outside the sqrt), two steps
                                      on stored parameters and gradients, one decayed tensor and
                                      one not (two param groups), a different lr each step:
                                      {"lr": [..], "beta1", "beta2", "eps", "weight_decay",
                                       "parameters": [{"name", "shape", "decay", "initial",
                                                       "gradients": [[..] per step],
                                                       "after": [[..] per step]}]}
  fixtures/training/<arch>/           for gpt2, gpt_neox, llama: the step-20 checkpoint that
                                      `circuitry train` writes for a tiny model (2 layers,
                                      2 heads, d_model 16, 20 steps, seed 0, 1 thread), without
                                      its optimizer state, and reference.json:
                                      {"meta": {...}, "prompts": [{"text", "token_ids",
                                       "logits": [[V] per position]}]} from transformers'
                                      AutoModelForCausalLM and AutoTokenizer on that folder;
                                      gradients.json: the loss (--loss-on all) of the four prompts
                                      as one right-padded batch and its gradient for every
                                      parameter, from torch autograd.

The Swift tests (Tests/TrainingTests) re-check the AdamW steps within 1e-6 and circuitry's
token ids and logits on the same folders within 1e-4, and the tape's loss and
parameter gradients against torch autograd.
"""

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "training"

PROMPTS = [
    "The chef praised the waiter. Who was praised? The",
    "The waiter was praised by the chef. Who praised someone? The",
    "Lily gave Tom the ball. Who got the ball?",
    "Tom was helped by Lily. Who was helped?",
]


def f32(x) -> float:
    """Shortest decimal that round-trips to the same float32, as a Python float."""
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-"))


def f32_list(t: torch.Tensor):
    a = t.detach().to(torch.float32).numpy()
    flat = [f32(v) for v in a.reshape(-1)]
    return np.array(flat, dtype=object).reshape(a.shape).tolist()


def adamw_fixture() -> None:
    g = torch.Generator().manual_seed(0)
    shapes = {"w": ([3, 5], True), "b": ([5], False)}
    params = {n: torch.nn.Parameter(torch.randn(s, generator=g) * 0.5) for n, (s, _) in shapes.items()}
    initial = {n: f32_list(p) for n, p in params.items()}
    hyper = dict(betas=(0.9, 0.98), eps=1e-8)
    wd = 0.1
    opt = torch.optim.AdamW(
        [{"params": [params["w"]], "weight_decay": wd}, {"params": [params["b"]], "weight_decay": 0.0}],
        lr=1e-3, **hyper)
    lrs = [3e-3, 1.5e-3]
    grads = {n: [] for n in params}
    after = {n: [] for n in params}
    for lr in lrs:
        for group in opt.param_groups:
            group["lr"] = lr
        for n, p in params.items():
            # Mixed magnitudes (tiny, ordinary, large) exercise eps and the moment updates.
            scale = torch.tensor([1e-6, 1e-2, 1.0, 10.0, 0.3])
            gr = torch.randn(p.shape, generator=g) * scale.expand(p.shape)
            p.grad = gr.clone()
            grads[n].append(f32_list(gr))
        opt.step()
        for n, p in params.items():
            after[n].append(f32_list(p))
    fixture = {
        "meta": {"torch": torch.__version__, "optimizer": "torch.optim.AdamW (foreach=None, CPU: single-tensor)"},
        "lr": lrs, "beta1": 0.9, "beta2": 0.98, "eps": 1e-8, "weight_decay": wd,
        "parameters": [
            {"name": n, "shape": list(params[n].shape), "decay": shapes[n][1], "initial": sum_flat(initial[n]),
             "gradients": [sum_flat(x) for x in grads[n]], "after": [sum_flat(x) for x in after[n]]}
            for n in params
        ],
    }
    (OUT / "adamw_step.json").write_text(json.dumps(fixture, separators=(",", ":")) + "\n")


def sum_flat(nested):
    """Flattens nested lists (row-major)."""
    return np.array(nested, dtype=object).reshape(-1).tolist()


def checkpoint_fixture(circuitry: str, arch: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        subprocess.run([circuitry, "train", "--arch", arch, "--layers", "2", "--heads", "2", "--d-model", "16",
                        "--steps", "20", "--batch-size", "16", "--checkpoint-steps", "20", "--held-out", "32",
                        "--lr", "1e-2", "--warmup", "5", "--threads", "1", "--seed", "0", "--out", str(run),
                        "--templates", str(ROOT / "circuits" / "roles" / "templates.json")],
                       check=True, cwd=ROOT)
        folder = OUT / arch
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(run / "step20", folder, ignore=shutil.ignore_patterns("optimizer.safetensors"))
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    prompts = []
    with torch.no_grad():
        for text in PROMPTS:
            ids = tokenizer(text)["input_ids"]
            logits = model(torch.tensor([ids])).logits[0]
            prompts.append({"text": text, "token_ids": ids, "logits": f32_list(logits)})
    ref = {"meta": {"torch": torch.__version__, "transformers": transformers.__version__,
                    "class": type(model).__name__, "tokenizer_class": type(tokenizer).__name__,
                    "made_by": "circuitry train --arch %s --layers 2 --heads 2 --d-model 16 --steps 20 --batch-size 16 "
                               "--checkpoint-steps 20 --held-out 32 --lr 1e-2 --warmup 5 --threads 1 --seed 0" % arch},
           "prompts": prompts}
    (folder / "reference.json").write_text(json.dumps(ref, separators=(",", ":")) + "\n")
    gradients_fixture(model, folder, [p["token_ids"] for p in prompts])
    print(f"{arch}: {type(model).__name__}, {sum(p.numel() for p in model.parameters())} parameters, "
          f"prompt 0 ids {prompts[0]['token_ids']}")


def gradients_fixture(model, folder: Path, sequences) -> None:
    """The training objective with --loss-on all on the prompts as one right-padded batch (pad id 3, no
    attention mask: the causal mask keeps pads out of real positions): mean next-token cross-entropy over
    real positions, and its gradient for every parameter (checkpoint names)."""
    # eval(): transformers' GPT2Config defaults to dropout 0.1 (circuitry's config.json leaves the
    # dropout keys out); gradients are taken without dropout, as circuitry trains.
    model.eval()
    model.zero_grad(set_to_none=True)
    length = max(len(s) for s in sequences)
    ids = torch.tensor([s + [3] * (length - len(s)) for s in sequences])
    targets = torch.full((len(sequences), length), -100)
    for b, s in enumerate(sequences):
        targets[b, : len(s) - 1] = torch.tensor(s[1:])
    logits = model(ids).logits
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
    loss.backward()
    # Checkpoint names: transformers 5 calls GPT-NeoX's `embed_out` `lm_head` in the module tree.
    rename = {"lm_head.weight": "embed_out.weight"} if model.config.model_type == "gpt_neox" else {}
    grads = {rename.get(name, name): sum_flat(f32_list(p.grad)) for name, p in model.named_parameters()}
    out = {"sequences": sequences, "pad_id": 3, "loss": f32(loss.item()), "gradients": grads}
    (folder / "gradients.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--circuitry", default=str(ROOT / ".build" / "debug" / "circuitry"))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    adamw_fixture()
    for arch in ["gpt2", "gpt_neox", "llama"]:
        checkpoint_fixture(args.circuitry, arch)


if __name__ == "__main__":
    main()
