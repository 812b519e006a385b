"""Arrays and computations as LaTeX for the page.

Every number the book prints as math comes from these functions, called on
the very arrays the code computes with. Each function returns a LaTeX string;
`math(...)` wraps strings for display in a notebook (IPython is imported only
there).
"""
import inspect

import numpy as np


def number(x, decimals=3):
    """One number as text with exactly `decimals` places (6.000 at 3), no '-0'.

    Call with places(x, decimals) to drop the zeros a whole or one-decimal number does not need.
    """
    x = float(x)
    if x == np.inf:
        return r"\infty"
    if x == -np.inf:
        return r"-\infty"
    s = f"{x:.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def places(A, decimals=3):
    """The fewest decimal places (at most `decimals`) that show every entry of A exactly.

    Whole numbers need 0, one-decimal weights 1; anything else gets `decimals`.
    """
    A = np.asarray(A, dtype=float)
    A = A[np.isfinite(A)]
    for k in range(decimals):
        if np.allclose(A, np.round(A, k), rtol=0, atol=1e-9):
            return k
    return decimals


def matrix(A, decimals=3, name=None):
    r"""A vector or matrix as a LaTeX bmatrix, rounded to `decimals`. A 1-D array is one row.

    Every entry gets the same number of places, so columns line up: the fewest
    that show the whole matrix exactly (0 for integers, 1 for one-decimal
    weights), else `decimals`.

    >>> matrix([[1, 2], [3, 4.5]])
    '\\begin{bmatrix} 1.0 & 2.0 \\\\ 3.0 & 4.5 \\end{bmatrix}'
    """
    A = np.asarray(A)
    if A.ndim == 1:
        A = A[None, :]
    if A.ndim != 2:
        raise ValueError(f"matrix() shows 1-D or 2-D arrays, got shape {A.shape}")
    k = places(A, decimals)
    rows = [" & ".join(number(x, k) for x in row) for row in A]
    body = r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    return f"{name} = {body}" if name else body


def shape(A):
    """'(2×4)' for an array of shape (2, 4)."""
    return "(" + r"\times".join(str(s) for s in np.shape(A)) + ")"


def shape_note(*arrays, result=None):
    r"""'(2×4)·(4×3) → (2×3)': the shapes of a matrix product and of its result."""
    left = r"\cdot".join(shape(a) for a in arrays)
    if result is None:
        result = np.linalg.multi_dot(arrays) if len(arrays) > 2 else np.asarray(arrays[0]) @ np.asarray(arrays[1])
    return left + r" \rightarrow " + shape(result)


def dot_product(a, b, decimals=3):
    r"""a · b written out term by term: '1·0 + 2·1 + 3·0 + 4·1 = 6'."""
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"dot_product needs vectors of one length, got a {a.shape} and b {b.shape}")
    ka, kb = places(a, decimals), places(b, decimals)
    terms = []
    for i, (x, y) in enumerate(zip(a, b)):
        t = number(x, ka) + r"\cdot" + _paren(number(y, kb))
        if i and not t.startswith("-"):
            t = "+ " + t
        elif i:
            t = "- " + t[1:]
        terms.append(t)
    return " ".join(terms) + " = " + number(a @ b, places(a @ b, decimals))


def _paren(s):
    return f"({s})" if s.startswith("-") else s


def product(A, B, decimals=3, names=("", "", "")):
    r"""'A B = [A][B] = [AB]' with the shapes underneath the names, for a matrix product."""
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    if A.shape[-1] != B.shape[0]:
        raise ValueError(f"product needs A's columns to match B's rows, got A {A.shape} and B {B.shape}")
    C = A @ B
    lhs = f"{names[0]} {names[1]} = " if names[0] else ""
    res = f" = {names[2]}" if names[2] else ""
    return (lhs + matrix(A, decimals) + matrix(B, decimals) + " = " + matrix(C, decimals) + res
            + r" \quad " + shape_note(A, B))


def source(obj):
    """The source code of a function or class as a fenced python block (for Markdown)."""
    return "```python\n" + inspect.getsource(obj).rstrip() + "\n```"


def math(*parts):
    """Display LaTeX in a notebook: the parts joined by spaces, as one display equation."""
    from IPython.display import Math
    return Math(" ".join(parts))


def code(obj):
    """Display a function's source in a notebook (Markdown code block)."""
    from IPython.display import Markdown
    return Markdown(source(obj))


def table(header, rows):
    """A Markdown table: header is a list of column titles, rows a list of lists (cells made str)."""
    if any(len(r) != len(header) for r in rows):
        raise ValueError(f"every row needs {len(header)} cells, got lengths {[len(r) for r in rows]}")
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def markdown(text):
    """Display Markdown text (e.g. a `table`) in a notebook."""
    from IPython.display import Markdown
    return Markdown(text)
