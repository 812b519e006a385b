"""Figures of data: heatmaps (attention weights, encodings, embeddings), curves and bars.

Every function returns a matplotlib Figure, made by pyplot (which registers the
notebook's inline image formatter) and closed before it is returned: in a notebook a
figure appears once when it is a cell's last expression, not at all when assigned.
matplotlib is imported inside the functions, so `import mathlib` stays light. The
figures are transparent and read on a light and a dark page (colours: `mathlib._figure`).
The drawings of the model (the architecture, a network of neurons) are in `diagram`.

Colour maps are colour-blind safe: "viridis" for one-signed data, "PuOr" centred at 0
for signed data (orange negative, purple positive); lines use Okabe–Ito hues.

| problem                                                    | error      |
|------------------------------------------------------------|------------|
| a matrix (or values, a series) has the wrong ndim           | ValueError |
| a label list does not match the data's length               | ValueError |
| NaN in a heatmap (±inf is drawn, as "∞")                    | ValueError |
| a curve with no finite point (NaN/inf elsewhere are gaps)   | ValueError |
| an unknown bar to highlight, an unknown legend_loc          | ValueError |
"""
import numpy as np

from ._figure import (DIM, FONT, HIGHLIGHT, HIGHLIGHT_EDGE, INK, LINESTYLES, PALETTE,
                      check_labels, check_matrix, check_series, colorbar, finish, new_figure,
                      text_colour_on)

MASKED = "#BDBDBD"             # cells holding ±inf (masked scores)


# ---------------------------------------------------------------- text and ticks

def _number(x, decimals, whole):
    """x as text: whole numbers without decimals, no '-0.00', '∞' for infinity."""
    if np.isinf(x):
        return "∞" if x > 0 else "−∞"
    s = f"{x:.0f}" if whole else f"{x:.{decimals}f}"
    s = s[1:] if s.startswith("-") and float(s) == 0 else s
    return s.replace("-", "−")


def _whole(a):
    finite = a[np.isfinite(a)]
    return bool(np.all(finite == np.round(finite)))


def _ticks(axis, n, labels):
    """Tick every row/column with its label; with no labels, tick indices (all of them when few)."""
    from matplotlib.ticker import MaxNLocator
    if labels is not None:
        axis.set_ticks(range(n), labels)
    elif n <= 12:
        axis.set_ticks(range(n))
    else:
        axis.set_major_locator(MaxNLocator(integer=True))


def _rotate(labels, cell_inches):
    """True when column labels would not fit side by side in cells of this width."""
    return labels is not None and max(len(s) for s in labels) * 0.085 > cell_inches


def _slant_xlabels(ax):
    """Tilt the x tick labels by 45°, each ending under its tick."""
    ax.tick_params(axis="x", labelrotation=45)
    for t in ax.get_xticklabels():
        t.set_horizontalalignment("right")
        t.set_rotation_mode("anchor")


# ---------------------------------------------------------------- heatmaps

def _heatmap_size(n_rows, n_cols):
    """Default figsize: cells up to 0.9 × 0.55 in, the whole at most about 6.4 × 3.9 in."""
    if n_rows > 12 or n_cols > 12:
        return (6.0, 3.5)
    width = 2.4 + n_cols * min(0.9, 4.0 / n_cols)
    height = 1.3 + n_rows * min(0.55, 2.6 / n_rows)
    return (round(width, 2), round(max(height, 2.0), 2))


def _heatmaps_size(k, n_rows, n_cols):
    """Default figsize for k heatmaps side by side: cells up to 0.9 × 0.65 in, all cells at most ~5.6 in wide."""
    if n_rows > 12 or n_cols > 12:
        return (round(min(3.6 * k + 1.0, 10.0), 2), 3.5)
    cell_w = min(0.9, 4.0 / n_cols, 5.6 / (k * n_cols))
    width = 1.6 + k * (0.5 + n_cols * cell_w) + 0.9
    height = 1.4 + n_rows * min(0.65, 2.6 / n_rows)
    return (round(width, 2), round(max(height, 2.0), 2))


