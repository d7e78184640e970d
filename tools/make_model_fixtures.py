#!/usr/bin/env python3
"""Tiny random-weight checkpoints + transformers reference outputs: fixtures/models/<name>/.

Run once by a developer (CI never runs Python):

    tools/setup-venv.sh && tools/.venv/bin/python tools/make_model_fixtures.py

What it writes, for each of gpt2, neox-parallel, neox-sequential, llama-gqa, llama-tied:

  fixtures/models/<name>/config.json            save_pretrained, float32
  fixtures/models/<name>/model.safetensors      save_pretrained (safetensors, float32)
  fixtures/models/<name>/generation_config.json written by save_pretrained (unused)
  fixtures/models/<name>/tokenizer.json         the shared byte-level BPE (see below)
  fixtures/models/<name>/tokenizer_config.json  written by PreTrainedTokenizerFast.save_pretrained
  fixtures/models/<name>/reference.json         logits / hidden states from transformers
  fixtures/models/legacy-configs/<name>.json    the same config as transformers 4.x spelled it
                                                (rotary_pct, rotary_emb_base, rope_theta, ...);
                                                checked to load to the same logits in 5.x

The tokenizer is a GPT-2-style byte-level BPE trained here with the `tokenizers`
library on a deterministic corpus built in this file (no downloads). All models
share it; none prepends a BOS token (the llama ones included: the tokenizer has
no post-processor that adds one).

Weights are drawn with a seeded generator with larger-than-default spread
(matrices and embeddings N(0, 0.2^2), norm weights 1 + N(0, 0.1^2), biases
N(0, 0.05^2)), so the logits have a real spread and every parameter matters.

reference.json (float32 values written as the shortest decimal that round-trips
to the same float32, so parsing them as Float gives the exact bits):

  {"meta": {...versions, dtype, attn_implementation...},
   "prompts": [{"text", "token_ids", "logits": [[V] per position]}, ...],
   "batch": {"input_ids": [[T_max]...], "attention_mask": [[T_max]...],
             "lengths": [...], "pad_token_id": int,
             "logits": [[[V] per real position] per prompt]},
   "hidden_states": {"prompt": 0, "layers": [[T, d] ...], ...},
   "final_resid": [T, d]}

The model folder is re-loaded with AutoModelForCausalLM before the references
are computed, so they belong to exactly the saved files.

Works with any Python that has torch + transformers + tokenizers (e.g.
tools/.venv/bin/python); paths are relative to the repository root.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "models"
LEGACY = OUT / "legacy-configs"

VOCAB_SIZE = 448
EOS = "<|endoftext|>"
D_MODEL = 32
N_LAYERS = 2
N_HEADS = 4
MAX_POS = 64

PROMPTS = [  # the first one also gets hidden states stored
    "Yesterday the nurse thanked the doctor",
    "the chef praised",
    "After 3 days, the teacher helped the student and",
    "Zoë paid the baker in the café",
]


# ---------------------------------------------------------------- corpus + tokenizer

PEOPLE = ["chef", "waiter", "nurse", "doctor", "teacher", "student", "lawyer", "farmer",
          "pilot", "baker", "king", "queen", "child"]
VERBS = ["praised", "thanked", "helped", "called", "warned", "paid", "met",
         "visited", "pushed", "blamed", "greeted", "saw"]
NAMES = ["Alice", "Bob", "Mary", "John", "Zoë", "José", "Anna", "Tom", "Chloé", "Omar"]
OPENERS = ["", "Yesterday ", "Then ", "After lunch, ", "On Monday ", "Later, ", "At 9 am ",
           "In 2021 ", "Suddenly ", "Before the show, "]
ENDINGS = [".", ".", "!", "?", " again.", " twice.", " at home.", " in the café.",
           " for 3 hours.", " — quietly."]
EXTRA = [
    "The price was 42 euros (about 45 dollars); nobody complained.",
    "Call 555-0199 before 10:30, or email the office at once!",
    "She counted: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10.",
    "\"Why?\" asked the child. \"Because,\" said the queen.",
    "The naïve artist painted a smiling façade in Zürich.",
    "Temperatures fell to −5 °C; the pilot waited 2½ hours.",
    "日本 and 中国 are far from the farm, said the farmer.",
    "In 1999, 2000 and 2001 the team won 3-0, 2-1 and 4-2.",
    "The doctor's notes (pages 12–14) were lost.",
    "Everyone — even the guard — laughed :)",
]


def corpus() -> str:
    """A few KB of deterministic English: who did what to whom, plus odds and ends."""
    lines = []
    n_p, n_v = len(PEOPLE), len(VERBS)
    for i in range(260):
        a = PEOPLE[(i * 7) % n_p]
        b = PEOPLE[(i * 3 + 5) % n_p]
        if a == b:
            b = PEOPLE[(i * 3 + 6) % n_p]
        v = VERBS[(i * 11 + i // n_v) % n_v]
        s = OPENERS[i % len(OPENERS)] + f"the {a} {v} the {b}" + ENDINGS[(i * 3) % len(ENDINGS)]
        lines.append(s[0].upper() + s[1:] if i % 4 == 0 else s)
    for i in range(40):
        lines.append(f"{NAMES[i % len(NAMES)]} {VERBS[(i * 7) % n_v]} {NAMES[(i * 3 + 1) % len(NAMES)]} "
                     f"{i + 1} times, and the {PEOPLE[(i * 9) % n_p]} saw it.")
    lines += EXTRA
    return "\n".join(lines) + "\n"


def train_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=[EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus().splitlines(keepends=True), trainer=trainer)
    return tok


def hf_tokenizer(tok):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOS, eos_token=EOS,
                                   unk_token=EOS, model_max_length=MAX_POS)


# ---------------------------------------------------------------- models

def model_specs(vocab: int, eos_id: int) -> dict[str, tuple]:
    from transformers import GPT2Config, GPTNeoXConfig, LlamaConfig

    common_ids = dict(bos_token_id=eos_id, eos_token_id=eos_id)
    return {
        "gpt2": ("GPT2LMHeadModel", GPT2Config(
            vocab_size=vocab, n_positions=MAX_POS, n_embd=D_MODEL, n_layer=N_LAYERS, n_head=N_HEADS,
            activation_function="gelu_new", layer_norm_epsilon=1e-5, tie_word_embeddings=True,
            resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, **common_ids), 101),
        "neox-parallel": ("GPTNeoXForCausalLM", GPTNeoXConfig(
            vocab_size=vocab, hidden_size=D_MODEL, num_hidden_layers=N_LAYERS, num_attention_heads=N_HEADS,
            intermediate_size=4 * D_MODEL, max_position_embeddings=MAX_POS, hidden_act="gelu",
            rotary_pct=0.25, rotary_emb_base=10000.0, use_parallel_residual=True, layer_norm_eps=1e-5,
            tie_word_embeddings=False, **common_ids), 102),
        "neox-sequential": ("GPTNeoXForCausalLM", GPTNeoXConfig(
            vocab_size=vocab, hidden_size=D_MODEL, num_hidden_layers=N_LAYERS, num_attention_heads=N_HEADS,
            intermediate_size=4 * D_MODEL, max_position_embeddings=MAX_POS, hidden_act="gelu",
            # a non-default base, so a config reader that ignores it fails the logits check
            rotary_pct=0.5, rotary_emb_base=25000.0, use_parallel_residual=False, layer_norm_eps=1e-5,
            tie_word_embeddings=False, **common_ids), 103),
        "llama-gqa": ("LlamaForCausalLM", LlamaConfig(
            vocab_size=vocab, hidden_size=D_MODEL, num_hidden_layers=N_LAYERS, num_attention_heads=N_HEADS,
            num_key_value_heads=2, intermediate_size=80, max_position_embeddings=MAX_POS,
            rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=False, **common_ids), 104),
        "llama-tied": ("LlamaForCausalLM", LlamaConfig(
            vocab_size=vocab, hidden_size=D_MODEL, num_hidden_layers=N_LAYERS, num_attention_heads=N_HEADS,
            num_key_value_heads=N_HEADS, intermediate_size=80, max_position_embeddings=MAX_POS,
            rope_theta=500000.0, rms_norm_eps=1e-6, tie_word_embeddings=True, **common_ids), 105),
    }


def init_weights(model: torch.nn.Module, seed: int) -> None:
    """Large-spread deterministic init; tied parameters are visited once."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # remove_duplicate=True: tied weights once
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "bias":
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
            elif p.dim() == 1:  # LayerNorm / RMSNorm weights
                p.copy_(1.0 + torch.randn(p.shape, generator=g) * 0.1)
            else:  # linear / conv1d / embedding matrices
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)


