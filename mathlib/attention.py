"""Attention: softmax, masks, scaled dot-product attention, multi-head attention.

Masks are boolean everywhere in mathlib, True where a query may look at a key.
Each function first checks its input in one call (the checks live at the end
of this file), then does the math, one line per step of the formula.
"""
import math
from dataclasses import dataclass

import numpy as np

from ._checks import (as_float_array, broadcast_batch, check_params, require_last_dim, require_ndim,
                      require_shape)
from .layers import linear


def softmax(x, axis=-1):
    """exp(x − max) / Σ exp(x − max) along `axis`.

    Subtracting the row maximum changes nothing mathematically (it cancels in
    the ratio) but keeps exp() from overflowing: the largest exponent is 0.
    -inf entries (masked scores) get probability exactly 0. NaN, +inf, or a
    row that is entirely -inf raise ValueError. float32 stays float32.
    """
    x = _as_scores(x)
    m = x.max(axis=axis, keepdims=True)
    _check_row_max(m, x.shape)
    e = x - m                                # every exponent ≤ 0: no overflow
    np.exp(e, out=e)                         # (in place: at paper scale these arrays are large)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def causal_mask(n):
    """(n, n) bool, True on and below the diagonal: position i may look at positions 0..i."""
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return np.tril(np.ones((int(n), int(n)), dtype=bool))


def padding_mask(ids, pad_id=0):
    """(..., 1, n) bool, False on the key columns that hold padding.

    ids: (..., n) token ids. Broadcasts against scores (..., n_q, n): every
    query may look at every real token and at no padding token.
    """
    ids = np.asarray(ids)
    return (ids != pad_id)[..., None, :]


