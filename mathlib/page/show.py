r"""Arrays and computations as LaTeX for the page.

Every number the book prints as math comes from these functions, called on
the very arrays the code computes with. Each function returns a LaTeX string;
`math(...)` wraps strings for display in a notebook (IPython is imported only
there).

Fitting the column
------------------
The site's text column is 680 px: 80 characters of prose, 76 of code, and
32 em of display math (MathJax draws an em as 20.3 px there, `PX_PER_EM`;
`COLUMN_EM` leaves room for a callout's border). What is laid out to fit only
gets line breaks: every number keeps its places, and its place.

Which function, when:

- A matrix product by hand: `math(product(A, B, names=("X", "W_Q", "Q")))`.
  One line if it fits; else the result on its own line under the `=`; if even
  [A][B] is too wide, B goes under A (`· [B]`). The shape note follows the
  result, or takes a line of its own.
- A dot product: `math("s =", dot_product(a, b))`; a long sum wraps at + and -.
- `lhs = a = b = ...`: `chain(lhs, a, b, ...)`, wrapped at the `=` signs, aligned.
- Items side by side (W_Q, W_K, W_V; W_1 and b_1): `row(item, item, ...)`, with
  `\qquad` between them; an item that would overflow starts a new line, aligned
  at its `=`. `math(a, r"\qquad", b)` wraps the same way.
- A matrix too wide for the column (8 or 10 columns of 3 places): `matrix` gives
  it whole; once displayed, it is split into column blocks on successive lines
  (the first opens the bracket and ends with ⋯, the next ones start with ⋯, the
  last closes the bracket). No entry is dropped or rounded further.
- Anything else: `math(*parts)` wraps any line that is too wide (`fit`), at, in
  this order of preference, the `\quad`/`\qquad` between items, a relation, a
  binary + or -, the gap between two matrices. It never breaks inside a group:
  one `\frac` over a long sum, a long `\text{...}` or an `aligned` written by
  hand stays as it is (split those yourself; `width(latex)` estimates a piece's
  width in em).
- Tables: `markdown(table(header, rows, widths=[10, 60, 15, 15], align="lrrr"))`
  for relative column widths (the table spans the text, long cells wrap) and
  alignment.
- Text outputs, within 80 characters: `print(wrap(message))`, and
  `print(items(seq, prefix="label: "))` for a list, or a dict's `.items()`.
"""
import inspect
import textwrap

import numpy as np

from .layout import COLUMN_EM, COLUMN_PX, PX_PER_EM, fit, width  # noqa: F401  (part of show's API)



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
    weights), else `decimals`. The bmatrix is one piece however wide; `math`
    splits it into column blocks if it does not fit the column.

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
    r"""a · b written out term by term: '1·0 + 2·1 + 3·0 + 4·1 = 6'.

    One flat line; `math(lhs, dot_product(a, b))` wraps it at '+' if it is too long.
    """
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


def product(A, B, decimals=3, names=("", "", ""), width=None):
    r"""'A B = [A][B] = [AB]' and the shapes, for a matrix product, laid out to fit the column.

    One line if it fits; else the result on its own line (aligned at '='), and if
    even [A][B] is too wide, B under A. See "Fitting the column".
    """
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    if A.shape[-1] != B.shape[0]:
        raise ValueError(f"product needs A's columns to match B's rows, got A {A.shape} and B {B.shape}")
    C = A @ B
    lhs = f"{names[0]} {names[1]} = " if names[0] else ""
    res = f" = {names[2]}" if names[2] else ""
    return fit(lhs + matrix(A, decimals) + matrix(B, decimals) + " = " + matrix(C, decimals) + res
               + r" \quad " + shape_note(A, B), width)


def chain(lhs, *rhs, note=None, width=None):
    r"""'lhs = rhs_1 = rhs_2 = ...' (and `note` after a \quad), wrapped at the '=' signs to fit."""
    parts = [lhs, *rhs]
    return fit(" = ".join(parts) + (r" \quad " + note if note else ""), width)


