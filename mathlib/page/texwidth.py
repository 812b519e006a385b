r"""How wide MathJax 3 draws a piece of LaTeX, in em: a small model of TeX's math layout.

`width(latex)` estimates the rendered width from the TeX fonts' glyph widths and
TeX's spacing rules (calibrated against MathJax in Chromium, tests/test_show.py);
mathlib.page.layout breaks lines with it.
"""
import dataclasses
import re

from .texfont import (BIG, CHAR_CLASS, DELIM_SIZES, GAPS, IGNORED, ITALIC, LIMITS, OPERATORS, ROMAN,  # noqa: F401
                      SCALE, SPACES, SYMBOLS, THICK)


def width(latex):
    """The estimated width, in em, of `latex` as MathJax draws it in display style.

    Multiply by PX_PER_EM for pixels. For an `aligned` block, its widest line.
    Calibrated against MathJax 3 (see tests/test_show.py for the measurements).
    """
    return width_of(tokenize(latex))


def width_of(toks):
    return hlist_width(parse_atoms(toks, 0, len(toks), 0), 0)


DELIMS = {"bmatrix": ("[", "]"), "pmatrix": ("(", ")"), "Bmatrix": (r"\{", r"\}"),
           "vmatrix": ("|", "|"), "Vmatrix": (r"\|", r"\|"), "matrix": (".", ".")}


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)


def tokenize(latex):
    return _TOKEN.findall(latex)


@dataclasses.dataclass
class _Atom:
    cls: str                # ord op bin rel open close punct inner, or space (explicit glue)
    w: float                # width in em, scripts included
    h: float = 1.0          # height + depth in em, to size delimiters and roots around it
    start: int = 0          # the tokens it spans
    end: int = 0
    what: str = ""          # a matrix environment's name, a space's command
    limits: bool = False    # scripts go above and below (\sum, \max, \underbrace in display)
    sup: float = 0.0
    sub: float = 0.0


def _group_end(toks, i):
    """Index after the group that starts at toks[i] (a {...} group or one token)."""
    if toks[i] != "{":
        return i + 1
    depth = 0
    for j in range(i, len(toks)):
        depth += {"{": 1, "}": -1}.get(toks[j], 0)
        if depth == 0:
            return j + 1
    return len(toks)


def _skip_space(toks, i, j):
    while i < j and toks[i].isspace():
        i += 1
    return i


def _arg(toks, i, j):
    """(start, end) of the argument's contents at toks[i:], and the index after it."""
    i = _skip_space(toks, i, j)
    if i >= j:
        return (i, i), i
    k = _group_end(toks, i)
    return ((i + 1, k - 1) if toks[i] == "{" else (i, k)), k


def _env_end(toks, i, j):
    r"""Index of the \end matching the \begin at toks[i]."""
    depth = 0
    for k in range(i, j):
        if toks[k] == r"\begin":
            depth += 1
        elif toks[k] == r"\end":
            depth -= 1
            if depth == 0:
                return k
    return j


def split_cells(toks, i, j):
    r"""Rows of cells (token lists) of an environment body toks[i:j], split at top-level \\ and &."""
    rows, row, cell, depth, k = [], [], [], 0, i
    while k < j:
        t = toks[k]
        k += 1
        if depth == 0 and t == "&":
            row.append(cell)
            cell = []
        elif depth == 0 and t == r"\\":
            row.append(cell)
            rows.append(row)
            row, cell = [], []
            m = _skip_space(toks, k, j)
            if m < j and toks[m] == "[" and "]" in toks[m:j]:    # \\[1ex]: extra space, no content
                k = toks.index("]", m) + 1
        else:
            cell.append(t)
        depth += {"{": 1, "}": -1, r"\begin": 1, r"\end": -1}.get(t, 0)
    row.append(cell)
    rows.append(row)
    if len(rows) > 1 and all(not "".join(c).strip() for c in rows[-1]):
        rows.pop()                                # a trailing \\
    return rows


def _text_width(toks, i, j, style, bold=False):
    chars = "".join(t[1:] if t.startswith("\\") and len(t) == 2 else t for t in toks[i:j] if t not in "{}")
    return sum(ROMAN.get(c, .6) for c in re.sub(r"\s+", " ", chars)) * SCALE[style] * (1.1 if bold else 1.0)


