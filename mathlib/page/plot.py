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

from ._figure import (FONT, INK, all_whole, check_labels, check_matrix, colorbar, finish,
                      labels_crowded, new_figure, number_text, slant_xlabels, text_colour_on)
from .charts import bars, curves  # noqa: F401  (plot.curves, plot.bars: the line and bar charts)

MASKED = "#BDBDBD"             # cells holding ±inf (masked scores)


# ---------------------------------------------------------------- text and ticks

def _ticks(axis, n, labels):
    """Tick every row/column with its label; with no labels, tick indices (all of them when few)."""
    from matplotlib.ticker import MaxNLocator
    if labels is not None:
        axis.set_ticks(range(n), labels)
    elif n <= 12:
        axis.set_ticks(range(n))
    else:
        axis.set_major_locator(MaxNLocator(integer=True))


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
    whole = all_whole(a)
    chars = max(len(number_text(x, decimals, whole)) for x in a.ravel())
    size = min(width * 72 / (0.62 * chars + 1.0), height * 72 * 0.45)
    return float(np.clip(size, 6, FONT))


def _annotate(ax, im, a, decimals, fontsize, whole):
    """Write each value in its cell, in white or dark grey, whichever contrasts more with the cell."""
    for (i, j), x in np.ndenumerate(a):
        cell = im.cmap(im.norm(x)) if np.isfinite(x) else im.cmap.get_bad()
        ax.text(j, i, number_text(x, decimals, whole), ha="center", va="center",
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
        if labels_crowded(col_labels, cell_width):
            slant_xlabels(ax)
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
            _annotate(ax, im, a, decimals, size, all_whole(everything))
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
