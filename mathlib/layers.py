"""The small layers: linear, ReLU, the position-wise feed-forward network, layer norm."""
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_computed, require_last_dim, require_shape


def linear(x, W, b=None):
    """x W + b.  x: (..., d_in)  W: (d_in, d_out)  b: (d_out,)  →  (..., d_out).

    The neuron view: output unit j computes Σ_i x_i · W[i, j] + b[j].
    The result has x's dtype (float32 stays float32; integers become float64).
    """
    x, W = as_float_array("x", x), as_float_array("W", W)
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix (d_in, d_out), got shape {W.shape}")
    require_last_dim("x", x, W.shape[0], f"W {W.shape} (d_in)")
    if b is not None:
        b = as_float_array("b", b)
        require_shape("b", b, (W.shape[1],))
    return _linear(x, W, b)


def _linear(x, W, b=None):
    """linear without the checks: all leading dimensions flattened into one 2-D matrix product."""
    y = x.reshape(-1, x.shape[-1]) @ W.astype(x.dtype, copy=False)
    if b is not None:
        y += b.astype(x.dtype, copy=False)
    return y.reshape(*x.shape[:-1], W.shape[1])


def relu(x):
    """max(0, x), element by element."""
    return np.maximum(x, 0)


@dataclass
class FeedForwardParams:
    """W1: (d_model, d_ff)  b1: (d_ff,)  W2: (d_ff, d_model)  b2: (d_model,)."""
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


def feed_forward(x, p):
    """FFN(x) = max(0, x W1 + b1) W2 + b2, the same weights at every position.

    x: (..., n, d_model) → (..., n, d_model); the hidden layer is (..., n, d_ff).
    """
    x = as_float_array("x", x)
    d_ff = np.shape(p.W1)[-1]
    for name, shape in (("W1", (x.shape[-1], d_ff)), ("b1", (d_ff,)), ("W2", (d_ff, x.shape[-1])),
                        ("b2", (x.shape[-1],))):
        if np.shape(getattr(p, name)) != shape:
            raise ValueError(f"{name} has shape {np.shape(getattr(p, name))} but x {x.shape} with W1 "
                             f"{np.shape(p.W1)} needs {shape}")
    hidden = _linear(x, p.W1, p.b1)          # (..., n, d_ff)
    check_computed(hidden, "x W1 + b1", W1=p.W1, b1=p.b1)   # before ReLU could turn a -inf into 0
    np.maximum(hidden, 0, out=hidden)        # relu, in place on the fresh array
    out = _linear(hidden, p.W2, p.b2)        # (..., n, d_model)
    return check_computed(out, "the feed-forward network", W1=p.W1, b1=p.b1, W2=p.W2, b2=p.b2)


@dataclass
class LayerNormParams:
    """gamma, beta: (d_model,). gamma starts at 1, beta at 0."""
    gamma: np.ndarray
    beta: np.ndarray


def layer_norm(x, gamma, beta, eps=1e-5):
    """(x − mean) / √(var + eps) · gamma + beta over the last axis.

    var is the population variance (divide by n, not n − 1); eps sits inside
    the square root. x: (..., d) gamma, beta: (d,) → (..., d), in x's dtype.
    """
    x = as_float_array("x", x)
    gamma, beta = as_float_array("gamma", gamma), as_float_array("beta", beta)
    require_shape("gamma", gamma, (x.shape[-1],))
    require_shape("beta", beta, (x.shape[-1],))
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    centred = x - x.mean(axis=-1, keepdims=True)        # x − mean: a new array, updated in place below
    # population variance Σ (x − mean)² / n, the sum of squares as one dot product per row
    var = np.einsum("...i,...i->...", centred, centred)[..., None] / x.shape[-1]
    centred /= np.sqrt(var + x.dtype.type(eps))          # eps inside the square root
    centred *= gamma.astype(x.dtype, copy=False)
    centred += beta.astype(x.dtype, copy=False)
    return centred
