"""Input checks shared by every mathlib function.

Every public function validates its arguments before computing anything, so
a reader who passes the wrong thing gets one clear sentence instead of a
NaN six layers later, and nothing is half done: no input is modified, and
generation checks its arguments before it runs the encoder. Messages name
the argument and the shapes involved. tests/test_bad_input.py has one test
per row.

| problem                                              | example                                              | error      |
|------------------------------------------------------|------------------------------------------------------|------------|
| an input or parameter holds NaN or ±inf              | `linear(x, W)` with a NaN in x                       | ValueError |
| a layer overflows: finite inputs, NaN/inf result     | float32 activations near 3e38 in feed_forward        | ValueError |
| softmax over NaN, +inf, or a row that is all -inf    | `softmax([0, nan])`                                  | ValueError |
| an array has too few dimensions                      | `multi_head_attention(x, x, p, 2)` with x of shape (4,) | ValueError |
| last dimensions do not match (names both shapes)     | X_q (2, 5) but W_Q (4, 6)                            | ValueError |
| leading (batch) dimensions do not broadcast          | X_q (2, 2, 4) with X_kv (3, 2, 4)                    | ValueError |
| a parameter has the wrong shape                      | b1 of length 7 for d_ff 8; gamma (3,) for d_model 4  | ValueError |
| a mask is not boolean                                | a 0/1 float mask                                     | ValueError |
| a mask has the wrong shape                           | (2, 3) for scores (..., 2, 2)                        | ValueError |
| a mask hides every key of some query                 | an all-False row; a source made only of padding      | ValueError |
| n_heads does not divide a weight, or n_heads·d_k / n_heads·d_v disagree with config | W_Q (4, 6) with n_heads 4; config d_k 2 | ValueError |
| memory does not have one row per source token        | `decode(tgt, memory (3, 4), src of length 2, ...)`    | ValueError |
| a sequence is longer than config.max_len             | 17 ids for max_len 16; `greedy_decode(max_len=17)`   | ValueError |
| token ids are not integers in 0..vocab_size-1        | `embed([10], table of 10 rows)`                      | ValueError |
| a Config size is not a positive integer, d_model odd, eps <= 0 | `Config(d_model=5)`, `Config(n_heads=2.0)`  | ValueError |
| config.final_norm but params have no final norms     | params drawn with final_norm=False                   | ValueError |
| a config torch.nn.Transformer cannot hold (interop)  | d_k != d_model / n_heads; final_norm=False           | ValueError |
| a token is not in the vocabulary (lists the vocabulary and the nearest known tokens) | `tokens.encode("helo", VOCAB)` | KeyError |
| an id outside the vocabulary when decoding ids to text | `tokens.decode([10], VOCAB)`                       | KeyError   |

Inputs are scanned for NaN/inf on entry. Large parameters (weights) are not
scanned again on every call, which at paper scale would cost a pass over
every weight: a non-finite weight always reaches the layer's result, and
`check_computed` looks at that result and only then searches the weights to
name the culprit.
"""
import numpy as np


def as_float_array(name, x):
    """x as a floating numpy array (float32 stays float32, ints and bools become float64), checked finite."""
    a = np.asarray(x)
    kind = a.dtype.kind
    if kind != "f":
        if kind not in "iub":  # complex, object, strings, dates …
            raise ValueError(f"{name} must be a real numeric array, got dtype {a.dtype}")
        a = a.astype(np.float64)
    if not all_finite(a):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); shape {a.shape}")
    return a


def all_finite(a):
    """True if no entry of the floating array `a` is NaN or ±inf.

    Fast path: the dot product a·a (one BLAS call, no temporary array) is NaN or
    inf whenever some entry is; if it is finite, every entry is. Only when it
    overflows (or some entry is not finite) do we look entry by entry.
    """
    if a.size == 0:
        return True
    flat = a.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.dot(flat, flat)):
            return True
    return bool(np.isfinite(a).all())


def check_computed(result, what, **sources):
    """Raise ValueError if `result`, computed from checked-finite inputs, holds NaN or inf.

    The parameters of a layer are not scanned on every call (at paper scale that
    would read every weight a second time); a non-finite weight always shows up
    in the layer's result, and only then are the `sources` (name=array) searched
    to name the culprit. `what` names the computation, for the overflow case.
    """
    if all_finite(result):
        return result
    for name, a in sources.items():
        a = np.asarray(a)
        if a.dtype.kind == "f" and not all_finite(a):
            bad = int(a.size - np.count_nonzero(np.isfinite(a)))
            raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); shape {a.shape}")
    raise ValueError(f"{what} overflowed: its result holds NaN or inf although its inputs are finite "
                     f"(shape {result.shape}, dtype {result.dtype})")


def require_ndim(name, a, ndim, what):
    if a.ndim < ndim:
        raise ValueError(f"{name} must have at least {ndim} dimension(s) {what}, got shape {a.shape}")


def require_last_dim(name, a, size, source):
    """a.shape[-1] must equal `size`, which comes from `source` (a phrase naming the other array)."""
    if a.shape[-1] != size:
        raise ValueError(
            f"{name} has last dimension {a.shape[-1]} (shape {a.shape}) but {source} needs {size}"
        )


def require_shape(name, a, shape):
    if tuple(a.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(a.shape)}")


def broadcast_batch(names, arrays, core_dims):
    """Check that the leading (batch) dimensions of several arrays broadcast together."""
    leads = [a.shape[: a.ndim - k] for a, k in zip(arrays, core_dims)]
    try:
        return np.broadcast_shapes(*leads)
    except ValueError:
        described = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays))
        raise ValueError(f"batch dimensions do not broadcast: {described}") from None


def check_params(params):
    """Called when a parameter dataclass is created: every field becomes a real floating array
    (integers → float64), checked finite, matrices named in the message. Runs once per
    parameter set, not on every forward pass."""
    for name, value in vars(params).items():
        a = np.asarray(value)
        if a.dtype.kind not in "fiub":
            raise ValueError(f"{name} must be a real numeric array, got dtype {a.dtype}")
        if a.dtype.kind != "f":
            a = a.astype(np.float64)
        if not all_finite(a):
            bad = int(a.size - np.count_nonzero(np.isfinite(a)))
            raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); shape {a.shape}")
        if name.startswith("W") and a.ndim != 2:
            raise ValueError(f"{name} must be a matrix (d_in, d_out), got shape {a.shape}")
        if a is not value:
            setattr(params, name, a)