def parse_atoms(toks, i, j, style, font="it"):
    """The atoms of the math list toks[i:j] in `style` (0 display .. 3 scriptscript)."""
    s = SCALE[style]
    atoms = []
    while i < j:
        t = toks[i]
        if t.isspace() or t == "}" or t in ("&", r"\\"):
            i += 1
            continue
        start = i
        if t in ("^", "_"):
            (a, b), i = _arg(toks, i + 1, j)
            script = 2 if style < 2 else 3
            sw = hlist_width(parse_atoms(toks, a, b, script), script)
            if atoms and atoms[-1].cls != "space":
                base = atoms[-1]
                base.sup, base.sub = (max(base.sup, sw), base.sub) if t == "^" else (base.sup, max(base.sub, sw))
                base.h = max(base.h, 1.3)
                base.end = i
            else:
                atoms.append(_Atom("ord", sw + .08 * s, 1.3, start, i))
            continue
        if t == "{":
            k = _group_end(toks, i)
            inner = parse_atoms(toks, i + 1, k - 1, style, font)
            atoms.append(_Atom("ord", hlist_width(inner, style), max([a.h for a in inner] or [1.0]), start, k))
            i = k
            continue
        if t in (r"\left", r"\middle", r"\right"):
            i = _delimited(toks, i, j, style, atoms, font)
            continue
        if t == r"\begin":
            k = _env_end(toks, i, j)
            (a, b), _ = _arg(toks, i + 1, j)
            name = "".join(toks[a:b])
            _, end = _arg(toks, k + 1, j)
            atoms.append(_environment(toks, b + 1, k, name, style, start, end))
            i = end
            continue
        i += 1
        if t in SPACES:
            atoms.append(_Atom("space", SPACES[t] * s, 0.0, start, i, what=t))
        elif t in SYMBOLS:
            cls, w = SYMBOLS[t]
            atoms.append(_Atom(cls, w * s, 1.0, start, i))
        elif t in (r"\frac", r"\dfrac", r"\tfrac", r"\binom"):
            (a, b), i = _arg(toks, i, j)
            (c, d), i = _arg(toks, i, j)
            part = {r"\dfrac": 1, r"\tfrac": 2}.get(t, min(style + 1, 3))    # numerator's style
            num, den = parse_atoms(toks, a, b, part), parse_atoms(toks, c, d, part)
            w = max(hlist_width(num, part), hlist_width(den, part)) + .44 * s
            h = (max([x.h for x in num] or [1]) + max([x.h for x in den] or [1])) * SCALE[part] + .2
            atoms.append(_Atom("ord" if t != r"\binom" else "inner", w, h, start, i))
        elif t == r"\sqrt":
            i = _skip_space(toks, i, j)
            if i < j and toks[i] == "[":
                i = toks.index("]", i) + 1
            (a, b), i = _arg(toks, i, j)
            inner = parse_atoms(toks, a, b, style, font)
            h = max([x.h for x in inner] or [1.0])
            atoms.append(_Atom("ord", hlist_width(inner, style) + (.853 if h <= 1.2 else 1.0) * s, h + .2, start, i))
        elif t in (r"\text", r"\textrm", r"\textnormal", r"\mbox", r"\textit", r"\textbf", r"\textsf"):
            (a, b), i = _arg(toks, i, j)
            atoms.append(_Atom("ord", _text_width(toks, a, b, style, t == r"\textbf"), 1.0, start, i))
        elif t == r"\texttt":
            (a, b), i = _arg(toks, i, j)
            atoms.append(_Atom("ord", .525 * len("".join(toks[a:b])) * s, 1.0, start, i))
        elif t in (r"\operatorname", r"\mathrm", r"\mathbf", r"\mathit", r"\mathsf", r"\boldsymbol", r"\bm"):
            (a, b), i = _arg(toks, i, j)
            f = {r"\mathit": "it", r"\boldsymbol": "bit", r"\bm": "bit", r"\mathbf": "bf"}.get(t, "rm")
            inner = parse_atoms(toks, a, b, style, f)
            atoms.append(_Atom("op" if t == r"\operatorname" else "ord", hlist_width(inner, style), 1.0, start, i))
        elif t in (r"\phantom", r"\hphantom", r"\boxed", r"\underbrace", r"\overbrace", r"\underline",
                   r"\overline", r"\hat", r"\tilde", r"\bar", r"\vec", r"\widehat", r"\widetilde", r"\dot"):
            (a, b), i = _arg(toks, i, j)
            inner = parse_atoms(toks, a, b, style, font)
            w = hlist_width(inner, style) + (.6 * s if t == r"\boxed" else 0)
            atoms.append(_Atom("ord", w, max([x.h for x in inner] or [1.0]), start, i,
                               limits=t in (r"\underbrace", r"\overbrace")))
        elif t == r"\vphantom":
            _, i = _arg(toks, i, j)
        elif t in (r"\xrightarrow", r"\xleftarrow", r"\overset", r"\underset", r"\stackrel"):
            (a, b), i = _arg(toks, i, j)
            script = 2 if style < 2 else 3
            over = hlist_width(parse_atoms(toks, a, b, script), script)
            if t.startswith(r"\x"):
                atoms.append(_Atom("rel", max(over + .587 * s, 1.0 * s), 1.0, start, i))
            else:
                (c, d), i = _arg(toks, i, j)
                base = parse_atoms(toks, c, d, style, font)
                cls = "rel" if t == r"\stackrel" else (base[0].cls if len(base) == 1 else "ord")
                atoms.append(_Atom(cls, max(over, hlist_width(base, style)), 1.5, start, i))
        elif t in (r"\color", r"\textcolor", r"\label", r"\tag"):
            _, i = _arg(toks, i, j)                  # \textcolor's text follows as a group
        elif t in (r"\hspace", r"\kern", r"\mkern", r"\hskip"):
            (a, b), i = _arg(toks, i, j)
            atoms.append(_Atom("space", _length("".join(toks[a:b])) * s, 0.0, start, i, what=t))
        elif t.rstrip("lrm") in BIG and t[-1] in "lrm" or t in BIG:
            size = BIG[t.rstrip("lrm") if t not in BIG else t]
            i = _skip_space(toks, i, j)
            d = toks[i] if i < j else "."
            i += 1
            cls = {"l": "open", "r": "close"}.get(t[-1], CHAR_CLASS.get(d, "ord"))
            atoms.append(_Atom(cls, DELIM_SIZES.get(d, DELIM_SIZES["("])[size] * s, 1.0 + .4 * size, start, i))
        elif t in (r"\sum", r"\prod", r"\int"):
            w = {r"\sum": (1.444, 1.056), r"\prod": (1.278, .944), r"\int": (.944, .556)}[t][0 if style == 0 else 1]
            atoms.append(_Atom("op", w * s, 2.0 if style == 0 else 1.0, start, i, limits=style == 0 and t != r"\int"))
        elif t in OPERATORS:
            atoms.append(_Atom("op", sum(ROMAN.get(c, .5) for c in t[1:]) * s, 1.0, start, i,
                               limits=style == 0 and t in LIMITS))
        elif t in IGNORED:
            if t in (r"\displaystyle", r"\textstyle", r"\scriptstyle", r"\scriptscriptstyle"):
                new = {r"\displaystyle": 0, r"\textstyle": 1, r"\scriptstyle": 2, r"\scriptscriptstyle": 3}[t]
                atoms.extend(parse_atoms(toks, i, j, new, font))
                i = j
        elif t.startswith("\\") and len(t) > 2:
            atoms.append(_Atom("ord", .8 * s, 1.0, start, i))       # unknown command: a guess
        else:
            c = t[-1]
            cls = CHAR_CLASS.get(c, "ord")
            if c.isalpha() and font in ("it", "bit"):
                w = ITALIC.get(c, .6) * (1.1 if font == "bit" else 1.0)
            else:
                w = .778 if c in "+-" else ROMAN.get(c, .6)
                w *= 1.15 if font == "bf" else 1.0
            atoms.append(_Atom(cls, w * s, 1.0, start, i))
    for a in atoms:                               # scripts attached above: add their width
        if a.sup or a.sub:
            a.w = max(a.w, a.sup, a.sub) if a.limits else a.w + max(a.sup, a.sub) + .08 * s
            a.sup = a.sub = 0.0
    return atoms


