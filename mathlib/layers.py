"""The small layers: linear, ReLU, the position-wise feed-forward network, layer norm."""
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, require_last_dim, require_ndim, require_shape


def linear(x, W, b=None):
    """x W + b.  x: (..., d_in)  W: (d_in, d_out)  b: (d_out,)  →  (..., d_out).

    The neuron view: output unit j computes Σ_i x_i · W[i, j] + b[j].
    """
    x, W = as_float_array("x", x), as_float_array("W", W)
    require_ndim("W", W, 2, "(d_in, d_out)")
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix (d_in, d_out), got shape {W.shape}")
    require_last_dim("x", x, W.shape[0], f"W {W.shape} (d_in)")
    y = x @ W.astype(x.dtype, copy=False)
    if b is not None:
        b = as_float_array("b", b)
        require_shape("b", b, (W.shape[1],))
        y = y + b.astype(x.dtype, copy=False)
    return y


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
    return linear(relu(linear(x, p.W1, p.b1)), p.W2, p.b2)


@dataclass
class LayerNormParams:
    """gamma, beta: (d_model,). gamma starts at 1, beta at 0."""
    gamma: np.ndarray
    beta: np.ndarray


def layer_norm(x, gamma, beta, eps=1e-5):
    """(x − mean) / √(var + eps) · gamma + beta over the last axis.

    var is the population variance (divide by n, not n − 1); eps sits inside
    the square root. x: (..., d) gamma, beta: (d,) → (..., d).
    """
    x = as_float_array("x", x)
    gamma, beta = as_float_array("gamma", gamma), as_float_array("beta", beta)
    require_shape("gamma", gamma, (x.shape[-1],))
    require_shape("beta", beta, (x.shape[-1],))
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + x.dtype.type(eps))
    return x_hat * gamma.astype(x.dtype, copy=False) + beta.astype(x.dtype, copy=False)
