"""Input checks shared by every mathlib function.

Every public function validates its arguments before computing anything, so
a reader who passes the wrong thing gets one clear sentence instead of a
NaN six layers later. The messages name the argument and the shapes involved.

| problem                                   | error        |
|-------------------------------------------|--------------|
| an array holds NaN or ±inf                | ValueError   |
| an array has too few dimensions           | ValueError   |
| last dimensions do not match              | ValueError   |
| leading (batch) dimensions do not broadcast | ValueError |
| a mask has the wrong shape or dtype       | ValueError   |
| a mask hides every key of some query      | ValueError   |
| n_heads · d_k disagrees with a weight     | ValueError   |
| a token is not in the vocabulary          | KeyError     |
"""
import numpy as np


def as_float_array(name, x):
    """x as a floating numpy array (float32 stays float32, ints become float64), checked finite."""
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); shape {a.shape}")
    return a


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
