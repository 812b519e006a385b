"""Attention: softmax, masks, scaled dot-product attention, multi-head attention.

Masks are boolean everywhere in mathlib, True where a query may look at a key.
"""
import math
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, broadcast_batch, check_computed, require_last_dim, require_ndim, require_shape


def softmax(x, axis=-1):
    """exp(x - max) / sum(exp(x - max)) along `axis`.

    Subtracting the row maximum changes nothing mathematically (it cancels in
    the ratio) but keeps exp() from overflowing: the largest exponent is 0.
    -inf entries (masked scores) get probability exactly 0. NaN, +inf, or a
    row that is entirely -inf raise ValueError. x keeps a floating dtype
    (float32 stays float32); integers become float64.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return _softmax_inplace(np.array(x, copy=True), axis)


def _softmax_inplace(x, axis=-1):
    """softmax that overwrites x (a fresh floating array) and returns it."""
    m = np.max(x, axis=axis, keepdims=True)  # a NaN anywhere in a row makes that row's max NaN
    if not np.all(np.isfinite(m)):
        if np.any(np.isnan(m)):
            raise ValueError(f"softmax input contains NaN; shape {x.shape}")
        if np.any(m == np.inf):
            raise ValueError(f"softmax input contains +inf; shape {x.shape}")
        raise ValueError(f"softmax over a row that is entirely -inf (every position masked); shape {x.shape}")
    x -= m                                    # in place: no new array at paper scale
    np.exp(x, out=x)
    x /= np.sum(x, axis=axis, keepdims=True)
    return x


def causal_mask(n):
    """(n, n) bool, True on and below the diagonal: position i may look at positions 0..i."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return np.tril(np.ones((int(n), int(n)), dtype=bool))


def padding_mask(ids, pad_id=0):
    """(..., 1, n) bool, False on the key columns that hold padding.

    ids: (..., n) token ids. Broadcasts against scores (..., n_q, n): every
    query may look at every real token and at no padding token.
    """
    ids = np.asarray(ids)
    return (ids != pad_id)[..., None, :]


def _check_mask(mask, n_q, n_k, batch):
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(f"mask must be boolean (True = may attend), got dtype {mask.dtype}")
    require_ndim("mask", mask, 2, "(n_q, n_k)")
    if mask.shape[-2] not in (1, n_q) or mask.shape[-1] != n_k:
        raise ValueError(
            f"mask has shape {mask.shape} but the scores have shape (..., {n_q}, {n_k})"
        )
    try:
        np.broadcast_shapes(mask.shape[:-2], batch)
    except ValueError:
        raise ValueError(f"mask batch dimensions {mask.shape[:-2]} do not broadcast with {batch}") from None
    if not np.all(mask.any(axis=-1)):
        raise ValueError("mask hides every key from at least one query; that row has no attention")
    return mask