# ---------------------------------------------------------------- serialisation

def f32(x) -> float:
    """Shortest decimal that round-trips to the same float32, as a Python float."""
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-")) \
        if np.isfinite(x) else float(x)


def f32_list(t: torch.Tensor):
    a = t.detach().to(torch.float32).numpy()
    flat = [f32(v) for v in a.reshape(-1)]
    if a.ndim == 0:
        return flat[0]
    return np.array(flat, dtype=object).reshape(a.shape).tolist()


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


# ---------------------------------------------------------------- main

def reference(folder: Path, tok, prompts: list[str], eos_id: int) -> dict:
    import tokenizers
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    hf_tok = AutoTokenizer.from_pretrained(folder)

    ref = {"meta": {
        "transformers": transformers.__version__, "torch": torch.__version__,
        "tokenizers": tokenizers.__version__, "dtype": "float32", "attn_implementation": "eager",
        "bos_prepended": False, "architecture": model.config.architectures[0],
        "note": "logits are the model's float32 outputs; values are the shortest decimals "
                "that round-trip to those float32 bits"}}

    entries = []
    ids_list = []
    with torch.inference_mode():
        for text in prompts:
            ids = hf_tok(text)["input_ids"]
            assert ids == tok.encode(text).ids, "AutoTokenizer and tokenizers disagree"
            assert 3 <= len(ids) <= 12, (text, len(ids))
            ids_list.append(ids)
            out = model(torch.tensor([ids]))
            entries.append({"text": text, "token_ids": ids, "logits": f32_list(out.logits[0])})
        ref["prompts"] = entries

        # Right-padded batch with an attention mask: real positions must not change.
        T = max(len(i) for i in ids_list)
        input_ids = [i + [eos_id] * (T - len(i)) for i in ids_list]
        mask = [[1] * len(i) + [0] * (T - len(i)) for i in ids_list]
        out = model(torch.tensor(input_ids), attention_mask=torch.tensor(mask))
        lengths = [len(i) for i in ids_list]
        max_pad_diff = 0.0
        for b, n in enumerate(lengths):
            single = model(torch.tensor([ids_list[b]])).logits[0]
            max_pad_diff = max(max_pad_diff, (out.logits[b, :n] - single).abs().max().item())
        ref["batch"] = {
            "padding_side": "right", "pad_token_id": eos_id,
            "input_ids": input_ids, "attention_mask": mask, "lengths": lengths,
            "logits_note": "only the real positions of each row are stored: logits[b] is [lengths[b], V]",
            "logits": [f32_list(out.logits[b, :n]) for b, n in enumerate(lengths)],
            "max_abs_diff_vs_unpadded": max_pad_diff,
        }

        # Hidden states of the first prompt, to localise a mismatch to a layer.
        captured = {}
        last_layer = model.base_model.layers[-1] if hasattr(model.base_model, "layers") \
            else model.base_model.h[-1]
        h = last_layer.register_forward_hook(lambda m, i, o: captured.__setitem__(
            "out", o[0] if isinstance(o, tuple) else o))
        out = model(torch.tensor([ids_list[0]]), output_hidden_states=True)
        h.remove()
        hs = out.hidden_states
        assert len(hs) == model.config.num_hidden_layers + 1
        ref["hidden_states"] = {
            "prompt": 0,
            "note": "transformers' output_hidden_states for prompts[0]: layers[0] is the embedding "
                    "output (resid_pre of block 0), layers[l] for 0<l<n_layers is the output of block "
                    "l-1 (resid_post of block l-1), and the last entry is the FINAL-NORMED output "
                    "(ln_final(resid_post of the last block)), because transformers overwrites "
                    "hidden_states[-1] with last_hidden_state. final_resid is the last block's output "
                    "before the final norm.",
            "layers": [f32_list(x[0]) for x in hs],
        }
        ref["final_resid"] = f32_list(captured["out"][0])
    return ref


