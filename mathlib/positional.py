"""Sinusoidal positional encoding ("Attention Is All You Need", §3.5)."""
import numpy as np


def positional_encoding(n_positions, d_model):
    """PE[p, 2i] = sin(p / 10000^(2i/d_model)),  PE[p, 2i+1] = cos(p / 10000^(2i/d_model)).

    i is the pair index: dimensions 2i and 2i+1 share one frequency.
    Returns (n_positions, d_model), float64.
    """
    for name, v in (("n_positions", n_positions), ("d_model", d_model)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if d_model % 2:
        raise ValueError(f"d_model must be even (sin/cos pairs), got {d_model}")
    p = np.arange(n_positions)[:, None]             # (n_positions, 1)
    i = np.arange(d_model // 2)[None, :]            # (1, d_model/2)
    angle = p / 10000 ** (2 * i / d_model)          # (n_positions, d_model/2)
    pe = np.empty((int(n_positions), int(d_model)))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


def rotation(k, d_model):
    """(d_model, d_model) block-diagonal R_k with PE(p + k) = R_k @ PE(p) for every p.

    Pair i is rotated by the angle k·ω_i, ω_i = 1 / 10000^(2i/d_model):
    [sin(a+b), cos(a+b)] = [[cos b, sin b], [-sin b, cos b]] @ [sin a, cos a].
    """
    if d_model % 2:
        raise ValueError(f"d_model must be even (sin/cos pairs), got {d_model}")
    R = np.zeros((d_model, d_model))
    for i in range(d_model // 2):
        b = k / 10000 ** (2 * i / d_model)
        R[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[np.cos(b), np.sin(b)], [-np.sin(b), np.cos(b)]]
    return R