def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q Kᵀ / √d_k) V, one head.

    Q: (..., n_q, d_k)   K: (..., n_k, d_k)   V: (..., n_k, d_v)
    mask: bool, broadcastable to (..., n_q, n_k); True where a query may look.
    Returns output (..., n_q, d_v) and weights (..., n_q, n_k).
    """
    Q, K, V = as_float_array("Q", Q), as_float_array("K", K), as_float_array("V", V)
    for name, a in (("Q", Q), ("K", K), ("V", V)):
        require_ndim(name, a, 2, "(n, d)")
    require_last_dim("K", K, Q.shape[-1], f"Q {Q.shape} (d_k)")
    if V.shape[-2] != K.shape[-2]:
        raise ValueError(f"V has {V.shape[-2]} positions (shape {V.shape}) but K has {K.shape[-2]} (shape {K.shape})")
    batch = broadcast_batch(["Q", "K", "V"], [Q, K, V], [2, 2, 2])
    if mask is not None:
        mask = _check_mask(mask, Q.shape[-2], K.shape[-2], batch)
    return _attention(Q, K, V, mask)


def _attention(Q, K, V, mask):
    """scaled_dot_product_attention without the checks (the callers have done them)."""
    scores = Q @ np.swapaxes(K, -1, -2)       # (..., n_q, n_k), a new array: updated in place below
    scores /= math.sqrt(Q.shape[-1])          # a Python float keeps float32 float32
    if mask is not None and not mask.all():
        # masked scores become -inf, so their weight is exactly 0
        if np.broadcast_shapes(mask.shape, scores.shape) == scores.shape:
            np.copyto(scores, -np.inf, where=~mask)
        else:                                 # the mask has batch dimensions that the scores lack
            scores = np.where(mask, scores, -np.inf)
    weights = _softmax_inplace(scores, axis=-1)
    return weights @ V, weights


@dataclass
class AttentionParams:
    """One multi-head attention layer.

    W_Q: (d_model, h·d_k)  W_K: (d_model, h·d_k)  W_V: (d_model, h·d_v)
    W_O: (h·d_v, d_model); b_* are the matching biases (zeros if unused).
    Head j uses columns j·d_k … (j+1)·d_k − 1 of W_Q and W_K.
    """
    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    W_O: np.ndarray
    b_Q: np.ndarray
    b_K: np.ndarray
    b_V: np.ndarray
    b_O: np.ndarray


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
    X_q, X_kv = as_float_array("X_q", X_q), as_float_array("X_kv", X_kv)
    require_ndim("X_q", X_q, 2, "(n_q, d_model)")
    require_ndim("X_kv", X_kv, 2, "(n_k, d_model)")
    d_model = p.W_Q.shape[0]
    require_last_dim("X_q", X_q, d_model, f"W_Q {p.W_Q.shape} (d_model)")
    require_last_dim("X_kv", X_kv, d_model, f"W_K {p.W_K.shape} (d_model)")
    check_attention_params(p, n_heads)
    batch = broadcast_batch(["X_q", "X_kv"], [X_q, X_kv], [2, 2])
    if mask is not None:
        mask = _check_mask(mask, X_q.shape[-2], X_kv.shape[-2], batch)
        mask = np.expand_dims(mask, -3)  # the same mask for every head
    dtype = np.result_type(X_q, X_kv)  # float32 stays float32; mixed inputs promote
    X_q, X_kv = X_q.astype(dtype, copy=False), X_kv.astype(dtype, copy=False)
    W = {k: np.asarray(v).astype(dtype, copy=False) for k, v in vars(p).items()}  # in X's dtype
    Q = _project(X_q, W["W_Q"], W["b_Q"])     # (..., n_q, h·d_k)
    K = _project(X_kv, W["W_K"], W["b_K"])    # (..., n_k, h·d_k)
    V = _project(X_kv, W["W_V"], W["b_V"])    # (..., n_k, h·d_v)
    check_computed(Q, "X_q W_Q", W_Q=W["W_Q"], b_Q=W["b_Q"])   # a NaN or inf weight is named here
    check_computed(K, "X_kv W_K", W_K=W["W_K"], b_K=W["b_K"])
    check_computed(V, "X_kv W_V", W_V=W["W_V"], b_V=W["b_V"])
    heads, weights = _attention(split_heads(Q, n_heads), split_heads(K, n_heads), split_heads(V, n_heads), mask)
    out = _project(merge_heads(heads), W["W_O"], W["b_O"])    # (..., n_q, d_model)
    check_computed(out, "multi-head attention", W_O=W["W_O"], b_O=W["b_O"])
    return (out, weights) if return_weights else out


def _project(X, W, b):
    """X W + b for X (..., n, d_in) as one 2-D matrix product (faster than a stack of small ones)."""
    Y = X.reshape(-1, X.shape[-1]) @ W
    Y += b
    return Y.reshape(*X.shape[:-1], W.shape[1])


def check_attention_params(p, n_heads):
    """Raise ValueError unless the shapes of p agree with each other and with n_heads."""
    if isinstance(n_heads, bool) or int(n_heads) != n_heads or n_heads < 1:
        raise ValueError(f"n_heads must be a positive integer, got {n_heads!r}")
    for name in ("W_Q", "W_K", "W_V", "W_O"):
        if np.ndim(getattr(p, name)) != 2:
            raise ValueError(f"{name} must be a matrix (d_in, d_out), got shape {np.shape(getattr(p, name))}")
    d_model, hdk = p.W_Q.shape
    if hdk % n_heads:
        raise ValueError(f"W_Q has {hdk} columns (shape {p.W_Q.shape}), not a multiple of n_heads={n_heads}: "
                         f"it must hold n_heads·d_k columns")
    require_shape("W_K", p.W_K, (d_model, hdk))
    if p.W_V.shape[0] != d_model or p.W_V.shape[1] % n_heads:
        raise ValueError(f"W_V has shape {p.W_V.shape}; need ({d_model}, n_heads·d_v) with n_heads={n_heads}")
    require_shape("W_O", p.W_O, (p.W_V.shape[1], d_model))
    require_shape("b_Q", p.b_Q, (hdk,))
    require_shape("b_K", p.b_K, (hdk,))
    require_shape("b_V", p.b_V, (p.W_V.shape[1],))
    require_shape("b_O", p.b_O, (d_model,))
