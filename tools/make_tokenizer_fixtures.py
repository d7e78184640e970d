#!/usr/bin/env python3
"""Make the tokenizer fixtures under fixtures/tokenizers/.

Run once by a developer (not by the tests, not by CI) with a Python that has
the Hugging Face `tokenizers` library, e.g.:

    /work/venv-torch/bin/python tools/make_tokenizer_fixtures.py

It trains several small tokenizers on a built-in corpus, deterministically, and
writes for each one

    fixtures/tokenizers/<name>/tokenizer.json    the tokenizer as `tokenizers` saves it
    fixtures/tokenizers/<name>/cases.json        [{"text", "ids", "ids_no_special",
                                                   "decoded", "decoded_skip"}, ...]
    fixtures/tokenizers/<name>/meta.json         vocab size, special ids, decode-only cases

where every expected value is computed by `tokenizers` from the tokenizer.json
as written on disk. It also writes fixtures/tokenizers/unicode-classes.json (which code points
`tokenizers` puts in each character class it uses), regex-cases.json (how
`tokenizers` splits the texts with the split patterns of GPT-2, Llama 3,
Qwen 2, GPT-4o and a few others) and
fixtures/tokenizers/tok512-cases.json,
the same cases computed on the shared model's tokenizer
(../shared/models/stories260K/tokenizer.json beside the repository) when that
file exists; the tokenizer itself is never copied into the repository.

Paths are relative to the repository root, found from this file's location.
"""

import json
import random
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
from tokenizers import pre_tokenizers, processors, trainers

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "tokenizers"
STORIES = ROOT.parent / "shared" / "models" / "stories260K" / "tokenizer.json"

# Llama-3 / GPT-4 (cl100k) style split pattern.
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Split patterns of well-known tokenizers, for the regex fixture.
REGEX_PATTERNS = {
    "gpt2": r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
    "llama3": LLAMA3_PATTERN,
    "qwen2": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
        r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
    ),
    "o200k": (
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
    ),
    "words": r"\w+|[^\w\s]+",
    "lazy": r"[a-z]+?e|\d{2,3}?",
}

CORPUS = """\
Once upon a time, there was a little girl named Lily. She loved to play outside in the park.
One day, she saw a big red ball under a tree. "Can I play with it?" she asked her mom.
Her mom said, "Yes, but don't go too far!" Lily smiled and ran to the ball.
The dog barked at the cat, and the cat ran up the tree. The bird sang a happy song.
Tom and Sam were best friends. They liked to build castles in the sand at the beach.
I'll be there at 10:30 tomorrow. We've got 3 apples, 12 pears and 1,000 grapes.
It's a sunny day; the sky is blue and the grass is green. They're going home now.
The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG.
Circuit discovery finds the heads and MLPs that carry a behaviour in a language model.
Attention heads move information between positions; MLPs write features into the residual stream.
def main():\n    print("hello, world")\n    return 0
for i in range(10):\n\tx = i * 2 + 1  # comment
Le café était très bon, et la crème brûlée aussi. Où est la gare ? À bientôt !
Der Bär läuft über die Straße. Schöne Grüße aus München.
El niño comió una manzana. ¿Dónde está el baño? ¡Hola!
Москва — столица России. Привет, как дела?
東京は日本の首都です。私は猫が好きです。
北京是中国的首都。我喜欢学习。
서울은 한국의 수도입니다.
Emoji are fun 😀🎉👍 and so are symbols like © ® ™ € £ ¥ § ¶ • … — –.
Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 2024 3.14159 -42 +7 1e10 ½ ² ³.
"""


def corpus_lines():
    lines = [l for l in CORPUS.splitlines() if l.strip()]
    return lines * 20


