"""Attention: softmax, masks, scaled dot-product attention, multi-head attention.

Masks are boolean everywhere in mathlib, True where a query may look at a key.
Each function is its formula, one line per step. mathlib checks what you
hand it at the door (the bottom of this file, mathlib/_checks.py); inside
the model the formulas run as shown.
"""
import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from .layers import linear, record


def softmax(x, axis=-1):
    """exp(x − max) / Σ exp(x − max) along `axis`.

    Subtracting the row maximum changes nothing mathematically (it cancels
    in the ratio) but keeps exp() from overflowing: the largest exponent
    is 0. -inf entries (masked scores) get probability exactly 0.
    """
    e = np.exp(x - x.max(axis=axis, keepdims=True))   # every exponent ≤ 0
    return e / e.sum(axis=axis, keepdims=True)


def causal_mask(n):
    """(n, n) bool, True on and below the diagonal: position i may look at positions 0..i.

    >>> causal_mask(3).astype(int).tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    n = _checks.positive_int("n", n)
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(ids, pad_id=0):
    """(..., 1, n) bool, False on the key columns that hold padding.

    ids: (..., n) token ids. Broadcasts against scores (..., n_q, n): every
    query may look at every real token and at no padding token.

    >>> padding_mask(np.array([5, 3, 0]), pad_id=0).tolist()
    [[True, True, False]]
    """
    return (np.asarray(ids) != pad_id)[..., None, :]


def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q Kᵀ / √d_k) V, one head.

    Q: (..., n_q, d_k)   K: (..., n_k, d_k)   V: (..., n_k, d_v)
    mask: bool, broadcastable to (..., n_q, n_k); True where a query may
    look. Returns output (..., n_q, d_v) and weights (..., n_q, n_k).
    """
    d_k = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(d_k)  # (.., n_q, n_k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)     # hidden: weight 0
    weights = softmax(scores, axis=-1)               # rows sum to 1
    return weights @ V, weights


@dataclass
class AttentionParams:
    """One multi-head attention layer with n_heads heads.

    W_Q: (d_model, h·d_k)  W_K: (d_model, h·d_k)  W_V: (d_model, h·d_v)
    W_O: (h·d_v, d_model); b_* are the matching biases (zeros if unused).
    Head j uses columns j·d_k … (j+1)·d_k − 1 of W_Q and W_K.
    Checked when built: real, finite, shapes that fit together, n_heads dividing them.
    """
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    W_O: np.ndarray
    b_Q: np.ndarray
    b_K: np.ndarray
    b_V: np.ndarray
    b_O: np.ndarray
    n_heads: int

    def __post_init__(self):
        _checks.parameters(self, matrices=("W_Q", "W_K", "W_V", "W_O"))
        h = _checks.positive_int("n_heads", self.n_heads)
        d_model, hdk = self.W_Q.shape
        hdv = self.W_V.shape[1]
        if hdk % h:
            raise ValueError(f"W_Q has {hdk} columns (shape {self.W_Q.shape}), not a multiple of n_heads={h}: "
                             f"it must hold n_heads·d_k columns")
        if hdv % h:
            raise ValueError(f"W_V has shape {self.W_V.shape}; need (d_model, n_heads·d_v) with n_heads={h}")
        for name, want in (("W_K", (d_model, hdk)), ("W_V", (d_model, hdv)), ("W_O", (hdv, d_model)),
                           ("b_Q", (hdk,)), ("b_K", (hdk,)), ("b_V", (hdv,)), ("b_O", (d_model,))):
            _checks.shape(name, getattr(self, name), want)