def legacy_config(config: dict) -> dict | None:
    """The same model's config.json as transformers 4.x wrote it (e.g. real Pythia and
    Llama-2 checkpoints): NeoX `rotary_pct` / `rotary_emb_base`, Llama top-level
    `rope_theta` / `rope_scaling`, `torch_dtype` instead of `dtype`. None for GPT-2
    (nothing rotary; its keys did not change)."""
    rope = config.get("rope_parameters")
    if rope is None:
        return None
    legacy = {k: v for k, v in config.items() if k not in ("rope_parameters", "dtype", "transformers_version")}
    legacy["torch_dtype"] = config["dtype"]
    legacy["transformers_version"] = "4.40.0"
    if config["model_type"] == "gpt_neox":
        legacy.pop("attention_bias", None)  # added in 4.4x; absent from Pythia configs (default true)
        legacy["rotary_pct"] = rope.get("partial_rotary_factor", 1.0)
        legacy["rotary_emb_base"] = rope["rope_theta"]
    else:
        legacy.pop("head_dim", None)   # Llama-2-era configs have neither; head_dim = hidden / heads
        legacy.pop("mlp_bias", None)
        legacy["rope_theta"] = rope["rope_theta"]
        legacy["rope_scaling"] = None
    return dict(sorted(legacy.items()))


