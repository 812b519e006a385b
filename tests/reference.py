"""An independent, plain-numpy reference for the running example, used by the chapter tests.

Written from the paper's equations without calling mathlib's math, so a
wrong number on a page fails even when mathlib and the notebook agree with
each other. Only the *parameters* come from mathlib.example.
"""
import json
import math
import re
from pathlib import Path

import numpy as np

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"


def stored_text(notebook, cell_id="key-result"):
    """The text a notebook cell printed (stream or text/plain), from the committed .ipynb."""
    nb = json.loads((CHAPTERS / notebook).read_text())
    for cell in nb["cells"]:
        if cell.get("id") == cell_id:
            texts = []
            for out in cell.get("outputs", []):
                if out["output_type"] == "stream":
                    texts.append("".join(out["text"]))
                elif "text/plain" in out.get("data", {}):
                    texts.append("".join(out["data"]["text/plain"]))
            return "".join(texts)
    raise AssertionError(f"{notebook} has no cell with id {cell_id!r}")


def all_outputs(notebook):
    """Every text a notebook shows (streams, plain text, LaTeX, Markdown), joined."""
    nb = json.loads((CHAPTERS / notebook).read_text())
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                texts.append("".join(out["text"]))
            for kind in ("text/plain", "text/latex", "text/markdown"):
                if kind in out.get("data", {}):
                    texts.append("".join(out["data"][kind]))
    return "\n".join(texts)


def parse_numbers(text):
    """Every number in a printed array, in order, as a float array."""
    return np.array([float(x) for x in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)])


def e_plus_pe():
    """'Hello' = [1, 1, 0, -1] at position 0 and 'World' = [-1, 1, 1, 0] at position 1, plus
    PE(p) = [sin p, cos p, sin(p/100), cos(p/100)] (d_model 4: frequencies 1 and 1/10000^(2/4))."""
    E = np.array([[1.0, 1, 0, -1], [-1, 1, 1, 0]])
    pe = np.array([[np.sin(p), np.cos(p), np.sin(p / 100), np.cos(p / 100)] for p in (0, 1)])
    return E + pe


def softmax_rows(S):
    S = S - S.max(axis=-1, keepdims=True)
    return np.exp(S) / np.exp(S).sum(axis=-1, keepdims=True)


def attention_heads(X, p, n_heads=None):
    """Per-head outputs (list of (n, d_v)) and weights (list of (n, n)) of self-attention, a loop over heads."""
    return _heads(X, X, p, None, n_heads)


def _heads(X_q, X_kv, p, mask, n_heads=None):
    n_heads = n_heads or p.n_heads
    d_k = p.W_Q.shape[1] // n_heads
    d_v = p.W_V.shape[1] // n_heads
    outs, weights = [], []
    for h in range(n_heads):
        q = X_q @ p.W_Q[:, h * d_k:(h + 1) * d_k] + p.b_Q[h * d_k:(h + 1) * d_k]
        k = X_kv @ p.W_K[:, h * d_k:(h + 1) * d_k] + p.b_K[h * d_k:(h + 1) * d_k]
        v = X_kv @ p.W_V[:, h * d_v:(h + 1) * d_v] + p.b_V[h * d_v:(h + 1) * d_v]
        s = q @ k.T / np.sqrt(d_k)
        if mask is not None:
            s = np.where(mask, s, -np.inf)       # hidden keys: -inf before the softmax
        w = softmax_rows(s)
        outs.append(w @ v)
        weights.append(w)
    return outs, weights


def multi_head(X, p, n_heads=None):
    outs, _ = attention_heads(X, p, n_heads)
    return np.concatenate(outs, axis=1) @ p.W_O + p.b_O


def norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).sum(axis=-1, keepdims=True) / x.shape[-1]
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def ffn(x, p):
    return np.maximum(0, x @ p.W1 + p.b1) @ p.W2 + p.b2


def encoder_block(X, layer, mask=None):
    X1 = norm(X + attend(X, X, layer.self_attn, mask)[0], layer.norm1.gamma, layer.norm1.beta)
    return norm(X1 + ffn(X1, layer.ffn), layer.norm2.gamma, layer.norm2.beta)


# ---------------------------------------------------------------- the decoder (chapter 8)

def causal_mask(n):
    """(n, n) bool: query position i may see key positions 0..i (True on and below the diagonal)."""
    return np.arange(n)[None, :] <= np.arange(n)[:, None]


