r"""Fitting display math to the book's text column: the rendered width of LaTeX, and line breaks.

`mathlib.show` renders arrays as LaTeX; this module makes what it renders fit
the site's 680-px column (see show's "Fitting the column" for which function to
use when). `width(latex)` estimates how wide MathJax 3 draws a piece of LaTeX,
in em, from the TeX fonts' glyph widths and TeX's spacing rules (calibrated
against MathJax in Chromium, tests/test_show.py); `fit(latex)` breaks a line
that is too wide into an `aligned` block. Only line breaks change: every number
keeps its places, and its place.
"""
import re

from .texwidth import (DELIMS, SPACES, cell_width, classify_atoms, hlist_width, parse_atoms,  # noqa: F401
                       split_cells, tokenize, width, width_of)

COLUMN_PX = 680     # the site's text column
PX_PER_EM = 20.33   # MathJax 3 (CHTML) at the site's 17 px body: it scales math to the text's x-height
COLUMN_EM = 32.0    # a line of display math: 680 px less ~30 px for a callout's border and padding


def fit(latex, width=None):
    r"""`latex` as it is if it fits `width` em (default COLUMN_EM), else wrapped into `aligned`.

    Breaks, in this order of preference: at a top-level \quad or \qquad (between items),
    before a relation (the '=' signs aligned), before a '+' or '-' of a sum, between two
    matrices of a product; a matrix too wide by itself is split into column blocks.
    Only line breaks change: the numbers and their order within each matrix row stay.
    """
    budget = COLUMN_EM if width is None else width
    toks = tokenize(latex)
    if width_of(toks) <= budget or any(t in ("&", r"\\") for t in _top_level(toks)):
        return latex                      # fits, or is laid out by hand already
    statements = _statements(toks)
    if len(statements) == 1 and len(statements[0][1]) == 1 and not _has_matrix(toks, statements[0][1][0]):
        return latex                      # nothing to break
    lines = _Layout(toks, budget).lay_out(statements)
    body = f"{lines[0][0]} &{lines[0][1]}".strip()
    for (_, above), (left, right) in zip(lines, lines[1:]):
        gap = "[1ex]" if _BLOCK_END in above or _BLOCK_START in above else ""   # air around a split matrix's blocks
        body += rf" \\{gap} " + f"{left} &{right}".strip()
    return r"\begin{aligned} " + body + r" \end{aligned}"


def _top_level(toks):
    """The tokens outside every {...} group and environment."""
    depth = 0
    for t in toks:
        if depth == 0:
            yield t
        depth += {"{": 1, "}": -1, r"\begin": 1, r"\end": -1}.get(t, 0)


_SEPARATORS = {r"\quad", r"\qquad"}
_ALIGN_RELATIONS = {"=", r"\approx", r"\neq", r"\ne", r"\equiv", "<", ">", r"\leq", r"\geq", r"\le", r"\ge"}
_MATRICES = {"matrix", "bmatrix", "pmatrix", "Bmatrix", "vmatrix", "Vmatrix"}


def _statements(toks):
    """Top-level items: [(separator, chunks)], chunks [(kind, start, end)] cut before each break.

    kind: 'first', 'rel' (a relation), 'bin' (a binary + or -), 'mul' (a matrix right after a matrix).
    """
    atoms = parse_atoms(toks, 0, len(toks), 0)
    classify_atoms(atoms)                              # a '-' with nothing on its left is a sign, not a break
    statements, sep, chunks, start, kind, prev = [], "", [], 0, "first", None
    lead = None                                   # start of the spaces just before a break
    for a in atoms:
        if a.cls == "space" and a.what in _SEPARATORS:
            if chunks or a.start > start:
                chunks.append((kind, start, a.start))
                statements.append((sep, chunks))
            sep, chunks, start, kind, prev, lead = a.what, [], a.end, "first", None, None
            continue
        if a.cls == "space":
            lead = a.start if lead is None else lead
            continue
        brk = None
        if prev is not None and a.cls == "rel":
            brk = "rel"
        elif prev is not None and a.cls == "bin" and toks[a.start] in ("+", "-", r"\pm", r"\mp"):
            brk = "bin"
        elif prev is not None and a.what in _MATRICES and prev.what in _MATRICES:
            brk = "mul"
        if brk:
            at = a.start if lead is None else lead
            chunks.append((kind, start, at))
            start, kind = at, brk
        prev, lead = a, None
    chunks.append((kind, start, len(toks)))
    statements.append((sep, chunks))
    return [(s, [c for c in cs if "".join(toks[c[1]:c[2]]).strip()]) for s, cs in statements
            if any("".join(toks[c[1]:c[2]]).strip() for c in cs)]