def fragments():
    return [
        "Hello", "world", "hello", "HELLO", "the", "The", "cat", "dog", "Lily", "park",
        "don't", "I'LL", "we've", "they're", "it's", "she'd", "I'm", "'s", "'", "''",
        "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \t ", "\u00a0", "\u3000", "\u2028",
        "123", "4567", "3.14", "1,000", "0", "42", "½", "²", "٣", "१२",
        ",", ".", "!", "?", ";", ":", "...", "--", "()", "[]", "{}", "\"", "#", "@", "$", "%",
        "café", "cafe\u0301", "naïve", "Ångström", "über", "ﬁ", "Ⅻ", "①", "ｆｕｌｌ", "Å",
        "日本語", "中文", "한국어", "Привет", "مرحبا", "שלום", "ไทย", "हिन्दी", "Ελληνικά",
        "😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🎉🎉",
        "<|endoftext|>", "<s>", "</s>", "<unk>", "[CLS]", "[SEP]", "[UNK]", "<mask>",
        "<|begin_of_text|>", "<|sep|>", "<|padding|>", "Circuit", "circuit", "Circuits",
        "<bos>", "<eos>",
    ]


def texts():
    fixed = [
        "", " ", "  ", "\n", "\t", "a", "A", " a", "a ", "  a  ",
        "Hello world", "Hello  world", "Hello   world", " Hello world", "Hello world ",
        "Hello\tworld", "Hello\nworld", "Hello\n\nworld", "Hello \n world", "line1\r\nline2",
        "don't", "I'LL", "I'll", "You're", "we've", "she'd", "it's", "They'RE", "o'clock", "rock'n'roll",
        "1234567890", "3.14159", "100,000", "$5.99", "-42", "2024-01-01", "x1y2z3", "v1.2.3",
        "Hello, world! How are you?", "Wait... what?!", "(parenthesised) [bracketed] {braced}",
        "email@example.com", "https://example.com/path?q=1&r=2", "#hashtag @mention",
        "café", "cafe\u0301", "naïve résumé", "Ångström", "ﬁnancial ﬂow", "ｆｕｌｌｗｉｄｔｈ", "Ⅻ ① ½",
        "日本語のテキスト", "北京是中国的首都。", "서울은 한국의 수도입니다.", "Привет, мир!", "مرحبا بالعالم",
        "😀", "I love 🍕 and 🍣!", "👨‍👩‍👧 family", "flags 🇫🇷🇩🇪", "❤️❤️❤️", "emoji😀inside",
        "e\u0301\u0301\u0301", "\u0301leading combining", "Zalgo t\u0336e\u0337x\u0338t",
        "tabs\t\tand\t\t\tmore", "   leading", "trailing   ", "\n\nnewlines\n\n", " \t\n mixed \r\n ",
        "no\u00a0break\u00a0space", "ideographic\u3000space", "line\u2028separator", "zero\u200bwidth",
        "<|endoftext|>", "Hello<|endoftext|>world", "Hello <|endoftext|> world", "<|endoftext|><|endoftext|>",
        "<s>Hello</s>", "<s> Hello </s>", "Hello</s>", "a<s>b", "<unk>", "[CLS] hello [SEP]",
        "The <mask> sat.", "The<mask>sat.", "The   <mask>   sat.", "<mask>", " <mask>",
        "<|begin_of_text|>Hi", "Hi<|sep|>there", "<|sep|>", "<|padding|>",
        "Circuit", "Circuit discovery", "A Circuit.", "Circuits", "aCircuit", "Circuit_x", "(Circuit)",
        "word   <|sep|>   word", "x\u00a0\u00a0y", "   ", "    ", "     x", "x     ",
        "The quick brown fox jumps over the lazy dog.",
        "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG.",
        "Once upon a time, there was a little girl named Lily.",
        "def f(x):\n    return x * 2\n",
        "for i in range(10):\n\tprint(i)",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "abababababababababababababababababababab",
        "thethethethethethethethethe",
        "x" * 300,
        " ".join(["word"] * 60),
        "Mixed 123abc ABC123 a1b2 ½x ²y",
        "\u0000null\u0001ctrl\u007fdel",
        "\u00ad soft hyphen",
        "İstanbul ΣΊΣΥΦΟΣ ß ẞ ǅ",
        "Ⓐⓑⓒ",
    ]
    rng = random.Random(1234)
    frags = fragments()
    gen = []
    for _ in range(220):
        n = rng.randint(1, 8)
        parts = []
        for _ in range(n):
            parts.append(rng.choice(frags))
            r = rng.random()
            if r < 0.55:
                parts.append(" ")
            elif r < 0.65:
                parts.append(rng.choice(["  ", "\n", "\t", ""]))
        gen.append("".join(parts))
    out, seen = [], set()
    for t in fixed + gen:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def cases_for(tok, all_texts):
    cases = []
    for t in all_texts:
        ids = tok.encode(t, add_special_tokens=True).ids
        ids_ns = tok.encode(t, add_special_tokens=False).ids
        cases.append({
            "text": t,
            "ids": ids,
            "ids_no_special": ids_ns,
            "decoded": tok.decode(ids, skip_special_tokens=False),
            "decoded_skip": tok.decode(ids, skip_special_tokens=True),
        })
    return cases