def _color_limits(a, cmap, vmin, vmax):
    """The colour map and its range: PuOr symmetric about 0 for signed data when cmap is None."""
    finite = a[np.isfinite(a)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if cmap is None and lo < 0 < hi:
        m = max(-lo, hi)
        return "PuOr", (-m if vmin is None else vmin), (m if vmax is None else vmax)
    lo, hi = (lo if vmin is None else vmin), (hi if vmax is None else vmax)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return (cmap or "viridis"), lo, hi


def _cell_font(a, decimals, width, height):
    """A font size (points) at which the longest value fits a cell of width × height inches."""
    whole = _whole(a)
    chars = max(len(_number(x, decimals, whole)) for x in a.ravel())
    size = min(width * 72 / (0.62 * chars + 1.0), height * 72 * 0.45)
    return float(np.clip(size, 6, FONT))


def _annotate(ax, im, a, decimals, fontsize, whole):
    """Write each value in its cell, in white or dark grey, whichever contrasts more with the cell."""
    for (i, j), x in np.ndenumerate(a):
        cell = im.cmap(im.norm(x)) if np.isfinite(x) else im.cmap.get_bad()
        ax.text(j, i, _number(x, decimals, whole), ha="center", va="center",
                color=text_colour_on(cell), fontsize=fontsize)


def _decimals(decimals):
    if isinstance(decimals, bool) or int(decimals) != decimals or decimals < 0:
        raise ValueError(f"decimals must be a whole number ≥ 0, got {decimals!r}")
    return int(decimals)


def _draw_heatmaps(arrays, titles, row_labels, col_labels, *, figsize, cell_width, suptitle,
                   xlabel, ylabel, annotate, decimals, cmap, vmin, vmax, colorbar_label):
    """k checked matrices side by side on one colour scale with one colour bar."""
    import matplotlib as mpl
    from matplotlib.colors import Normalize
    k = len(arrays)
    n_rows = max(a.shape[0] for a in arrays)
    n_cols = max(a.shape[1] for a in arrays)
    if annotate is None:
        annotate = n_rows <= 12 and n_cols <= 12
    everything = np.concatenate([a.ravel() for a in arrays])
    cmap, lo, hi = _color_limits(everything, cmap, vmin, vmax)
    colors = mpl.colormaps.get_cmap(cmap).with_extremes(bad=MASKED)
    norm = Normalize(vmin=lo, vmax=hi)                     # one object: every panel, one scale
    same_rows = len({a.shape[0] for a in arrays}) == 1

    fig = new_figure(figsize)
    axes = fig.subplots(1, k, squeeze=False)[0]
    images = []
    for i, (ax, a) in enumerate(zip(axes, arrays)):
        im = ax.imshow(np.ma.masked_invalid(a), cmap=colors, norm=norm, aspect="auto",
                       interpolation="nearest", gid=f"heatmap:{i}")
        images.append(im)
        _ticks(ax.yaxis, a.shape[0], row_labels)
        _ticks(ax.xaxis, a.shape[1], col_labels)
        if i > 0 and same_rows:
            ax.tick_params(labelleft=False)
        if _rotate(col_labels, cell_width):
            _slant_xlabels(ax)
        ax.tick_params(labelsize=FONT, length=0)
        ax.spines[:].set_visible(False)
        if titles[i]:
            ax.set_title(titles[i], fontsize=FONT + 1)
        ax.set_xlabel(xlabel or "", fontsize=FONT)
        if i == 0:
            ax.set_ylabel(ylabel or "", fontsize=FONT)
    if suptitle:
        fig.suptitle(suptitle, fontsize=FONT + 2, color=INK)
    long = float(np.clip((figsize[1] - 1.0) / 0.15, 8, 40))             # as tall as the cells
    colorbar(fig, images[0], list(axes), colorbar_label, fraction=0.08 / k, pad=0.03 / k, aspect=long)
    if annotate:
        size = _cell_font(everything, decimals, cell_width, (figsize[1] - 1.0) / n_rows)
        for ax, im, a in zip(axes, images, arrays):
            _annotate(ax, im, a, decimals, size, _whole(everything))
    return finish(fig)


def heatmap(M, row_labels=None, col_labels=None, *, title=None, xlabel=None, ylabel=None,
            annotate=None, decimals=2, cmap=None, vmin=None, vmax=None,
            colorbar_label=None, figsize=None):
    """A matrix as coloured cells with labelled rows and columns and a colour bar.

    M: (n_rows, n_cols), e.g. attention weights (queries × keys).
    row_labels: n_rows strings (token names) or None for indices 0, 1, …
    col_labels: n_cols strings or None.
    annotate: write the values in the cells; None → only when n_rows, n_cols ≤ 12.
        Values are rounded to `decimals`; a matrix of whole numbers prints them whole.
    cmap: None → "PuOr" centred at 0 when M has both signs, else "viridis".
    ±inf cells (masked scores) are drawn grey and marked "∞".
    Returns the Figure (already closed in pyplot, so a notebook shows it once).
    """
    a = check_matrix("M", M)
    n_rows, n_cols = a.shape
    row_labels = check_labels("row_labels", row_labels, n_rows, f"M (shape {a.shape}) has {n_rows} rows")
    col_labels = check_labels("col_labels", col_labels, n_cols, f"M (shape {a.shape}) has {n_cols} columns")
    figsize = figsize or _heatmap_size(n_rows, n_cols)
    return _draw_heatmaps([a], [title], row_labels, col_labels, figsize=figsize,
                          cell_width=(figsize[0] - 2.2) / n_cols, suptitle=None, xlabel=xlabel,
                          ylabel=ylabel, annotate=annotate, decimals=_decimals(decimals), cmap=cmap,
                          vmin=vmin, vmax=vmax, colorbar_label=colorbar_label)


def heatmaps(matrices, titles, row_labels=None, col_labels=None, *, suptitle=None, xlabel=None,
             ylabel=None, annotate=None, decimals=2, cmap=None, vmin=None, vmax=None,
             colorbar_label=None, figsize=None):
    """Several matrices as heatmaps side by side, on one colour scale with one colour bar.

    matrices: a sequence of k 2-D arrays, e.g. the attention weights of head 0 and head 1,
        or one matrix before and after training. Shapes may differ when no labels are given.
    titles: k strings, one per panel.
    row_labels, col_labels: shared by all panels (so every matrix must have that many rows
        or columns); with equal row labels only the leftmost panel prints them.
    suptitle: a title over all panels.  xlabel, ylabel: axis labels (ylabel on the left panel).
    The colour range covers all matrices (or vmin/vmax), with heatmap's rules: "PuOr"
    centred at 0 when the values have both signs, else "viridis"; annotations (values in
    the cells) when every matrix is at most 12×12, rounded to `decimals`.
    Returns the Figure: k heatmap axes and one colour-bar axes.
    """
    if isinstance(matrices, np.ndarray) and matrices.ndim == 2:
        raise ValueError(f"matrices must be a sequence of 2-D arrays, got one array of shape {matrices.shape}")
    try:
        matrices = list(matrices)
    except TypeError:
        raise ValueError(f"matrices must be a sequence of 2-D arrays, got {type(matrices).__name__}") from None
    if not matrices:
        raise ValueError("matrices is empty: give at least one 2-D array")
    arrays = [check_matrix(f"matrices[{i}]", M) for i, M in enumerate(matrices)]
    k = len(arrays)
    if isinstance(titles, str) or not hasattr(titles, "__iter__"):
        raise ValueError(f"titles must be a sequence of {k} strings, one per matrix, got {titles!r}")
    titles = [str(t) for t in titles]
    if len(titles) != k:
        raise ValueError(f"titles has {len(titles)} titles but matrices has {k} matrices")
    for i, a in enumerate(arrays):                 # the labels fit every matrix
        check_labels("row_labels", row_labels, a.shape[0], f"matrices[{i}] (shape {a.shape}) has {a.shape[0]} rows")
        check_labels("col_labels", col_labels, a.shape[1], f"matrices[{i}] (shape {a.shape}) has {a.shape[1]} columns")
    rows = None if row_labels is None else [str(s) for s in row_labels]
    cols = None if col_labels is None else [str(s) for s in col_labels]
    n_cols = max(a.shape[1] for a in arrays)
    figsize = figsize or _heatmaps_size(k, max(a.shape[0] for a in arrays), n_cols)
    return _draw_heatmaps(arrays, titles, rows, cols, figsize=figsize,
                          cell_width=(figsize[0] - 1.6 - 0.9) / k / n_cols, suptitle=suptitle,
                          xlabel=xlabel, ylabel=ylabel, annotate=annotate, decimals=_decimals(decimals),
                          cmap=cmap, vmin=vmin, vmax=vmax, colorbar_label=colorbar_label)


def vectors(rows, row_labels, col_labels=None, *, title=None):
    """A few vectors (e.g. embeddings) as an annotated heatmap, one row per vector.

    rows: (k, d), or (d,) for a single vector.  row_labels: k strings (token names).
    col_labels: d strings or None (dimension indices 0 … d-1).
    """
    a = np.asarray(rows)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"rows must be 1-D (d,) or 2-D (k, d), got shape {a.shape}")
    check_labels("row_labels", row_labels, a.shape[0], f"rows (shape {a.shape}) has {a.shape[0]} vectors")
    check_labels("col_labels", col_labels, a.shape[1], f"rows (shape {a.shape}) has {a.shape[1]} dimensions")
    return heatmap(a, row_labels, col_labels, title=title, annotate=True,
                   xlabel="dimension" if col_labels is None else None)