def row(*items, sep=r"\qquad", width=None):
    r"""Items side by side, `sep` between them; an item that would overflow starts a new line."""
    return fit(f" {sep} ".join(items), width)


def source(obj):
    """The source code of a function or class as a fenced python block (for Markdown)."""
    return "```python\n" + inspect.getsource(obj).rstrip() + "\n```"


def math(*parts, width=None):
    """Display LaTeX in a notebook: the parts joined by spaces, as one display equation.

    Wrapped to the column by `fit` if it is too wide (`width` in em, default COLUMN_EM).
    """
    from IPython.display import Math
    return Math(fit(" ".join(parts), width))


def code(obj):
    """Display a function's source in a notebook (Markdown code block)."""
    from IPython.display import Markdown
    return Markdown(source(obj))


def table(header, rows, widths=None, align=None):
    """A Markdown (pipe) table: header is a list of column titles, rows a list of lists (cells made str).

    align: one letter per column, 'l', 'r' or 'c' (e.g. "lrr"); default: Pandoc's (left).
    widths: relative column widths (e.g. [10, 60, 15, 15]). Pandoc takes them from the
    number of dashes under each title when a line of the table is longer than its
    `columns` (72), so the dashes are scaled to add up to 100: the table then spans the
    text width, with each column its share of it and long cells wrapped.
    Without widths, each column is as wide as its content.
    """
    n = len(header)
    if any(len(r) != n for r in rows):
        raise ValueError(f"every row needs {n} cells, got lengths {[len(r) for r in rows]}")
    if align is not None and (len(align) != n or set(align) - set("lrc")):
        raise ValueError(f"align needs one of 'l', 'r', 'c' per column ({n}), got {align!r}")
    if widths is not None and (len(widths) != n or min(widths) <= 0):
        raise ValueError(f"widths needs {n} positive numbers, got {widths!r}")
    dashes = [3] * n if widths is None else [max(3, round(100 * w / sum(widths))) for w in widths]
    rule = []
    for k, d in enumerate(dashes):
        a = align[k] if align else ""
        rule.append({"l": ":" + "-" * (d - 1), "r": "-" * (d - 1) + ":", "c": ":" + "-" * (d - 2) + ":"}.get(a, "-" * d))
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def markdown(text):
    """Display Markdown text (e.g. a `table`) in a notebook."""
    from IPython.display import Markdown
    return Markdown(text)


# --- text outputs: within 80 characters ------------------------------------------

def wrap(text, width=80, indent=""):
    """`text` with each line longer than `width` broken at spaces (words are never split).

    Existing line breaks are kept; the continuation lines start with `indent`.
    """
    out = []
    for line in str(text).split("\n"):
        out.append(textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False, drop_whitespace=True) if len(line) > width else line)
    return "\n".join(out)


def items(seq, width=80, sep=", ", prefix="", indent=None):
    """The items of `seq` (made str) joined by `sep`, a new line before an item that would pass `width`.

    `prefix` starts the first line; the next lines start with `indent` (default: spaces
    as wide as the prefix). Pairs print as a dict does: items(enumerate(VOCAB)) gives
    "0: '<pad>', 1: '<sos>', ...", items(sizes.items()) "'pre-LN': 21.15, ...".
    """
    indent = " " * len(prefix) if indent is None else indent
    cells = [f"{_item(x[0])}: {_item(x[1])}" if isinstance(x, tuple) and len(x) == 2 else str(x) for x in seq]
    lines, line = [], prefix
    for k, c in enumerate(cells):
        piece = c + (sep if k < len(cells) - 1 else "")
        if line.strip() and len((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = indent
        line += piece
    lines.append(line.rstrip())
    return "\n".join(lines)


def _item(x):
    return repr(x) if isinstance(x, str) else str(x)      # as a dict prints it: 'hello': 0.5