def sos_hola_mundo():
    """The decoder input '<sos> hola mundo': <sos> = [1, 0, 0, 0], 'hola' = [1, 0, 1, -1] and
    'mundo' = [1, -1, 1, 0] at positions 0, 1, 2, plus PE(p) = [sin p, cos p, sin(p/100), cos(p/100)]."""
    E = np.array([[1.0, 0, 0, 0], [1, 0, 1, -1], [1, -1, 1, 0]])
    pe = np.array([[np.sin(p), np.cos(p), np.sin(p / 100), np.cos(p / 100)] for p in (0, 1, 2)])
    return E + pe


def attend(X_q, X_kv, p, mask=None, n_heads=None):
    """Multi-head attention with queries from X_q and keys/values from X_kv, a loop over heads;
    hidden scores (mask False) are -inf before the softmax. Returns the output and the per-head weights."""
    outs, weights = _heads(X_q, X_kv, p, mask, n_heads)
    return np.concatenate(outs, axis=1) @ p.W_O + p.b_O, weights


def decoder_block(Y, memory, layer, self_mask=None, memory_mask=None):
    """Y1 = LN1(Y + MaskedSelfAttn(Y)), Y2 = LN2(Y1 + CrossAttn(Y1, memory)), Y3 = LN3(Y2 + FFN(Y2))."""
    self_mask = causal_mask(len(Y)) if self_mask is None else self_mask
    Y1 = norm(Y + attend(Y, Y, layer.self_attn, self_mask)[0], layer.norm1.gamma, layer.norm1.beta)
    Y2 = norm(Y1 + attend(Y1, memory, layer.cross_attn, memory_mask)[0], layer.norm2.gamma, layer.norm2.beta)
    return norm(Y2 + ffn(Y2, layer.ffn), layer.norm3.gamma, layer.norm3.beta)


# ---------------------------------------------------------------- the whole model (chapters 7-9)

def pe(n, d):
    """PE(p)[2i] = sin(p / 10000^(2i/d)), PE(p)[2i+1] = cos(p / 10000^(2i/d)) for p = 0..n-1, by loops."""
    out = np.zeros((n, d))
    for p in range(n):
        for i in range(d // 2):
            out[p, 2 * i] = math.sin(p / 10000 ** (2 * i / d))
            out[p, 2 * i + 1] = math.cos(p / 10000 ** (2 * i / d))
    return out


def embed_positions(ids, params, scale):
    """The rows of the embedding table (times √d_model if `scale`) plus PE. ids: one sentence (n,)."""
    E = np.asarray(params.embedding)[list(ids)]
    return E * (math.sqrt(E.shape[1]) if scale else 1.0) + pe(len(ids), E.shape[1])


def run_encoder(X, params, mask=None):
    """Every encoder block in turn, then the final norm if there is one."""
    for layer in params.encoder_layers:
        X = encoder_block(X, layer, mask)
    if params.encoder_norm is not None:
        X = norm(X, params.encoder_norm.gamma, params.encoder_norm.beta)
    return X


def run_decoder(Y, memory, params, self_mask=None, memory_mask=None):
    for layer in params.decoder_layers:
        Y = decoder_block(Y, memory, layer, self_mask, memory_mask)
    if params.decoder_norm is not None:
        Y = norm(Y, params.decoder_norm.gamma, params.decoder_norm.beta)
    return Y


def model_logits(src, tgt, params, scale, pad=0):
    """Logits (m, vocab) for one source sentence and one decoder input, padding hidden as keys."""
    src, tgt = list(src), list(tgt)
    src_visible = np.array([[t != pad for t in src]])                          # (1, n)
    self_mask = causal_mask(len(tgt)) & np.array([[t != pad for t in tgt]])    # (m, m)
    memory = run_encoder(embed_positions(src, params, scale), params, src_visible)
    Y = run_decoder(embed_positions(tgt, params, scale), memory, params, self_mask, src_visible)
    return Y @ params.W_out + params.b_out


def truncated_tempered(z, temperature=1.0, top_k=None):
    """softmax(z / T) over the top_k largest entries of z (ties: the lower index is kept), by sorting."""
    z = np.asarray(z, dtype=float) / temperature
    if top_k is not None:
        order = sorted(range(len(z)), key=lambda j: (-z[j], j))              # largest first, then lower id
        z = np.array([z[j] if j in order[:top_k] else -np.inf for j in range(len(z))])
    return softmax_rows(z[None, :])[0]


def greedy_translation(src, params, sos, eos, max_len, scale, pad=0):
    """Tokens and per-step distributions of greedy decoding, re-running the whole model on the prefix."""
    prefix, dists = [sos], []
    for _ in range(max_len):
        z = model_logits(src, prefix, params, scale, pad)[-1]
        z[[pad, sos]] = -np.inf
        p = softmax_rows(z[None, :])[0]
        dists.append(p)
        prefix.append(int(np.argmax(z)))
        if prefix[-1] == eos:
            break
    return prefix[1:], np.array(dists)