# ---------------------------------------------------------------- curves

def _xy(label, s):
    """One series as (x, y): a 1-D y (x = 0, 1, 2, …) or an (x, y) pair of equal lengths.

    Points where x or y is NaN or ±inf are set to NaN in y, which matplotlib draws as a gap.
    """
    if isinstance(s, tuple) and len(s) == 2 and np.ndim(s[0]) == 1 and np.ndim(s[1]) == 1:
        x = check_series(f"series[{label!r}] x", s[0])
        y = check_series(f"series[{label!r}] y", s[1])
        if x.shape != y.shape:
            raise ValueError(f"series[{label!r}]: x has {x.size} values but y has {y.size}")
    else:
        y = check_series(f"series[{label!r}]", s)
        x = np.arange(y.size, dtype=np.float64)
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        raise ValueError(f"series[{label!r}] has no finite point to draw ({y.size} values, all NaN or inf)")
    return np.where(finite, x, np.nan), np.where(finite, y, np.nan)


def _gap_ends(y):
    """Indices of the finite points that are followed by a non-finite one (where a line breaks off)."""
    ok = np.isfinite(y)
    return np.flatnonzero(ok[:-1] & ~ok[1:])


def _legend(fig, ax, labels, legend_loc):
    """The legend, outside the axes unless legend_loc names a place inside them.

    None: to the right of the axes when the labels are short for the figure's width,
    else below the axes in as many columns as fit. "outside …" strings go to
    Figure.legend (e.g. "outside lower center"); the inside names ("best", "upper left", …)
    to Axes.legend; "none" draws no legend.
    """
    if legend_loc == "none":
        return None
    kw = dict(fontsize=FONT - 1, frameon=False, labelcolor=INK)
    if legend_loc is None:
        width = fig.get_figwidth()
        label_inches = max(len(s) for s in labels) * 0.075 + 0.6
        if label_inches <= 0.32 * width:
            legend_loc = "outside right upper"
        else:
            legend_loc = "outside lower center"
            kw["ncols"] = int(max(1, min(len(labels), width // (label_inches + 0.2))))
    try:
        if str(legend_loc).startswith("outside "):
            return fig.legend(loc=legend_loc, **kw)
        return ax.legend(loc=legend_loc, **kw)
    except (ValueError, TypeError) as e:                # e.g. "outside middle", "somewhere"
        finish(fig)
        raise ValueError(f"legend_loc {legend_loc!r} is not a place for the legend ({e}); use None, "
                         "'none', a place inside the axes ('best', 'upper left', …) or outside "
                         "('outside lower center', …)") from None


def _style_axes(ax, title, xlabel, ylabel):
    """Faint grid, no top/right frame, readable labels."""
    ax.grid(True, color=INK, alpha=0.3, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=FONT)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT)
    if title:
        ax.set_title(title, fontsize=FONT + 1)


def curves(series, *, xlabel=None, ylabel=None, title=None, logy=False, figsize=None,
           legend_loc=None, mark_gaps=False, aspect_equal=False):
    """Lines, one per series, with a legend (e.g. loss per step, norm per layer).

    series: dict label → y (n,) with x = 0, 1, …, n-1, or label → (x (n,), y (n,)).
        NaN and ±inf are allowed: the line has a gap there (e.g. where exp overflowed).
    logy: logarithmic y axis (every finite y must then be > 0).
    legend_loc: None puts the legend outside the axes, on the right (or below, when the
        labels are long for the figure), so it never covers a line; "outside lower center"
        etc. choose another place outside, "best", "upper left", … a place inside the axes,
        "none" no legend.
    mark_gaps: mark with an "x" each last finite point before a gap.
    aspect_equal: one unit on x as long as one unit on y (circles look round).
    Each series gets its own colour and line style; short series get markers.
    """
    if not isinstance(series, dict) or not series:
        raise ValueError("series must be a non-empty dict label -> values")
    data = {str(k): _xy(k, v) for k, v in series.items()}
    if logy:
        for k, (_, y) in data.items():
            finite = y[np.isfinite(y)]
            if (finite <= 0).any():
                raise ValueError(f"logy=True needs positive values, series[{k!r}] has min {finite.min():g}")
    fig = new_figure(figsize or (6.0, 3.5))
    ax = fig.add_subplot()
    for i, (k, (x, y)) in enumerate(data.items()):
        color = PALETTE[i % len(PALETTE)]
        ax.plot(x, y, label=k, color=color, linestyle=LINESTYLES[i % len(LINESTYLES)], linewidth=1.8,
                marker="o" if y.size <= 20 else None, markersize=4)
        ends = _gap_ends(y)
        if mark_gaps and ends.size:
            ax.plot(x[ends], y[ends], linestyle="none", marker="x", markersize=8,
                    markeredgewidth=2, color=color, gid=f"gap:{k}")
    if logy:
        ax.set_yscale("log")
    if aspect_equal:
        ax.set_aspect("equal", adjustable="box")
    _style_axes(ax, title, xlabel, ylabel)
    _legend(fig, ax, list(data), legend_loc)
    return finish(fig)


# ---------------------------------------------------------------- bars

def _bar_index(highlight, labels):
    """The position of `highlight` (an index or a label) among the bars."""
    if isinstance(highlight, (int, np.integer)) and not isinstance(highlight, bool):
        if not 0 <= highlight < len(labels):
            raise ValueError(f"highlight index {highlight} is outside 0 … {len(labels) - 1}")
        return int(highlight)
    if isinstance(highlight, str) and highlight in labels:
        return labels.index(highlight)
    raise ValueError(f"highlight must be an index or one of the labels {labels}, got {highlight!r}")


def bars(values, labels, *, title=None, ylabel=None, highlight=None, figsize=None):
    """One bar per label, e.g. the probability of each vocabulary word.

    values: (n,).  labels: n strings.  highlight: an index or a label, drawn in orange;
    the other bars are faint grey with a grey outline.
    With at most 12 bars each value is written above (or below) its bar.
    """
    v = check_series("values", values, finite=True)
    labels = check_labels("labels", labels, v.size, f"values (shape {v.shape}) has {v.size}")
    if labels is None:
        raise ValueError("labels are required, one per value")
    colors, edges = [DIM] * v.size, [INK] * v.size
    if highlight is not None:
        i = _bar_index(highlight, labels)
        colors[i], edges[i] = HIGHLIGHT, HIGHLIGHT_EDGE
    fig = new_figure(figsize or (6.0, 3.5))
    ax = fig.add_subplot()
    drawn = ax.bar(range(v.size), v, color=colors, edgecolor=edges, linewidth=1.0)
    for i, patch in enumerate(drawn):
        patch.set_gid(f"bar:{i}")
    ax.set_xticks(range(v.size), labels)
    if _rotate(labels, 4.8 / v.size):
        _slant_xlabels(ax)
    if v.min() < 0:
        ax.axhline(0, color=INK, linewidth=0.8)
    _style_axes(ax, title, None, ylabel)
    ax.grid(False, axis="x")
    if v.size <= 12:                                   # values on the bars, no grid through them
        ax.bar_label(drawn, [_number(x, 2, _whole(v)) for x in v], padding=2, fontsize=FONT - 1,
                     color=INK)
        ax.margins(y=0.12)
        ax.grid(False)
    return finish(fig)