def _has_matrix(toks, chunk):
    return any(a.what in _MATRICES for a in parse_atoms(toks, chunk[1], chunk[2], 0))


class _Layout:
    """Greedy line filling for `fit`: lines are [left, right] cells of an `aligned` block."""

    def __init__(self, toks, budget):
        self.toks, self.budget = toks, budget

    def text(self, chunk):
        return "".join(self.toks[chunk[1]:chunk[2]]).strip()

    @staticmethod
    def w(latex):
        toks = tokenize(latex)
        return cell_width(parse_atoms(toks, 0, len(toks), 0), 0)

    def fits(self, lines):
        """Whether the last line fits (and a wider left column pushes no earlier line out)."""
        left = max(width(l) for l, _ in lines)
        before = max([width(l) for l, _ in lines[:-1]] or [0.0])
        if left > before and any(left + self.w(r) > self.budget >= before + self.w(r) for _, r in lines[:-1]):
            return False
        return left + self.w(lines[-1][1]) <= self.budget

    def lay_out(self, statements):
        """Lines [left, right] for the statements: the first one's '=' is the alignment point."""
        first = statements[0][1]
        k = self.anchor(first)
        self.anchored = k is not None
        self.lines = [[self.join(first[:k]) if self.anchored else "", ""]]
        self.place(first[k:] if self.anchored else first)
        for sep, chunks in statements[1:]:
            last, whole = self.lines[-1], self.join(chunks)
            if last[1].strip() and self.fits(self.lines[:-1] + [[last[0], f"{last[1]} {sep} {whole}"]]):
                last[1] = f"{last[1]} {sep} {whole}"
                continue
            k = self.anchor(chunks) if self.anchored else None
            if k is not None and self.fits(self.lines + [[self.join(chunks[:k]), ""]]):
                self.lines.append([self.join(chunks[:k]), ""])
                self.place(chunks[k:])
            else:
                self.lines.append(["", ""])
                self.place(chunks, indent=sep)
        return [(left, right.strip()) for left, right in self.lines]

    def join(self, chunks):
        return " ".join(self.text(c) for c in chunks)

    def rel_of(self, chunk):
        """The relation a 'rel' chunk starts with (past the spaces before it)."""
        return next(t for t in self.toks[chunk[1]:chunk[2]] if not t.isspace() and t not in SPACES)

    def anchor(self, chunks):
        """Index of the chunk starting with the statement's first '=' (if what precedes it is short)."""
        for k, c in enumerate(chunks):
            if c[0] == "rel":
                ok = self.rel_of(c) in _ALIGN_RELATIONS and width(self.join(chunks[:k])) <= 0.35 * self.budget
                return k if ok else None
        return None

    def place(self, chunks, indent=""):
        """Add chunks to the last line, starting a new line when the next one would overflow.

        A line started by a break between two matrices ends before the next relation,
        so the result of a product B under A gets a line of its own.
        """
        for chunk in chunks:
            kind, text = chunk[0], self.text(chunk)
            line = self.lines[-1]
            if line[1].strip():
                joined = f"{line[1]} {text}"
                if (self.started_by == "mul" and kind == "rel") or not self.fits(self.lines[:-1] + [[line[0], joined]]):
                    self.lines.append(["", ""])
                    line, joined, self.started_by = self.lines[-1], self.continuation(kind, text), kind
            else:
                joined, self.started_by = (f"{indent} {text}" if indent else text), "first"
            if self.fits(self.lines[:-1] + [[line[0], joined]]) or not self.split(chunk, line, joined):
                line[1] = joined
            indent = ""

    def continuation(self, kind, text):
        """A line that goes on with a relation, a + or - of a sum, or the next factor of a product."""
        indent = r"\quad" if self.anchored else r"\qquad"
        if kind == "bin":
            return indent + " {}" + text
        if kind == "mul":
            return indent + r" {}\cdot " + text
        return text if self.anchored else indent + " " + text

    def split(self, chunk, line, joined):
        """Put `joined` (the line's text ending with chunk) on lines, its widest matrix in column blocks.

        Returns False if the chunk holds no matrix to split (the caller keeps it whole).
        """
        mats = [a for a in parse_atoms(self.toks, chunk[1], chunk[2], 0) if a.what in _MATRICES]
        if not mats:
            return False
        m = max(mats, key=lambda a: a.w)
        mtext = "".join(self.toks[m.start:m.end])
        i = joined.rfind(mtext)
        prefix, suffix = joined[:i], joined[i + len(mtext):]
        rows = _matrix_cells(self.toks, m)
        n_cols = max(len(r) for r in rows)
        if n_cols == 1:
            return False
        indent = _indent(prefix.strip(), self.w(prefix + "{}"))
        for k in range(n_cols - 1, 0, -1):        # the most columns a block holds: as many as fit
            n_blocks = -(-n_cols // k)
            sizes = [n_cols // n_blocks + (b < n_cols % n_blocks) for b in range(n_blocks)]   # balanced
            starts = [sum(sizes[:b]) for b in range(n_blocks)]
            texts = [(prefix if b == 0 else indent + " ") + _block(rows, m.what, c0, c0 + size, n_cols)
                     + (suffix if b == n_blocks - 1 else "") for b, (c0, size) in enumerate(zip(starts, sizes))]
            first = self.lines[:-1] + [[line[0], texts[0]]]
            if k == 1 or (self.fits(first) and all(self.fits(first + [["", t]]) for t in texts[1:])):
                break
        line[1] = texts[0]
        self.lines.extend(["", t] for t in texts[1:])
        return True


def _indent(prefix, em):
    r"""Space as wide as `prefix`: its \phantom, or (if it holds numbers, which must not be
    shown twice, even invisibly) \qquad, \quad, \; and \, adding up to `em`."""
    if not re.search(r"\d", prefix):
        return r"\phantom{{}" + prefix + "{}}" if prefix else ""
    out = ""
    for cmd, size in ((r"\qquad", 2.0), (r"\quad", 1.0), (r"\;", 5 / 18), (r"\,", 1 / 6)):
        n = int((em + 1e-9) // size)
        out, em = out + cmd * n, em - n * size
    return out


def _matrix_cells(toks, atom):
    """The cells (text) of the matrix environment spanning atom's tokens, row by row."""
    body = toks[atom.start:atom.end]
    i = body.index("}") + 1                       # after \begin{name}
    j = len(body) - 1 - body[::-1].index(r"\end")
    return [["".join(c).strip() for c in r] for r in split_cells(body, i, j)]


_BLOCK_END, _BLOCK_START = r"\cdots \right.", r"\left. \cdots"   # a split matrix's blocks end / go on so



def _block(rows, env, c0, c1, n_cols):
    """Columns c0:c1 of a matrix as one block of a matrix split over lines."""
    left, right = DELIMS[env]
    body = r"\begin{matrix} " + r" \\ ".join(" & ".join(r[c0:c1]) for r in rows) + r" \end{matrix}"
    opening = r"\left" + left + " " if c0 == 0 else _BLOCK_START + r"\; "
    closing = r" \right" + right if c1 == n_cols else r"\;" + _BLOCK_END
    return opening + body + closing

