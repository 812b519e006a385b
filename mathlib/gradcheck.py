"""The check of every backward pass: finite differences (re-exported by mathlib.grad)."""
import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """∂f/∂x by central differences, (f(x + h·e_i) − f(x − h·e_i)) / 2h for
    every entry i of x.

    f: a function of no arguments returning a number, which reads x;
    x: a writable float64 array, nudged in place one entry at a time and
    restored to the same bits. Returns an array of x's shape. The error
    is about h² (the next term of the Taylor series) plus f's rounding
    over h: about 1e-10 for h = 1e-6.

    >>> x = np.array([1.0, -2.0])
    >>> np.round(numerical_gradient(lambda: np.sum(x ** 3), x), 6).tolist()
    [3.0, 12.0]
    """
    if x.dtype != np.float64:
        raise ValueError(f"x must be float64 for a finite-difference "
                         f"check, got {x.dtype}")
    if not x.flags.writeable:
        raise ValueError("x is read-only (e.g. mathlib.example.PARAMS): "
                         "check a copy")
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        f_plus = float(f())
        x.flat[i] = old - h
        f_minus = float(f())
        x.flat[i] = old                            # the same bits again
        g.flat[i] = (f_plus - f_minus) / (2 * h)
    return g


def relative_error(a, b):
    """‖a − b‖ / max(‖a‖, ‖b‖): 0 when equal, about 1e-10 for a good
    gradient check, of order 1 for unrelated arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