def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q Kᵀ / √d_k) V, one head.

    Q: (..., n_q, d_k)   K: (..., n_k, d_k)   V: (..., n_k, d_v)
    mask: bool, broadcastable to (..., n_q, n_k); True where a query may look.
    Returns output (..., n_q, d_v) and weights (..., n_q, n_k).
    """
    Q, K, V, mask = _check_qkv(Q, K, V, mask)
    d_k = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2)                     # (..., n_q, n_k)
    scores /= math.sqrt(d_k)                                # scaled by √d_k, nothing else
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)            # a hidden key gets weight exactly 0
    weights = softmax(scores, axis=-1)                      # (..., n_q, n_k), rows sum to 1
    return weights @ V, weights


@dataclass
class AttentionParams:
    """One multi-head attention layer.

    W_Q: (d_model, h·d_k)  W_K: (d_model, h·d_k)  W_V: (d_model, h·d_v)
    W_O: (h·d_v, d_model); b_* are the matching biases (zeros if unused).
    Head j uses columns j·d_k … (j+1)·d_k − 1 of W_Q and W_K.
    Checked on creation: real, finite, and shapes that fit together.
    """
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    W_O: np.ndarray
    b_Q: np.ndarray
    b_K: np.ndarray
    b_V: np.ndarray
    b_O: np.ndarray

    def __post_init__(self):
        check_params(self)
        d_model, hdk = self.W_Q.shape
        hdv = self.W_V.shape[1]
        for name, shape in (("W_K", (d_model, hdk)), ("W_V", (d_model, hdv)), ("W_O", (hdv, d_model)),
                            ("b_Q", (hdk,)), ("b_K", (hdk,)), ("b_V", (hdv,)), ("b_O", (d_model,))):
            require_shape(name, getattr(self, name), shape)


def split_heads(X, n_heads):
    """(..., n, h·d) → (..., h, n, d): one slice of the last axis per head."""
    *lead, n, hd = X.shape
    if hd % n_heads:
        raise ValueError(f"last dimension {hd} (shape {X.shape}) is not divisible by n_heads={n_heads}")
    return np.swapaxes(X.reshape(*lead, n, n_heads, hd // n_heads), -2, -3)


def merge_heads(X):
    """(..., h, n, d) → (..., n, h·d): transpose back to (n, h, d) first, then concatenate."""
    *lead, h, n, d = X.shape
    return np.swapaxes(X, -2, -3).reshape(*lead, n, h * d)


def multi_head_attention(X_q, X_kv, p, n_heads, mask=None, return_weights=False):
    """Concat(head_1 … head_h) W_O, head_j = Attention(X_q W_Q^j, X_kv W_K^j, X_kv W_V^j).

    X_q:  (..., n_q, d_model)  the sequence that asks (queries)
    X_kv: (..., n_k, d_model)  the sequence that answers (keys and values);
          X_kv is X_q for self-attention, the encoder output for cross-attention.
    p: AttentionParams; n_heads: h.  mask: bool, broadcastable to (..., n_q, n_k).
    Returns (..., n_q, d_model), and the weights (..., h, n_q, n_k) if asked.
    """
    X_q, X_kv, mask = _check_multi_head(X_q, X_kv, p, n_heads, mask)
    Q = split_heads(linear(X_q, p.W_Q, p.b_Q), n_heads)     # (..., h, n_q, d_k)
    K = split_heads(linear(X_kv, p.W_K, p.b_K), n_heads)    # (..., h, n_k, d_k)
    V = split_heads(linear(X_kv, p.W_V, p.b_V), n_heads)    # (..., h, n_k, d_v)
    if mask is not None:
        mask = np.expand_dims(mask, -3)                     # the same mask for every head
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)   # (..., h, n_q, d_v)
    out = linear(merge_heads(heads), p.W_O, p.b_O)          # (..., n_q, d_model)
    return (out, weights) if return_weights else out


def check_attention_params(p, n_heads):
    """Raise ValueError unless n_heads divides the columns of W_Q, W_K and W_V."""
    if isinstance(n_heads, bool) or int(n_heads) != n_heads or n_heads < 1:
        raise ValueError(f"n_heads must be a positive integer, got {n_heads!r}")
    hdk, hdv = p.W_Q.shape[1], p.W_V.shape[1]
    if hdk % n_heads:
        raise ValueError(f"W_Q has {hdk} columns (shape {p.W_Q.shape}), not a multiple of n_heads={n_heads}: "
                         f"it must hold n_heads·d_k columns")
    if hdv % n_heads:
        raise ValueError(f"W_V has shape {p.W_V.shape}; need (d_model, n_heads·d_v) with n_heads={n_heads}")


# --- checks: every public function above starts with one of these -----------------------

def _as_scores(x):
    x = np.asarray(x)
    if x.dtype.kind != "f":
        if x.dtype.kind not in "iub":
            raise ValueError(f"x must be a real numeric array, got dtype {x.dtype}")
        x = x.astype(np.float64)
    return x


def _check_row_max(m, shape):
    """A row whose max is NaN holds a NaN; +inf, an +inf; -inf, nothing but -inf."""
    if not np.all(np.isfinite(m)):
        if np.any(np.isnan(m)):
            raise ValueError(f"softmax input contains NaN; shape {shape}")
        if np.any(m == np.inf):
            raise ValueError(f"softmax input contains +inf; shape {shape}")
        raise ValueError(f"softmax over a row that is entirely -inf (every position masked); shape {shape}")


def _check_mask(mask, n_q, n_k, batch):
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {mask.dtype}")
    require_ndim("mask", mask, 2, "(n_q, n_k)")
    if mask.shape[-2] not in (1, n_q) or mask.shape[-1] != n_k:
        raise ValueError(f"mask has shape {mask.shape} but the scores have shape (..., {n_q}, {n_k})")
    try:
        np.broadcast_shapes(mask.shape[:-2], batch)
    except ValueError:
        raise ValueError(f"mask batch dimensions {mask.shape[:-2]} do not broadcast with {batch}") from None
    if not np.all(mask.any(axis=-1)):
        raise ValueError("mask hides every key from at least one query; that row has no attention")
    return mask


def _check_qkv(Q, K, V, mask):
    Q, K, V = as_float_array("Q", Q), as_float_array("K", K), as_float_array("V", V)
    for name, a in (("Q", Q), ("K", K), ("V", V)):
        require_ndim(name, a, 2, "(n, d)")
    require_last_dim("K", K, Q.shape[-1], f"Q {Q.shape} (d_k)")
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"V has {V.shape[-2]} positions (shape {V.shape}) but K has {K.shape[-2]} (shape {K.shape})")
    batch = broadcast_batch(["Q", "K", "V"], [Q, K, V], [2, 2, 2])
    if mask is not None:
        mask = _check_mask(mask, Q.shape[-2], K.shape[-2], batch)
    return Q, K, V, mask


def _check_multi_head(X_q, X_kv, p, n_heads, mask):
    X_q, X_kv = as_float_array("X_q", X_q), as_float_array("X_kv", X_kv)
    require_ndim("X_q", X_q, 2, "(n_q, d_model)")
    require_ndim("X_kv", X_kv, 2, "(n_k, d_model)")
    require_last_dim("X_q", X_q, p.W_Q.shape[0], f"W_Q {p.W_Q.shape} (d_model)")
    require_last_dim("X_kv", X_kv, p.W_K.shape[0], f"W_K {p.W_K.shape} (d_model)")
    check_attention_params(p, n_heads)
    batch = broadcast_batch(["X_q", "X_kv"], [X_q, X_kv], [2, 2])
    if mask is not None:
        mask = _check_mask(mask, X_q.shape[-2], X_kv.shape[-2], batch)
    dtype = np.result_type(X_q, X_kv)                       # float32 stays float32; mixed inputs promote
    return X_q.astype(dtype, copy=False), X_kv.astype(dtype, copy=False), mask