def meta_for(tok, seed):
    rng = random.Random(seed)
    size = tok.get_vocab_size(with_added_tokens=True)
    decode_cases = []
    for _ in range(60):
        ids = [rng.randrange(size) for _ in range(rng.randint(1, 12))]
        decode_cases.append({
            "ids": ids,
            "decoded": tok.decode(ids, skip_special_tokens=False),
            "decoded_skip": tok.decode(ids, skip_special_tokens=True),
        })
    vocab = tok.get_vocab(with_added_tokens=True)
    added = {t.content for t in tok.get_added_tokens_decoder().values()}
    some = sorted(vocab.items(), key=lambda kv: kv[1])[:: max(1, size // 40)]
    some += sorted((k, v) for k, v in vocab.items() if k in added)
    return {
        "vocab_size": size,
        # id_to_token can differ from the vocabulary's spelling: a normalized
        # added token comes back normalized.
        "tokens": [{"token": k, "id": v, "id_to_token": tok.id_to_token(v)} for k, v in some],
        "decode_cases": decode_cases,
    }


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


def write_cases(path, cases):
    """A JSON array with one case a line (small and easy to diff)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cases]
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(lines) + "\n]\n")


def save(name, tok, all_texts, legacy_merges=False, seed=0):
    """Write tokenizer.json, reload it from disk, and compute the cases from the reloaded file."""
    path = OUT / name / "tokenizer.json"
    data = json.loads(tok.to_str())
    if legacy_merges:
        data["model"]["merges"] = [" ".join(m) for m in data["model"]["merges"]]
    write_json(path, data)
    reloaded = Tokenizer.from_file(str(path))
    write_cases(OUT / name / "cases.json", cases_for(reloaded, all_texts))
    write_json(OUT / name / "meta.json", meta_for(reloaded, seed))
    print(f"{name}: {path.stat().st_size} bytes, vocab {reloaded.get_vocab_size(True)}")


def train(tok, trainer, latin_only=False):
    """Train on the corpus. `latin_only` drops every other character from the
    training text, so characters outside it exercise byte fallback or the unknown
    token (the trainer's own `limit_alphabet` breaks ties nondeterministically)."""
    lines = corpus_lines()
    if latin_only:
        keep = lambda c: ord(c) < 128 or c in "éèàâçüöäßñ"
        lines = ["".join(c for c in line if keep(c)) for line in lines]
    tok.train_from_iterator(lines, trainer=trainer)
    return tok


def bytelevel_bpe():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(
        vocab_size=500, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    return train(tok, trainer)


def neox_style():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=520, special_tokens=["<|endoftext|>", "<|padding|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    train(tok, trainer)
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True),
        processors.TemplateProcessing(
            single="$A <|endoftext|>", pair="$A <|endoftext|> $B:1 <|endoftext|>:1",
            special_tokens=[("<|endoftext|>", tok.token_to_id("<|endoftext|>"))]),
    ])
    tok.add_tokens([
        AddedToken("   ", normalized=True, special=False),
        AddedToken("<|sep|>", rstrip=True, normalized=False, special=False),
        AddedToken("Circuit", single_word=True, normalized=False, special=False),
    ])
    return tok


def llama_bpe():
    # Train with a Metaspace pre-tokenizer so no merge crosses a word start, then
    # rewrite the file in the Llama-2 tokenizer.json style: Prepend+Replace
    # normalizer, no pre-tokenizer, byte-fallback tokens <0x00>..<0xFF>.
    base = Tokenizer(models.BPE())
    base.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=560, show_progress=False)
    train(base, trainer, latin_only=True)
    data = json.loads(base.to_str())
    trained = sorted(data["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for token, _ in trained:
        if token not in vocab:
            vocab[token] = len(vocab)
    spec = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i, c in enumerate(["<unk>", "<s>", "</s>"])
        ] + [
            # A normalized added token: it is matched as the normalizer spells it ("▁Circuit").
            {"id": len(vocab), "content": "Circuit", "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": True, "special": False},
        ],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
        ]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ]},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
            "vocab": vocab, "merges": data["model"]["merges"],
        },
    }
    return Tokenizer.from_str(json.dumps(spec))