def _length(text):
    m = re.match(r"\s*(-?[\d.]+)\s*(em|ex|pt|px|mu)?", text)
    if not m:
        return 0.0
    return float(m.group(1)) * {"em": 1, "ex": .43, "pt": .1, "px": 1 / 17, "mu": 1 / 18, None: .1}[m.group(2)]


def _delimited(toks, i, j, style, atoms, font):
    r"""\left d ... \middle d ... \right d as one inner atom; returns the index after it."""
    start, pieces, delims, depth, k, piece_start = i, [], [], 0, i, None
    while k < j:
        t = toks[k]
        if t == r"\left":
            depth += 1
            if depth == 1:
                k = _skip_space(toks, k + 1, j)
                delims.append(toks[k])
                piece_start = k + 1
        elif t in (r"\middle", r"\right") and depth == 1:
            pieces.append((piece_start, k))
            k = _skip_space(toks, k + 1, j)
            delims.append(toks[k])
            piece_start = k + 1
            if t == r"\right":
                depth -= 1
                break
        elif t == r"\right":
            depth -= 1
        k += 1
    if not delims or depth != 0 or len(delims) < 2:   # unbalanced: skip the command
        return i + 1
    lists = [parse_atoms(toks, a, b, style, font) for a, b in pieces]
    h = max([x.h for lst in lists for x in lst] or [1.0])
    size = 0 if h <= 1.2 else 1 if h <= 1.7 else 2 if h <= 2.1 else 3 if h <= 2.6 else 4 if h <= 3.1 else 5
    s = SCALE[style]
    w = sum(hlist_width(lst, style) for lst in lists)
    w += sum(DELIM_SIZES.get(d, DELIM_SIZES["("])[size] * s for d in delims)
    atoms.append(_Atom("inner", w, h + .2, start, k + 1))
    return k + 1


