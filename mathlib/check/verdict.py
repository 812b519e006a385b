"""How a check runs the reader's answer and prints its verdict (the machinery of mathlib.check).

`run(name, answer, cases, reference, mistakes, generic)` runs the answer on every case
against mathlib's reference and prints "Correct", "Not done yet" or "Not yet" with the
input, the expected and the received value and the hint of a recognised mistake; `fmt`
writes a value the way the verdict shows it. Every check of mathlib/check/ calls `run`.
"""
import textwrap

import numpy as np

WIDTH = 72


def _say(text):
    print("\n".join(textwrap.fill(p, WIDTH) if not p.startswith("  ") else p
                    for p in text.split("\n")))


def fmt(x):
    """x as a check prints it: an array rounded to 4 decimals, a number, a text, a type's name."""
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "USO":   # words
        return repr(x.astype(object).tolist())
    if isinstance(x, np.ndarray):
        if x.dtype == bool:
            return np.array2string(x.astype(int), separator=", ").replace("\n", "\n  ") + " (as 0/1)"
        if x.dtype.kind in "iu":
            return np.array2string(x, separator=", ", max_line_width=WIDTH - 2)
        return np.array2string(np.round(x, 4) + 0.0, separator=", ", precision=4,
                               suppress_small=True, max_line_width=WIDTH - 2).replace("\n", "\n  ")
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, (int, np.integer, type(None))):
        return repr(x)
    return type(x).__name__


def _args_text(name, args, desc=None):
    """`name(a=1, b=2)` on one line when it fits, else one argument a line."""
    desc = desc or {}
    shown = {k: desc.get(k, fmt(v)) for k, v in args.items()}
    inline = f"{name}({', '.join(f'{k}={v}' for k, v in shown.items())})"
    if len(inline) <= WIDTH - 14 and "\n" not in inline:
        return inline
    lines = [f"{name}({', '.join(shown)}) with"]
    for k, v in shown.items():
        v = v.replace("\n  ", "\n    ")
        lines.append(f"  {k} = {v}" if "\n" not in v and len(v) < WIDTH - 8
                     else f"  {k} =\n    {v}")
    return "\n".join(lines)


def _close(got, want):
    """Same shape (and kind) and the same numbers, to 1e-6; the same text."""
    if isinstance(want, str):
        return isinstance(got, str) and got == want
    if isinstance(want, float):
        try:
            return abs(float(got) - want) <= 1e-6 * max(1.0, abs(want))
        except (TypeError, ValueError):
            return False
    got = np.asarray(got)
    if got.shape != want.shape:
        return False
    if want.dtype == bool:
        return got.dtype == bool and bool((got == want).all())
    return bool(np.allclose(got, want, rtol=1e-6, atol=1e-8, equal_nan=False))


def _unfinished(answer):
    return answer is Ellipsis or answer is None


def run(name, answer, cases, reference, mistakes=(), generic=None):
    """Run `answer` on every case (a dict of keyword arguments); print the verdict.
    mistakes: (wrong_function, hint) pairs, a typical mistake each; generic(args, got,
    want) may return a hint of its own."""
    if _unfinished(answer):
        _say(f"Not done yet: write your {name} above (replace the `...`) and run "
             f"this cell again.")
        return
    for args in cases:
        args = dict(args)
        desc = args.pop("__desc__", None)
        want = reference(**args)
        try:
            with np.errstate(all="ignore"):    # overflow is reported below, as a hint
                got = answer(**{k: (v.copy() if isinstance(v, np.ndarray) else v)
                                for k, v in args.items()})
        except Exception as exc:     # the reader's code: report, do not stop the chapter
            _say(f"Not yet: {_args_text(name, args, desc)}\nraised "
                 f"{type(exc).__name__}: {exc}")
            return
        if got is None or got is Ellipsis:
            _say(f"Not done yet: {_name(answer, name)} returns {got!r}. Write its body "
                 f"(replace the `...`) and run this cell again.")
            return
        if _close(got, want):
            continue
        hint = _hint(args, got, want, mistakes, generic)
        shape = ""
        if isinstance(want, np.ndarray):
            g = np.asarray(got)
            if g.shape != want.shape:
                shape = f" (shape {want.shape}, got shape {g.shape})"
        _say(f"Not yet. For {_args_text(name, args, desc)}\n"
             f"expected{shape}\n  {fmt(want)}\ngot\n  {fmt(_as_shown(got))}"
             + (f"\nHint: {hint}" if hint else ""))
        return
    _say(f"Correct: {_name(answer, name)} agrees with mathlib on all {len(cases)} "
         f"inputs.")


def _as_shown(got):
    """What the reader's answer printed as: an array, unless a number or text."""
    return got if isinstance(got, (float, str)) else np.asarray(got)


def _name(answer, name):
    """The answer's own name (my_softmax, softmax_solution), else the exercise's."""
    own = getattr(answer, "__name__", "")
    return own if own.isidentifier() else f"your {name}"


def _hint(args, got, want, mistakes, generic):
    for wrong, hint in mistakes:
        try:
            with np.errstate(all="ignore"):
                w = wrong(**args)
        except Exception:
            continue
        if isinstance(want, str):
            w = str(w)
        elif isinstance(want, float):
            w = float(w)
        else:
            w = np.asarray(w)
        if _close(got, w):
            return hint
    if generic is not None:
        return generic(args, got, want)
    return None