def wordlevel():
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKC(), normalizers.Lowercase(),
        normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(
        vocab_size=300, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"], show_progress=False)
    train(tok, trainer)
    tok.post_processor = processors.BertProcessing(
        ("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    return tok


def roberta_style():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=500, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    train(tok, trainer)
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))
    return tok


def metaspace_digits():
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Punctuation(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True),
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<unk>", "<bos>", "<eos>"], show_progress=False)
    train(tok, trainer, latin_only=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", pair="<bos> $A <eos> $B:1 <eos>:1",
        special_tokens=[("<bos>", tok.token_to_id("<bos>")), ("<eos>", tok.token_to_id("<eos>"))])
    return tok


def llama3_regex():
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=520, special_tokens=["<|begin_of_text|>", "<|end_of_text|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    train(tok, trainer)
    bot = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(
            single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
            special_tokens=[("<|begin_of_text|>", bot)]),
    ])
    return tok


def simple_bpe(words, n_merges, suffix="", prefix=""):
    """A tiny deterministic BPE trainer (the library's trainer numbers suffixed
    or prefixed characters in hash order, so its output changes between runs)."""
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    split = {}
    for w in counts:
        parts = [w[0]] + [prefix + c for c in w[1:]]
        parts[-1] += suffix
        split[w] = parts
    vocab = sorted({s for parts in split.values() for s in parts})
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for w, parts in split.items():
            for a, b in zip(parts, parts[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + counts[w]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = best[0] + best[1][len(prefix):]
        vocab.append(merged)
        for w, parts in split.items():
            out, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and (parts[i], parts[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            split[w] = out
    return vocab, merges


def bpe_suffix():
    keep = lambda c: ord(c) < 128 or c in "éèàâçüöäßñ"
    words = [
        "".join(c for c in w if keep(c)).lower()
        for line in corpus_lines() for w in line.split()
    ]
    vocab_list, merges = simple_bpe([w for w in words if w], 300, "</w>")
    vocab = {"<unk>": 0}
    for t in vocab_list:
        vocab.setdefault(t, len(vocab))
    spec = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 0, "content": "<unk>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "},
            {"type": "Lowercase"},
        ]},
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None,
        "decoder": {"type": "BPEDecoder", "suffix": "</w>"},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
            "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
            "ignore_merges": False, "vocab": vocab, "merges": [list(m) for m in merges],
        },
    }
    return Tokenizer.from_str(json.dumps(spec))


def ranges(members):
    out = []
    for c in members:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def unicode_classes():
    """Which code points `tokenizers` puts in each character class it uses, as
    [first, last] ranges: the Oniguruma classes of `Regex` patterns (probed
    with a Split pre-tokenizer over every code point at once), and the Rust
    classes behind Whitespace (regex crate `\\w`), Punctuation, Digits and
    WhitespaceSplit (probed one code point at a time between two letters)."""
    cps = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    text = "".join(map(chr, cps))
    out = {}
    for name, pattern in [("onig_L", r"\p{L}"), ("onig_N", r"\p{N}"), ("onig_s", r"\s"), ("onig_w", r"\w"),
                          ("onig_w_brackets", r"[\w]")]:
        split = pre_tokenizers.Split(Regex(pattern), behavior="removed")
        covered = bytearray(len(cps))
        for _, (a, b) in split.pre_tokenize_str(text):
            covered[a:b] = b"\x01" * (b - a)
        out[name] = ranges([c for i, c in enumerate(cps) if not covered[i]])
    probes = [
        ("regex_w", pre_tokenizers.Whitespace(), lambda n: n == 1),
        ("punctuation", pre_tokenizers.Punctuation(), lambda n: n == 3),
        ("numeric", pre_tokenizers.Digits(individual_digits=True), lambda n: n == 3),
        ("whitespace", pre_tokenizers.WhitespaceSplit(), lambda n: n == 2),
    ]
    for name, pretok, member in probes:
        out[name] = ranges([c for c in cps if member(len(pretok.pre_tokenize_str("a" + chr(c) + "a")))])
    path = OUT / "unicode-classes.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"unicode classes: {path.stat().st_size} bytes")