def _environment(toks, i, j, name, style, start, end):
    """An environment (matrix, aligned, cases, array ...) toks[i:j] as one atom."""
    if name == "array":                               # skip the column spec
        (_, b), i = _arg(toks, i, j)
    rows = split_cells(toks, i, j)
    aligned = name.rstrip("*") in ("aligned", "align", "alignat", "alignedat", "split", "gathered",
                                   "gather", "eqnarray")
    cell_style = 0 if aligned else (2 if name == "smallmatrix" else max(style, 1))
    n_cols = max(len(r) for r in rows)
    col_w, row_h = [0.0] * n_cols, []
    for r in rows:
        hs = [1.0]
        for k, cell in enumerate(r):
            at = parse_atoms(cell, 0, len(cell), cell_style)
            col_w[k] = max(col_w[k], cell_width(at, cell_style) if aligned and k % 2 else hlist_width(at, cell_style))
            hs.append(max([a.h for a in at] or [1.0]))
        row_h.append(max(1.2, max(hs)))
    s = SCALE[style]
    if aligned:
        gaps = sum(2.0 * s for k in range(1, n_cols) if k % 2 == 0)
    else:
        gaps = (n_cols - 1) * (.333 if name == "smallmatrix" else 1.0) * s
    w = sum(col_w) + gaps
    h = sum(row_h)
    if name in DELIMS or name == "cases":
        left, right = DELIMS.get(name, (r"\{", "."))
        size = 0 if h <= 1.2 else 1 if h <= 1.7 else 2 if h <= 2.1 else 3 if h <= 2.6 else 4 if h <= 3.1 else 5
        w += (DELIM_SIZES[left][size] + DELIM_SIZES[right][size]) * s if name != "matrix" else 0
    return _Atom("inner" if name in DELIMS and name != "matrix" else "ord", w, h, start, end, what=name)


def cell_width(atoms, style):
    """A right-hand cell of `aligned`: a relation first keeps its space on the left ('&= x')."""
    real = classify_atoms(atoms)
    return hlist_width(atoms, style) + (THICK * SCALE[style] if real and real[0].cls == "rel" else 0.0)


def classify_atoms(atoms):
    """TeX's rules 5-6: a binary operator with nothing to bind on its left is an ordinary atom."""
    real = [a for a in atoms if a.cls != "space"]
    for k, a in enumerate(real):
        if a.cls == "bin" and (k == 0 or real[k - 1].cls in ("bin", "op", "rel", "open", "punct")):
            a.cls = "ord"
        if a.cls in ("rel", "close", "punct") and k and real[k - 1].cls == "bin":
            real[k - 1].cls = "ord"
    if real and real[-1].cls == "bin":
        real[-1].cls = "ord"
    return real


def hlist_width(atoms, style):
    """The width of a math list: its atoms and the spaces TeX puts between their classes."""
    real = classify_atoms(atoms)
    w = sum(a.w for a in atoms)
    scale = SCALE[style]
    for a, b in zip(real, real[1:]):
        gap, in_scripts = GAPS.get((a.cls, b.cls), (0.0, True))
        if style < 2 or in_scripts:
            w += gap * scale
    return w
