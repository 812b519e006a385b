"""Explorers: small interactive figures for the website, no kernel needed.

Each function below computes every number an explorer shows with mathlib
and returns an Explorer. In a notebook its `text/html` output is a
self-contained block: the numbers as one JSON literal, native controls
(`<input type=range>`, `<select>`, each with a `<label>`) and a short
hand-written script that only looks the numbers up and draws them (SVG);
the scripts and the CSS are the files of mathlib/page/explorers/.
Its `text/plain` output is a short summary with a digest of the data, so
nbval fails when any number changes. The same output runs on the Quarto
page (stored outputs) and in JupyterLab once the cell has run.

    positions()       chapter 2: PE(p) for d_model 4 and 64, PE(p)·PE(p+k)
    attention()       chapter 4: a sentence's self-attention, by layer and head
    temperature()     chapter 9: the next-token distribution, T and top-k
    training()        chapter 11: the training run, step by step

numpy only at import time; nothing here is imported by `import mathlib`.
"""
import hashlib
import itertools
import json
import os
import textwrap

import numpy as np

from .. import example, train
from ..attention import padding_mask
from ..generate import greedy_decode, sample_probabilities
from ..positional import positional_encoding
from ..tokens import ids_to_text, text_to_ids
from ..transformer import decoder_layer, embed_with_positions, encoder_layer

MAX_BYTES = 200_000          # each explorer's data, at most
DIGITS = 3                   # numbers are stored in thousandths

SNAPSHOTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                         "training_snapshots.json")


class Explorer:
    """An explorer: `name`, its `data` (plain JSON values), the `summary`
    printed as text/plain, and the HTML (`html`, or `_repr_html_`)."""

    def __init__(self, name, label, data, summary, script):
        self.name, self.label, self.data = name, label, data
        self.summary, self.script = summary, script

    @property
    def data_json(self):
        """The data as compact JSON, '<' escaped so it cannot end the script."""
        text = json.dumps(self.data, separators=(",", ":"), sort_keys=True)
        return text.replace("<", "\\u003c")

    @property
    def digest(self):
        """The data's SHA-256 in letters (no digits: prose-number checks skip it)."""
        hexdigest = hashlib.sha256(self.data_json.encode()).hexdigest()[:12]
        return hexdigest.translate(str.maketrans("0123456789", "ghijklmnop"))

    @property
    def html(self):
        return (f'<div class="hx-explorer" id="hx-{self.name}" '
                f'role="group" aria-label="{self.label}">\n'
                f'<style>\n{CSS}</style>\n'
                f'<script type="application/json" class="hx-data">'
                f'{self.data_json}</script>\n'
                f'<script>\n(function () {{\n\n{COMMON_JS}\n\n{self.script}\n'
                f'}})();\n</script>\n</div>')

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        kb = len(self.data_json.encode()) / 1000
        lines = [f"Explorer {self.name!r} (its data: {kb:.1f} kB, digest "
                 f"{self.digest})"]
        lines += textwrap.wrap(self.summary.replace("\n", " "), width=72)
        return "\n".join(lines)


def _thousandths(a):
    """Numbers as integers in thousandths: what the page divides by 1000."""
    return np.rint(np.asarray(a, dtype=np.float64) * 10 ** DIGITS).astype(int).tolist()


# --- chapter 2: positions ----------------------------------------------------------------

def positions(d_small=None, d_large=64, n_positions=101, max_k=30):
    """PE(p) for p = 0 … n_positions − 1 at the book's d_model and at d_large,
    and PE(p)·PE(p+k) for k = 0 … max_k."""
    d_small = example.CONFIG.d_model if d_small is None else d_small
    data = {"positions": n_positions, "max_k": max_k, "models": []}
    for d in (d_small, d_large):
        pe = positional_encoding(n_positions + max_k, d)      # (p + k, d)
        dots = np.array([[pe[p] @ pe[p + k] for k in range(max_k + 1)]
                         for p in range(n_positions)])        # (p, k)
        data["models"].append({"d": d, "pe": _thousandths(pe[:n_positions]),
                               "dot": _thousandths(dots)})
    summary = (f"PE(p) for p = 0..{n_positions - 1}, d_model {d_small} and "
               f"{d_large};\nPE(p)·PE(p+k) for k = 0..{max_k}")
    return Explorer("positions", "Positional encoding explorer", data, summary,
                    POSITIONS_JS)


