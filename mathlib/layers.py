"""The small layers: linear, ReLU, the position-wise feed-forward network, layer norm.

Each function is its formula. mathlib checks what you hand it at the door
(the bottom of this file, mathlib/_checks.py); inside the model the formulas
run as shown. `cache` is for training only (mathlib.grad): a layer given one
adds to it what backpropagation reads, and add_and_norm applies dropout.
"""
from dataclasses import dataclass

import numpy as np

from . import _checks

EPS = 1e-5     # layer norm's eps, added to the variance: the one default (torch's too)


def linear(x, W, b=None):
    """x W + b.  x: (..., d_in)  W: (d_in, d_out)  b: (d_out,)  →  (..., d_out).

    The neuron view: output unit j computes Σ_i x_i · W[i, j] + b[j].
    Speed, in this one place: every position of every sentence goes through
    one 2-D matrix product, and the bias is added to that fresh result in
    place (numpy's stacked (batch, n, d_in) @ W is several times slower at
    batch 8; benchmarks/README.md).

    >>> linear(np.array([1.0, 2.0]), np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]]), np.ones(3)).tolist()
    [2.0, 3.0, 9.0]
    """
    y = x.reshape(-1, x.shape[-1]) @ W          # (positions, d_out): one BLAS call
    if b is not None:
        y += b
    return y.reshape(*x.shape[:-1], W.shape[1])


def relu(x):
    """max(0, x), element by element."""
    return np.maximum(x, 0)


@dataclass
class FeedForwardParams:
    """W1: (d_model, d_ff)  b1: (d_ff,)  W2: (d_ff, d_model)  b2: (d_model,). Checked when built."""
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray

    def __post_init__(self):
        _checks.parameters(self, matrices=("W1", "W2"))
        d_model, d_ff = self.W1.shape
        for name, want in (("b1", (d_ff,)), ("W2", (d_ff, d_model)), ("b2", (d_model,))):
            _checks.shape(name, getattr(self, name), want)


def feed_forward(x, p, cache=None):
    """FFN(x) = max(0, x W1 + b1) W2 + b2, the same weights everywhere.

    x: (..., n, d_model) → (..., n, d_model); hidden: (..., n, d_ff).
    """
    pre = linear(x, p.W1, p.b1)             # (..., n, d_ff)
    hidden = relu(pre)                      # max(0, ·)
    out = linear(hidden, p.W2, p.b2)        # (..., n, d_model)
    record(cache, (x, pre, hidden, p))
    return out


@dataclass
class LayerNormParams:
    """gamma, beta: (d_model,), starting at 1 and 0; eps: added to the variance
    (config.eps). Checked when built."""
    gamma: np.ndarray
    beta: np.ndarray
    eps: float

    def __post_init__(self):
        _checks.parameters(self, matrices=())
        _checks.ndim_at_least("gamma", self.gamma, 1, "(d_model,)")
        _checks.shape("beta", self.beta, self.gamma.shape)
        _checks.positive_number("eps", self.eps)


def layer_norm(x, gamma, beta, eps=EPS):
    """(x − mean) / √(var + eps) · gamma + beta over the last axis.

    var is the population variance (divide by d, not d − 1); eps sits
    inside the square root. x: (..., d)  gamma, beta: (d,)  →  (..., d).
    """
    centred = x - x.mean(axis=-1, keepdims=True)      # row minus its mean
    var = (centred ** 2).mean(axis=-1, keepdims=True)  # over d, not d - 1
    return centred / np.sqrt(var + eps) * gamma + beta   # eps in the root


def add_and_norm(x, sublayer_out, norm, cache=None):
    """LayerNorm(x + Sublayer(x)), the paper's "Add & Norm": the residual
    connection, then layer norm with norm's gamma, beta and eps.

    x, sublayer_out: (..., n, d_model) → (..., n, d_model). In training,
    dropout hits the sub-layer's output before the sum (paper §5.4).
    """
    s = x + dropout(sublayer_out, cache)                    # the residual
    record(cache, s)
    return layer_norm(s, norm.gamma, norm.beta, norm.eps)


# --- training's cache (mathlib.grad): at inference, cache is None and nothing happens -------

def record(cache, value):
    """Training: add `value` to the cache, for the backward pass to read."""
    if cache is not None:
        cache.append(value)


def dropout(x, cache):
    """Training: cache.dropout(x) zeroes entries at the rate of training's
    p_drop and records the mask (grad.dropout). Inference: x itself."""
    return x if cache is None else cache.dropout(x)


# --- the doors: each public function above checks what it is given, once ----------------

def _linear_args(x, W, b):
    x, W = _checks.float_array("x", x), _checks.float_array("W", W)
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix (d_in, d_out), got shape {W.shape}")
    _checks.ndim_at_least("x", x, 1, "(..., d_in)")
    _checks.last_dim("x", x, W.shape[0], f"W {W.shape} (d_in)")
    if b is not None:
        b = _checks.float_array("b", b)
        _checks.shape("b", b, (W.shape[1],))
    return x, W, b


def _feed_forward_args(x, p, cache):
    if not isinstance(p, FeedForwardParams):
        raise ValueError(f"p must be FeedForwardParams, got {type(p).__name__}")
    x = _checks.float_array("x", x)
    _checks.ndim_at_least("x", x, 1, "(..., d_model)")
    if x.shape[-1] != p.W1.shape[0]:
        raise ValueError(f"W1 has shape {p.W1.shape} but x {x.shape} needs ({x.shape[-1]}, d_ff): "
                         f"x's last dimension must be W1's rows")
    return x, p, cache


def _layer_norm_args(x, gamma, beta, eps):
    x = _checks.float_array("x", x)
    gamma, beta = _checks.float_array("gamma", gamma), _checks.float_array("beta", beta)
    _checks.ndim_at_least("x", x, 1, "(..., d)")
    _checks.shape("gamma", gamma, (x.shape[-1],))
    _checks.shape("beta", beta, (x.shape[-1],))
    return x, gamma, beta, _checks.positive_number("eps", eps)


linear = _checks.checked(linear, _linear_args)
feed_forward = _checks.checked(feed_forward, _feed_forward_args)
layer_norm = _checks.checked(layer_norm, _layer_norm_args)