def bert_like():
    """BPE with a continuing-subword prefix behind Bert-style components."""
    spec_normalizer = {"type": "Sequence", "normalizers": [
        {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
         "strip_accents": False, "lowercase": True},
        {"type": "NFD"},
        {"type": "StripAccents"},
    ]}
    norm = Tokenizer.from_str(json.dumps({
        "version": "1.0", "normalizer": spec_normalizer, "pre_tokenizer": {"type": "BertPreTokenizer"},
        "model": {"type": "WordLevel", "vocab": {"[UNK]": 0}, "unk_token": "[UNK]"}}))
    keep = lambda c: ord(c) < 128
    words = [
        w for line in corpus_lines()
        for w, _ in norm.pre_tokenizer.pre_tokenize_str(norm.normalizer.normalize_str(line))
        if all(keep(c) for c in w)
    ]
    vocab_list, merges = simple_bpe(words, 250, prefix="##")
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
    for t in vocab_list:
        vocab.setdefault(t, len(vocab))
    added = [
        {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for c, i in list(vocab.items())[:5]
    ]
    spec = {
        "version": "1.0", "truncation": None,
        "padding": {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": added,
        "normalizer": spec_normalizer,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "BertPreTokenizer"},
            {"type": "Split", "pattern": {"String": "ing"}, "behavior": "MergedWithNext", "invert": False},
            {"type": "Split", "pattern": {"Regex": "[aeiou]{2,}"}, "behavior": "MergedWithPrevious",
             "invert": False},
        ]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": False},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": vocab, "merges": [list(m) for m in merges],
        },
    }
    return Tokenizer.from_str(json.dumps(spec))


def regex_cases(all_texts):
    """How `tokenizers` (Oniguruma) splits every text with each pattern of
    REGEX_PATTERNS, as [start, end) scalar offsets of the isolated pieces."""
    out = {"patterns": REGEX_PATTERNS, "texts": all_texts, "pieces": {}}
    for name, pattern in REGEX_PATTERNS.items():
        split = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
        out["pieces"][name] = [[[a, b] for _, (a, b) in split.pre_tokenize_str(t)] for t in all_texts]
    path = OUT / "regex-cases.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"regex cases: {path.stat().st_size} bytes")


def main():
    all_texts = texts()
    save("bytelevel-bpe", bytelevel_bpe(), all_texts, seed=1)
    save("neox-style", neox_style(), all_texts, legacy_merges=True, seed=2)
    save("llama-bpe", llama_bpe(), all_texts, seed=3)
    save("wordlevel", wordlevel(), all_texts, seed=4)
    save("roberta-style", roberta_style(), all_texts, seed=5)
    save("metaspace-digits", metaspace_digits(), all_texts, seed=6)
    save("llama3-regex", llama3_regex(), all_texts, seed=7)
    save("bpe-suffix", bpe_suffix(), all_texts, seed=8)
    save("bert-like", bert_like(), all_texts, seed=9)
    unicode_classes()
    regex_cases(all_texts)
    if STORIES.exists():
        stories = Tokenizer.from_file(str(STORIES))
        write_cases(OUT / "tok512-cases.json", cases_for(stories, all_texts))
        print(f"stories260K: {len(all_texts)} cases")
    else:
        print(f"skipped stories260K: {STORIES} not found")


if __name__ == "__main__":
    main()