# --- chapter 4: attention of a chosen sentence ------------------------------------------

def encoder_weights(ids, params):
    """The self-attention weights of every encoder layer: (layers, h, n, n)."""
    X = embed_with_positions(np.asarray(ids), params)
    out = []
    for layer in params.encoder_layers:
        X, w = encoder_layer(X, layer)
        out.append(w)
    return np.array(out)


def cross_weights(src_ids, dec_ids, params):
    """The cross-attention weights of every decoder layer, (layers, h, m, n),
    for the decoder input dec_ids (teacher forcing)."""
    src_ids, dec_ids = np.asarray(src_ids), np.asarray(dec_ids)
    X = embed_with_positions(src_ids, params)
    for layer in params.encoder_layers:
        X, _ = encoder_layer(X, layer)
    Y, out = embed_with_positions(dec_ids, params), []
    for layer in params.decoder_layers:
        Y, _, w = decoder_layer(Y, X, layer,
                                memory_mask=padding_mask(src_ids, params.config.pad_id))
        out.append(w)
    return np.array(out)


def trained_params():
    """Chapter 11's trained model: the stored checkpoint (example.trained_params)."""
    return example.trained_params()


def source_words():
    """The words of the corpus's English side, in vocabulary order."""
    from .. import corpus
    train_pairs, held_out = corpus.load()
    seen = {w for src, _ in train_pairs + held_out for w in src.split()}
    return [w for w in example.VOCAB if w in seen]


def attention(max_words=3, models=None):
    """Encoder self-attention of every sentence of 1 … max_words source words
    (every layer, every head), for the untrained toy model and the trained one."""
    if models is None:
        models = {"untrained": example.PARAMS, "trained": trained_params()}
    words = source_words()
    sentences = [" ".join(s) for n in range(1, max_words + 1)
                 for s in itertools.product(words, repeat=n)]
    data = {"words": words, "max_words": max_words, "models": list(models),
            "layers": example.CONFIG.n_encoder_layers,
            "heads": example.CONFIG.n_heads, "weights": {}}
    for s in sentences:
        ids = text_to_ids(s, example.VOCAB)
        data["weights"][s] = [_thousandths(encoder_weights(ids, p))
                              for p in models.values()]    # (model, layer, h, n, n)
    summary = (f"encoder self-attention of {len(sentences)} sentences "
               f"({', '.join(words)}; 1..{max_words} words),\n"
               f"{data['layers']} layers x {data['heads']} heads, models: "
               f"{', '.join(models)}")
    return Explorer("attention", "Attention explorer", data, summary, ATTENTION_JS)


# --- chapter 9: temperature and top-k -----------------------------------------------------

TEMPERATURES = tuple(round(0.1 * i, 1) for i in range(1, 31))      # 0.1 … 3.0


def temperature(params=None, source=example.SOURCE, max_len=10,
                temperatures=TEMPERATURES):
    """softmax(logits / T) over the top k at every step of the greedy run of
    `source`, for every T in `temperatures` and k = 1 … (tokens that can be
    generated). <pad> and <sos> are never generated (probability 0)."""
    params = example.PARAMS if params is None else params
    vocab, src = example.VOCAB, text_to_ids(source, example.VOCAB)
    run = greedy_decode(src, params, example.SOS, example.EOS, max_len)
    from ..transformer import decode, encode
    memory = encode(src, params)
    prefix = [example.SOS, *run.tokens]
    logits = decode(np.array(prefix[:len(run.tokens)]), memory, params)  # (steps, V)
    logits[:, [example.PAD, example.SOS]] = -np.inf
    n_gen = len(vocab) - 2
    probs = [[[_thousandths(sample_probabilities(z, T, k)) for k in range(1, n_gen + 1)]
              for T in temperatures] for z in logits]                     # (step, T, k, V)
    data = {"vocab": list(vocab), "temperatures": list(temperatures),
            "max_k": n_gen, "chosen": [vocab[t] for t in run.tokens],
            "probs": probs}
    summary = (f"{len(run.tokens)} steps of the greedy run of {source!r}, "
               f"T = {temperatures[0]}..{temperatures[-1]},\ntop-k for k = "
               f"1..{n_gen}; greedy: {ids_to_text(run.tokens, vocab)}")
    return Explorer("temperature", "Temperature and top-k explorer", data, summary,
                    TEMPERATURE_JS)


