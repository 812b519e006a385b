"""Explorers: small interactive figures for the website, no kernel needed.

Each function below computes every number an explorer shows with mathlib
and returns an Explorer. In a notebook its `text/html` output is a
self-contained block: the numbers as one JSON literal, native controls
(`<input type=range>`, `<select>`, each with a `<label>`) and a short
hand-written script that only looks the numbers up and draws them (SVG).
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
                f'<style>{CSS}</style>\n'
                f'<script type="application/json" class="hx-data">'
                f'{self.data_json}</script>\n'
                f'<script>\n(function () {{\n{COMMON_JS}\n{self.script}\n'
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

CSS = """
.hx-explorer { --hx-accent: #0072b2; --hx-accent2: #d55e00; --hx-ink: #7f7f7f;
  --hx-ok: #009e73; margin: 1rem 0; padding: 0.6rem 0.75rem; max-width: 100%;
  box-sizing: border-box; border: 1px solid var(--hx-ink); border-radius: 0.4rem;
  font-size: 0.9rem; line-height: 1.35; overflow-wrap: anywhere; }
body.quarto-dark .hx-explorer, body[data-jp-theme-light="false"] .hx-explorer {
  --hx-accent: #56b4e9; --hx-accent2: #f08c3a; --hx-ok: #33c29a; color-scheme: dark; }
@media (prefers-color-scheme: dark) {
  body:not(.quarto-light):not([data-jp-theme-light="true"]) .hx-explorer {
    --hx-accent: #56b4e9; --hx-accent2: #f08c3a; --hx-ok: #33c29a; color-scheme: dark; } }
.hx-explorer .hx-controls { display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem;
  align-items: center; margin-bottom: 0.5rem; }
.hx-explorer .hx-ctl { display: inline-flex; align-items: center; gap: 0.4rem; }
.hx-explorer input[type=range] { width: 11rem; max-width: 45vw; accent-color: var(--hx-accent); }
.hx-explorer select { color: inherit; background: transparent; font: inherit;
  border: 1px solid var(--hx-ink); border-radius: 0.25rem; padding: 0.1rem 0.2rem; }
.hx-explorer select option { color: initial; }
.hx-explorer output { font-variant-numeric: tabular-nums; min-width: 2.5em; font-weight: 600; }
.hx-explorer svg { display: block; width: 100%; height: auto; max-width: 100%; }
.hx-explorer svg text { fill: currentColor; font-size: 11px; font-family: inherit; }
.hx-explorer .hx-title { font-weight: 600; margin: 0.4rem 0 0.1rem; }
.hx-explorer .hx-nums { font-family: var(--bs-font-monospace, monospace);
  font-size: 0.8rem; font-variant-numeric: tabular-nums; }
.hx-explorer table { border-collapse: collapse; font-size: 0.8rem; margin: 0.2rem 0; }
.hx-explorer td, .hx-explorer th { padding: 0.1rem 0.4rem; text-align: left; }
.hx-explorer .hx-ok { color: var(--hx-ok); }
.hx-explorer .hx-row { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; }
.hx-explorer .hx-maps { display: flex; flex-wrap: wrap; gap: 0 1rem; }
.hx-explorer .hx-maps > div { flex: 1 1 9rem; max-width: 14rem; }
"""

COMMON_JS = r"""
var root = document.currentScript ? document.currentScript.parentElement : null;
if (!root || !root.classList.contains("hx-explorer")) {
  var all = document.querySelectorAll(".hx-explorer"); root = all[all.length - 1]; }
var D = JSON.parse(root.querySelector(".hx-data").textContent);
var SVG = "http://www.w3.org/2000/svg";
function el(tag, attrs, parent, text) {
  var e = tag.charAt(0) === "@" ? document.createElementNS(SVG, tag.slice(1))
                                : document.createElement(tag);
  for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function fmt(v) { return (v / 1000).toFixed(3); }
var uid = 0;
function control(parent, label, input) {
  var id = root.id + "-c" + (uid++);
  var box = el("span", {"class": "hx-ctl"}, parent);
  el("label", {"for": id}, box, label);
  input.id = id; box.appendChild(input); return input;
}
function slider(parent, label, min, max, value) {
  var i = control(parent, label, el("input", {type: "range", min: min, max: max,
                                               step: 1, value: value}));
  i.out = el("output", {"for": i.id}, i.parentNode);
  return i;
}
function select(parent, label, options, value) {
  var s = control(parent, label, el("select", {}));
  options.forEach(function (o) { var opt = el("option", {value: o[0]}, s, o[1]);
                                 if (String(o[0]) === String(value)) opt.selected = true; });
  return s;
}
var VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89",
               "#35b779", "#6ece58", "#b5de2b", "#fde725"];
function colour(t) { t = Math.max(0, Math.min(1, t));
  return VIRIDIS[Math.min(9, Math.floor(t * 10))]; }
function heatmap(parent, w, rows, cols, title) {
  var n = rows.length, m = cols.length, cell = 46, left = 64, top = 18;
  var svg = el("@svg", {viewBox: "0 0 " + (left + m * cell + 4) + " " + (top + n * cell + 4),
                        role: "img", "aria-label": title,
                        style: "max-width:" + (left + m * cell + 4) * 1.25 + "px"}, parent);
  cols.forEach(function (c, j) { el("@text", {x: left + j * cell + cell / 2, y: 12,
                                              "text-anchor": "middle"}, svg, c); });
  rows.forEach(function (r, i) {
    el("@text", {x: left - 6, y: top + i * cell + cell / 2 + 4, "text-anchor": "end"}, svg, r);
    cols.forEach(function (c, j) {
      var v = w[i * m + j];
      el("@rect", {x: left + j * cell, y: top + i * cell, width: cell - 2, height: cell - 2,
                   fill: colour(v / 1000)}, svg);
      el("@text", {x: left + j * cell + cell / 2 - 1, y: top + i * cell + cell / 2 + 3,
                   "text-anchor": "middle", "class": "hx-w",
                   style: "fill:" + (v > 600 ? "#000" : "#fff")}, svg, fmt(v));
    });
  });
  return svg;
}
function bars(parent, values, title, labels) {
  // values in thousandths within [-1000, 1000], one bar each, zero line in the middle
  var n = values.length, W = width(), H = 90, bw = W / n;
  var svg = el("@svg", {viewBox: "0 0 " + W + " " + (H + 4), role: "img",
                        "aria-label": title}, parent);
  el("@line", {x1: 0, x2: W, y1: H / 2, y2: H / 2, stroke: "var(--hx-ink)"}, svg);
  values.forEach(function (v, i) {
    var h = Math.abs(v) / 1000 * (H / 2 - 2);
    el("@rect", {x: i * bw + bw * 0.1, width: Math.max(1, bw * 0.8), height: Math.max(h, 0.5),
                 y: v >= 0 ? H / 2 - h : H / 2, fill: "var(--hx-accent)"}, svg);
    if (labels) el("@text", {x: i * bw + bw / 2, y: v >= 0 ? H / 2 + 13 : H / 2 - 5,
                             "text-anchor": "middle"}, svg, labels[i]);
  });
  return svg;
}
function width() {   // the drawing's width in px: the text keeps its size on a phone
  return Math.max(260, Math.min(600, (root.clientWidth || 600) - 24)); }
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
"""

POSITIONS_JS = r"""
var ctl = el("div", {"class": "hx-controls"}, root);
var pIn = slider(ctl, "position p", 0, D.positions - 1, 1);
var kIn = slider(ctl, "offset k", 0, D.max_k, 1);
var view = el("div", {}, root);
function draw() {
  var p = +pIn.value, k = +kIn.value; clear(view);
  pIn.out.textContent = p; kIn.out.textContent = k;
  D.models.forEach(function (M) {
    var d = M.d, pe = M.pe[p], dots = M.dot[p];
    el("div", {"class": "hx-title"}, view, "PE(" + p + ") for d_model = " + d);
    var labels = d <= 8 ? pe.map(fmt) : null;
    bars(view, pe, "bars of PE(" + p + "), " + d + " numbers", labels);
    var nums = el("div", {"class": "hx-nums", "data-d": d}, view);
    nums.textContent = d <= 8 ? "[" + pe.map(fmt).join(", ") + "]"
      : "first four: [" + pe.slice(0, 4).map(fmt).join(", ") + "], last two: [" +
        pe.slice(-2).map(fmt).join(", ") + "]";
    // the dot products against k, with k marked
    var W = width(), H = 100, top = 6, max = d;
    var svg = el("@svg", {viewBox: "0 0 " + W + " " + (H + 12), role: "img",
      "aria-label": "PE(" + p + ")·PE(" + p + "+k) for k = 0.." + D.max_k}, view);
    var x = function (j) { return 30 + j * (W - 40) / D.max_k; };
    var y = function (v) { return top + (max - v / 1000) / (2 * max) * H; };
    el("@line", {x1: 30, x2: W - 10, y1: y(0), y2: y(0), stroke: "var(--hx-ink)"}, svg);
    el("@text", {x: 26, y: y(max * 1000) + 8, "text-anchor": "end"}, svg, String(max));
    el("@text", {x: 26, y: y(0) + 4, "text-anchor": "end"}, svg, "0");
    el("@text", {x: 26, y: y(-max * 1000), "text-anchor": "end"}, svg, String(-max));
    el("@polyline", {fill: "none", stroke: "var(--hx-accent)", "stroke-width": 2,
      points: dots.map(function (v, j) { return x(j) + "," + y(v); }).join(" ")}, svg);
    el("@circle", {cx: x(k), cy: y(dots[k]), r: 5, fill: "var(--hx-accent2)"}, svg);
    el("@text", {x: W - 10, y: y(0) + 14, "text-anchor": "end"}, svg, "k →");
    var dn = el("div", {"class": "hx-nums hx-dot", "data-d": d}, view);
    dn.textContent = "PE(" + p + ")·PE(" + (p + k) + ") = " + fmt(dots[k]);
  });
}
pIn.addEventListener("input", draw); kIn.addEventListener("input", draw);
window.addEventListener("resize", draw); draw();
"""

ATTENTION_JS = r"""
var ctl = el("div", {"class": "hx-controls"}, root);
var words = D.words.map(function (w) { return [w, w]; });
var sel = [];
for (var i = 0; i < D.max_words; i++) {
  sel.push(select(ctl, "word " + (i + 1), (i ? [["", "(none)"]] : []).concat(words),
                  ["hello", "world", ""][i] || ""));
}
var mIn = select(ctl, "model", D.models.map(function (m) { return [m, m]; }), D.models[0]);
var lIn = select(ctl, "layer", Array.from({length: D.layers}, function (_, i) {
  return [i + 1, String(i + 1)]; }), 1);
var hIn = select(ctl, "head", Array.from({length: D.heads}, function (_, i) {
  return [i + 1, String(i + 1)]; }), 1);
var view = el("div", {}, root);
function draw() {
  var toks = [];
  for (var i = 0; i < sel.length; i++) { if (!sel[i].value) break; toks.push(sel[i].value); }
  for (var j = toks.length + 1; j < sel.length; j++) sel[j].disabled = true;
  for (var j = 1; j <= toks.length && j < sel.length; j++) sel[j].disabled = false;
  var m = D.models.indexOf(mIn.value), l = +lIn.value - 1, h = +hIn.value - 1;
  var w = D.weights[toks.join(" ")][m][l][h];
  clear(view);
  var title = "\"" + toks.join(" ") + "\", " + D.models[m] + " model, layer " +
              (l + 1) + ", head " + (h + 1);
  el("div", {"class": "hx-title"}, view, title);
  el("div", {}, view, "Each row is a query (the token looking), each column a key; rows sum to 1.");
  heatmap(view, [].concat.apply([], w), toks, toks, "attention weights of " + title);
}
sel.concat([mIn, lIn, hIn]).forEach(function (s) { s.addEventListener("change", draw); });
draw();
"""

TEMPERATURE_JS = r"""
var ctl = el("div", {"class": "hx-controls"}, root);
var tIn = slider(ctl, "temperature T", 0, D.temperatures.length - 1,
                 D.temperatures.indexOf(1));
var kIn = select(ctl, "top-k", Array.from({length: D.max_k}, function (_, i) {
  return [i + 1, i + 1 === D.max_k ? (i + 1) + " (all)" : String(i + 1)]; }), D.max_k);
var sIn = slider(ctl, "step", 1, D.chosen.length, 1);
var view = el("div", {}, root);
function draw() {
  var t = +tIn.value, k = +kIn.value, s = +sIn.value - 1;
  tIn.out.textContent = D.temperatures[t].toFixed(1);
  sIn.out.textContent = s + 1;
  var p = D.probs[s][t][k - 1];
  clear(view);
  el("div", {"class": "hx-title"}, view, "step " + (s + 1) + ": after <sos> " +
     D.chosen.slice(0, s).join(" ") + " (greedy chose \"" + D.chosen[s] + "\")");
  var rows = D.vocab.map(function (w, i) { return i; }).filter(function (i) { return i > 1; });
  var W = width(), rh = 22, left = 80, right = 60;
  var svg = el("@svg", {viewBox: "0 0 " + W + " " + (rows.length * rh + 4), role: "img",
    "aria-label": "next-token probabilities at step " + (s + 1)}, view);
  rows.forEach(function (i, r) {
    var y = r * rh + 2, v = p[i];
    el("@text", {x: left - 6, y: y + 15, "text-anchor": "end"}, svg, D.vocab[i]);
    el("@rect", {x: left, y: y + 3, height: rh - 6, width: Math.max(0.5, v / 1000 * (W - left - right)),
      fill: D.vocab[i] === D.chosen[s] ? "var(--hx-accent2)" : "var(--hx-accent)"}, svg);
    el("@text", {x: left + v / 1000 * (W - left - right) + 4, y: y + 15, "class": "hx-p",
                 "data-token": D.vocab[i]}, svg, fmt(v));
  });
}
tIn.addEventListener("input", draw); sIn.addEventListener("input", draw);
kIn.addEventListener("change", draw); window.addEventListener("resize", draw); draw();
"""

TRAINING_JS = r"""
var ctl = el("div", {"class": "hx-controls"}, root);
var S = D.snapshots;
var sIn = slider(ctl, "snapshot", 0, S.length - 1, S.length - 1);
var view = el("div", {}, root);
var L = D.losses, maxL = Math.max.apply(null, L);
function draw() {
  var i = +sIn.value, snap = S[i], step = snap.step;
  sIn.out.textContent = "step " + step;
  clear(view);
  var loss = step > 0 ? L[step - 1].toFixed(4) : "(before training)";
  el("div", {"class": "hx-title hx-loss"}, view, "step " + step + ", loss " + loss);
  var W = width(), H = 110, x = function (s) { return 36 + (s - 1) / (L.length - 1) * (W - 46); };
  var y = function (v) { return 6 + (1 - v / maxL) * H; };
  var svg = el("@svg", {viewBox: "0 0 " + W + " " + (H + 26), role: "img",
                        "aria-label": "loss curve with step " + step + " marked"}, view);
  el("@line", {x1: 36, x2: W - 10, y1: y(0), y2: y(0), stroke: "var(--hx-ink)"}, svg);
  el("@line", {x1: 36, x2: 36, y1: y(0), y2: y(maxL), stroke: "var(--hx-ink)"}, svg);
  el("@text", {x: 32, y: y(maxL) + 8, "text-anchor": "end"}, svg, maxL.toFixed(1));
  el("@text", {x: 32, y: y(0), "text-anchor": "end"}, svg, "0");
  el("@text", {x: W - 10, y: H + 24, "text-anchor": "end"}, svg, "step " + L.length);
  el("@polyline", {fill: "none", stroke: "var(--hx-accent)", "stroke-width": 1.5,
    points: L.map(function (v, s) { return x(s + 1) + "," + y(v); }).join(" ")}, svg);
  if (step > 0) {
    el("@line", {x1: x(step), x2: x(step), y1: y(0), y2: y(maxL), stroke: "var(--hx-accent2)"}, svg);
    el("@circle", {cx: x(step), cy: y(L[step - 1]), r: 5, fill: "var(--hx-accent2)"}, svg);
  }
  var row = el("div", {"class": "hx-row"}, view);
  var box = el("div", {}, row);
  var nOk = 0, tb = el("table", {"class": "hx-translations"}, box);
  var hd = el("tr", {}, el("thead", {}, tb));
  ["source", "greedy output", ""].forEach(function (h) { el("th", {}, hd, h); });
  var body = el("tbody", {}, tb), nTrain = D.sources.length - D.held_out;
  D.sources.forEach(function (src, j) {
    var out = snap.translations[j], ok = out === D.targets[j] + " <eos>";
    if (ok) nOk++;
    var tr = el("tr", {}, body);
    el("td", {}, tr, src + (j >= nTrain ? " (held out)" : ""));
    el("td", {"class": "hx-out"}, tr, out);
    el("td", {"class": ok ? "hx-ok" : ""}, tr, ok ? "✓" : "✗");
  });
  el("div", {"class": "hx-exact"}, box, nOk + " of " + D.sources.length + " exact");
  var right = el("div", {}, row);
  el("div", {"class": "hx-title"}, right, "cross-attention of the last decoder layer");
  var maps = el("div", {"class": "hx-maps"}, right);
  var c = snap.cross;
  c.forEach(function (w, h) {
    var one = el("div", {}, maps);
    el("div", {}, one, "head " + (h + 1));
    heatmap(one, [].concat.apply([], w), D.target_tokens, D.source_tokens,
            "cross-attention of the last decoder layer, head " + (h + 1) + ", step " + step);
  });
}
sIn.addEventListener("input", draw); window.addEventListener("resize", draw); draw();
"""
