"""The small layers: linear, ReLU, the position-wise feed-forward network, layer norm.

Each function first checks its input in one call (the checks live at the end
of this file), then does the math.
"""
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_computed, check_params, require_last_dim, require_shape


def linear(x, W, b=None):
    """x W + b.  x: (..., d_in)  W: (d_in, d_out)  b: (d_out,)  →  (..., d_out).

    The neuron view: output unit j computes Σ_i x_i · W[i, j] + b[j].
    The result has x's dtype (float32 stays float32; integers become float64).
    """
    x, W, b = _check_linear(x, W, b)
    y = x.reshape(-1, x.shape[-1]) @ W          # every position of every sentence in one matrix product
    if b is not None:
        y += b
    return check_computed(y.reshape(*x.shape[:-1], W.shape[1]), "x W + b", x=x, W=W, b=b)


def relu(x, out=None):
    """max(0, x), element by element (into `out` if given, e.g. out=x to save memory)."""
    return np.maximum(x, 0, out=out)


@dataclass
class FeedForwardParams:
    """W1: (d_model, d_ff)  b1: (d_ff,)  W2: (d_ff, d_model)  b2: (d_model,). Checked on creation."""
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def __post_init__(self):
        check_params(self)
        d_model, d_ff = self.W1.shape
        for name, shape in (("b1", (d_ff,)), ("W2", (d_ff, d_model)), ("b2", (d_model,))):
            require_shape(name, getattr(self, name), shape)


def feed_forward(x, p):
    """FFN(x) = max(0, x W1 + b1) W2 + b2, the same weights at every position.

    x: (..., n, d_model) → (..., n, d_model); the hidden layer is (..., n, d_ff).
    """
    x = _check_feed_forward(x, p)
    hidden = linear(x, p.W1, p.b1)              # (..., n, d_ff)
    relu(hidden, out=hidden)                    # in place: hidden is the largest array at paper scale
    return linear(hidden, p.W2, p.b2)           # (..., n, d_model)


@dataclass
class LayerNormParams:
    """gamma, beta: (d_model,). gamma starts at 1, beta at 0. Checked on creation."""
    gamma: np.ndarray
    beta: np.ndarray

    def __post_init__(self):
        check_params(self)
        require_shape("beta", self.beta, self.gamma.shape)


def layer_norm(x, gamma, beta, eps=1e-5):
    """(x − mean) / √(var + eps) · gamma + beta over the last axis.

    var is the population variance (divide by d, not d − 1); eps sits inside
    the square root. x: (..., d)  gamma, beta: (d,)  →  (..., d), in x's dtype.
    """
    x, gamma, beta = _check_layer_norm(x, gamma, beta, eps)
    x_hat = x - x.mean(axis=-1, keepdims=True)              # centre each row
    var = (x_hat ** 2).mean(axis=-1, keepdims=True)         # population variance: divide by d
    x_hat /= np.sqrt(var + eps)                             # eps inside the square root
    return x_hat * gamma + beta


def add_and_norm(x, sublayer_out, norm, eps=1e-5):
    """LayerNorm(x + Sublayer(x)), the paper's "Add & Norm": the residual connection, then layer norm.

    x, sublayer_out: (..., n, d_model); norm: LayerNormParams.  →  (..., n, d_model).
    """
    return layer_norm(x + sublayer_out, norm.gamma, norm.beta, eps)


# --- checks: every public function above starts with one of these -----------------------

def _check_linear(x, W, b):
    """Shapes and dtypes here; NaN or inf in x, W or b is found through the result (one scan, not three)."""
    x = _real("x", x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    W = _real("W", W)
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix (d_in, d_out), got shape {W.shape}")
    require_last_dim("x", x, W.shape[0], f"W {W.shape} (d_in)")
    if b is not None:
        b = _real("b", b)
        require_shape("b", b, (W.shape[1],))
        b = b.astype(x.dtype, copy=False)
    return x, W.astype(x.dtype, copy=False), b


def _real(name, a):
    a = np.asarray(a)
    if a.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    return a


def _check_feed_forward(x, p):
    x = as_float_array("x", x)
    d_ff = np.shape(p.W1)[-1]
    for name, shape in (("W1", (x.shape[-1], d_ff)), ("b1", (d_ff,)), ("W2", (d_ff, x.shape[-1])),
                        ("b2", (x.shape[-1],))):
        if np.shape(getattr(p, name)) != shape:
            raise ValueError(f"{name} has shape {np.shape(getattr(p, name))} but x {x.shape} with W1 "
                             f"{np.shape(p.W1)} needs {shape}")
    return x


def _check_layer_norm(x, gamma, beta, eps):
    x = as_float_array("x", x)
    gamma, beta = as_float_array("gamma", gamma), as_float_array("beta", beta)
    require_shape("gamma", gamma, (x.shape[-1],))
    require_shape("beta", beta, (x.shape[-1],))
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    return x, gamma.astype(x.dtype, copy=False), beta.astype(x.dtype, copy=False)
