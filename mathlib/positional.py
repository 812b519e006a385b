"""Sinusoidal positional encoding ("Attention Is All You Need", §3.5)."""
import numpy as np

from . import _checks


def inverse_frequencies(d_model):
    """1 / ω_i = 10000^(2i/d_model) for each pair index i = 0 … d_model/2 − 1 (one place
    for the formula; positional_encoding and rotation divide by it).

    >>> inverse_frequencies(4).tolist()
    [1.0, 100.0]
    """
    return 10000 ** (2 * np.arange(d_model // 2) / d_model)


def positional_encoding(n_positions, d_model):
    """PE[p, 2i] = sin(p ω_i),  PE[p, 2i+1] = cos(p ω_i).

    ω_i = 1 / 10000^(2i/d_model); i is the pair index: dimensions 2i and
    2i+1 share one frequency. Returns (n_positions, d_model), float64.
    """
    p = np.arange(n_positions)[:, None]         # (n_positions, 1)
    angle = p / inverse_frequencies(d_model)   # p·ω_i: (n_positions, d/2)
    pe = np.empty((n_positions, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


def rotation(k, d_model):
    """(d_model, d_model) block-diagonal R_k with PE(p + k) = R_k @ PE(p) for every p.

    Pair i is rotated by the angle k·ω_i, ω_i = 1 / 10000^(2i/d_model):
    [sin(a+b), cos(a+b)] = [[cos b, sin b], [-sin b, cos b]] @ [sin a, cos a].
    """
    R = np.zeros((d_model, d_model))
    for i, b in enumerate(k / inverse_frequencies(d_model)):
        R[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[np.cos(b), np.sin(b)], [-np.sin(b), np.cos(b)]]
    return R


# --- the doors ------------------------------------------------------------------------------

def _sizes(n_positions, d_model):
    n_positions = _checks.positive_int("n_positions", n_positions)
    return n_positions, _even("d_model", d_model)


def _rotation_args(k, d_model):
    return k, _even("d_model", d_model)


def _even(name, d):
    d = _checks.positive_int(name, d)
    if d % 2:
        raise ValueError(f"{name} must be even (sin/cos pairs), got {d}")
    return d


positional_encoding = _checks.checked(positional_encoding, _sizes, result=False)
rotation = _checks.checked(rotation, _rotation_args, result=False)