# --- chapter 11: the training run -------------------------------------------------------

def training_snapshots(settings=None, every=10, params=None):
    """Run train.train with `settings` (default train.TOY_SETTINGS) from
    `params` (default example.PARAMS) and record, every `every` steps and
    at step 0: the greedy translation of every corpus sentence and the last
    decoder layer's cross-attention for SOURCE → TARGET. Returns (a dict of
    plain JSON values, the trained params). tools/make_training_snapshots.py
    stores it in mathlib/data/."""
    from .. import corpus
    settings = dict(train.TOY_SETTINGS if settings is None else settings)
    params = example.PARAMS if params is None else params
    vocab = example.VOCAB
    train_pairs, held_out = corpus.load()
    src_ids = text_to_ids(example.SOURCE, vocab)
    dec_ids = [example.SOS, *text_to_ids(example.TARGET, vocab)]
    snaps = []

    def record(step, p):
        snaps.append({
            "step": step,
            "translations": [train.translate(s, p, vocab) for s, _ in train_pairs + held_out],
            "cross": _thousandths(cross_weights(src_ids, dec_ids, p)[-1])})

    record(0, params)
    trained, losses = train.train(params, train_pairs, vocab, every=every,
                                  callback=lambda s, loss, p: record(s, p), **settings)
    data = {"settings": settings, "every": every,
            "sources": [s for s, _ in train_pairs + held_out],
            "targets": [t for _, t in train_pairs + held_out],
            "held_out": len(held_out),
            "source_tokens": [vocab[i] for i in src_ids],
            "target_tokens": [vocab[i] for i in dec_ids],
            "losses": [round(float(x), 4) for x in losses], "snapshots": snaps}
    return data, trained


def training(path=SNAPSHOTS):
    """The training run's snapshots, from the file made by
    tools/make_training_snapshots.py (a live run differs between machines
    after ~100 steps: training is chaotic)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    snaps = data["snapshots"]
    exact = [sum(t == f"{g} <eos>" for t, g in zip(s["translations"], data["targets"]))
             for s in snaps]
    summary = (f"{len(data['losses'])} steps, {len(snaps)} snapshots (every "
               f"{data['every']} steps);\nexact translations at the last: "
               f"{exact[-1]} of {len(data['sources'])}")
    return Explorer("training", "Training run explorer", data, summary, TRAINING_JS)


# --- the page side: CSS and the scripts (they only look up and draw) -----------------------
# The files of mathlib/page/explorers/: explorer.css, common.js (el, slider, select, heatmap,
# bars, …, shared by every explorer) and one script per explorer. Explorer.html runs common.js
# and then the explorer's script in one function, where `root` is the explorer's <div> and
# `D` its data.

PAGE_FILES = os.path.join(os.path.dirname(__file__), "explorers")


def _page_file(name):
    """mathlib/page/explorers/<name> as text: the explorers' CSS or one of their scripts."""
    with open(os.path.join(PAGE_FILES, name), encoding="utf-8") as f:
        return f.read()


CSS = _page_file("explorer.css")
COMMON_JS = _page_file("common.js")
POSITIONS_JS = _page_file("positions.js")
ATTENTION_JS = _page_file("attention.js")
TEMPERATURE_JS = _page_file("temperature.js")
TRAINING_JS = _page_file("training.js")