def split_heads(X, n_heads):
    """(..., n, h·d) → (..., h, n, d): a slice of the last axis a head."""
    *lead, n, hd = X.shape
    X = X.reshape(*lead, n, n_heads, hd // n_heads)     # (..., n, h, d)
    return np.swapaxes(X, -2, -3)                       # (..., h, n, d)


def merge_heads(X):
    """(..., h, n, d) → (..., n, h·d): swap to (n, h, d), then reshape."""
    *lead, h, n, d = X.shape
    return np.swapaxes(X, -2, -3).reshape(*lead, n, h * d)


def multi_head_attention(X_q, X_kv, p, mask=None, cache=None):
    """Concat(head_1 … head_h) W_O, head_j = Attention(Q_j, K_j, V_j),
    Q_j = X_q W_Q^j, K_j = X_kv W_K^j, V_j = X_kv W_V^j (plus the biases).

    X_q:  (..., n_q, d_model)  the sequence that asks (queries)
    X_kv: (..., n_k, d_model)  the sequence that answers (keys, values):
          X_q itself for self-attention, the memory for cross-attention.
    p: AttentionParams, h = p.n_heads heads; mask: bool, broadcastable to
    (..., n_q, n_k). Returns the output (..., n_q, d_model) and the
    weights (..., h, n_q, n_k).
    """
    h = p.n_heads
    Q = split_heads(linear(X_q, p.W_Q, p.b_Q), h)    # (..., h, n_q, d_k)
    K = split_heads(linear(X_kv, p.W_K, p.b_K), h)   # (..., h, n_k, d_k)
    V = split_heads(linear(X_kv, p.W_V, p.b_V), h)   # (..., h, n_k, d_v)
    if mask is not None:
        mask = np.expand_dims(mask, -3)             # one mask, every head
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    concat = merge_heads(heads)                     # (..., n_q, h·d_v)
    out = linear(concat, p.W_O, p.b_O)              # (..., n_q, d_model)
    record(cache, (X_q, X_kv, p, Q, K, V, weights, concat))
    return out, weights


# --- the doors: each public function above checks what it is given, once ----------------

def _softmax_args(x, axis):
    return _checks.softmax_input(x, axis), axis


def _attention_args(Q, K, V, mask):
    Q, K, V = (_checks.float_array(n, a) for n, a in (("Q", Q), ("K", K), ("V", V)))
    for name, a in (("Q", Q), ("K", K), ("V", V)):
        _checks.ndim_at_least(name, a, 2, "(n, d)")
    _checks.last_dim("K", K, Q.shape[-1], f"Q {Q.shape} (d_k)")
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"V has {V.shape[-2]} positions (shape {V.shape}) but K has {K.shape[-2]} "
                         f"(shape {K.shape})")
    lead = _checks.batch(["Q", "K", "V"], [Q, K, V], [2, 2, 2])
    if mask is not None:
        mask = _checks.mask(mask, Q.shape[-2], K.shape[-2], lead)
    return Q, K, V, mask


def _multi_head_args(X_q, X_kv, p, mask, cache):
    if not isinstance(p, AttentionParams):
        raise ValueError(f"p must be AttentionParams, got {type(p).__name__}")
    X_q, X_kv = _checks.float_array("X_q", X_q), _checks.float_array("X_kv", X_kv)
    _checks.ndim_at_least("X_q", X_q, 2, "(n_q, d_model)")
    _checks.ndim_at_least("X_kv", X_kv, 2, "(n_k, d_model)")
    _checks.last_dim("X_q", X_q, p.W_Q.shape[0], f"W_Q {p.W_Q.shape} (d_model)")
    _checks.last_dim("X_kv", X_kv, p.W_K.shape[0], f"W_K {p.W_K.shape} (d_model)")
    lead = _checks.batch(["X_q", "X_kv"], [X_q, X_kv], [2, 2])
    if mask is not None:
        mask = _checks.mask(mask, X_q.shape[-2], X_kv.shape[-2], lead)
    return X_q, X_kv, p, mask, cache


softmax = _checks.checked(softmax, _softmax_args, result=False)
scaled_dot_product_attention = _checks.checked(scaled_dot_product_attention, _attention_args)
multi_head_attention = _checks.checked(multi_head_attention, _multi_head_args)