def check_legacy(folder: Path, legacy: dict, ref: dict) -> None:
    """transformers must load the legacy spelling of the config to the same logits."""
    import tempfile

    from transformers import AutoModelForCausalLM

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for p in folder.iterdir():
            if p.name != "config.json":
                shutil.copy(p, tmp / p.name)
        (tmp / "config.json").write_text(json.dumps(legacy, indent=2) + "\n")
        model = AutoModelForCausalLM.from_pretrained(tmp, dtype=torch.float32, attn_implementation="eager")
        model.eval()
        with torch.inference_mode():
            for entry in ref["prompts"]:
                got = model(torch.tensor([entry["token_ids"]])).logits[0]
                want = torch.tensor(entry["logits"], dtype=torch.float32)
                assert torch.equal(got, want), f"legacy config of {folder.name} gives other logits"


def main() -> None:
    import tokenizers
    import transformers
    from transformers import GPT2LMHeadModel, GPTNeoXForCausalLM, LlamaForCausalLM

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    classes = {"GPT2LMHeadModel": GPT2LMHeadModel, "GPTNeoXForCausalLM": GPTNeoXForCausalLM,
               "LlamaForCausalLM": LlamaForCausalLM}
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"tokenizers {tokenizers.__version__}, threads {torch.get_num_threads()}")

    tok = train_tokenizer()
    vocab = tok.get_vocab_size()
    eos_id = tok.token_to_id(EOS)
    print(f"tokenizer: vocab {vocab}, {EOS} = {eos_id}, corpus {len(corpus().encode())} bytes")
    for p in PROMPTS:
        print(f"  {len(tok.encode(p).ids):2d} tokens  {p!r}")

    OUT.mkdir(parents=True, exist_ok=True)
    if LEGACY.exists():
        shutil.rmtree(LEGACY)
    for name, (cls_name, config, seed) in model_specs(vocab, eos_id).items():
        folder = OUT / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        model = classes[cls_name](config)
        init_weights(model, seed)
        model.eval()
        # transformers 5.x always writes safetensors: save_pretrained no longer has a
        # safe_serialization parameter (it would be swallowed silently by **kwargs).
        model.save_pretrained(folder)
        hf_tokenizer(tok).save_pretrained(folder)

        ref = reference(folder, tok, PROMPTS, eos_id)
        (folder / "reference.json").write_text(json.dumps(ref, separators=(",", ":")) + "\n")

        legacy = legacy_config(json.loads((folder / "config.json").read_text()))
        if legacy is not None:
            check_legacy(folder, legacy, ref)
            LEGACY.mkdir(parents=True, exist_ok=True)
            (LEGACY / f"{name}.json").write_text(json.dumps(legacy, indent=2) + "\n")
        spread = np.array(ref["prompts"][1]["logits"]).std()
        print(f"{folder.relative_to(ROOT)}: {folder_size(folder) / 1024:.0f} KB, "
              f"logit std {spread:.2f}, pad max diff {ref['batch']['max_abs_diff_vs_unpadded']:.2e}, "
              f"files {sorted(p.name for p in folder.iterdir())}")


if __name__ == "__main__":
    sys.exit(main())
