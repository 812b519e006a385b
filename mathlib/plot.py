"""Figures for the book: heatmaps, the "you are here" diagram, curves, bars and networks.

Every function returns a matplotlib Figure. matplotlib is imported inside the
functions, never at module import, so `import mathlib` stays light. Figures
are made with pyplot (which registers the notebook's inline image formatter)
and closed before they are returned: in a notebook a figure then appears
exactly once when it is a cell's last expression, and not at all when it is
assigned to a variable.

Colours are colour-blind safe: "viridis" for one-signed data, "PuOr" centred
at 0 for signed data (orange negative, purple positive), the Okabe–Ito
palette for lines and highlights.

| problem                                                   | error      |
|-----------------------------------------------------------|------------|
| a matrix (or rows, values, a series) has the wrong ndim    | ValueError |
| a label list does not match the data's length              | ValueError |
| NaN in a heatmap (±inf is drawn, as "∞"); inf in weights   | ValueError |
| a curve with no finite point (NaN/inf elsewhere are gaps)  | ValueError |
| network: weights[l] not (layers[l], layers[l+1]); active[l] not a bool array of layers[l] | ValueError |
| an unknown highlight (part, index or label) or legend_loc  | ValueError |
"""
import numpy as np

DPI = 100                      # pixels per inch of the notebook images
FONT = 10                      # points, tick labels and axis labels
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
HIGHLIGHT = "#E69F00"          # orange: the part the chapter is about
HIGHLIGHT_EDGE = "#6B3A00"
GREY = "#E3E3E3"               # everything else
GREY_EDGE = "#8A8A8A"
TEXT = "#1A1A1A"


# ---------------------------------------------------------------- checks

def _matrix(name, M):
    """M as a 2-D float array; ±inf allowed (masked scores), NaN not."""
    a = np.asarray(M)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, columns), got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty, shape {a.shape}")
    a = a.astype(np.float64)
    if np.isnan(a).any():
        raise ValueError(f"{name} contains {int(np.isnan(a).sum())} NaN value(s); shape {a.shape}")
    return a


def _labels(name, labels, n, what):
    """labels as a list of str, or None; there must be n of them (`what` says whose n)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise ValueError(f"{name} must be a sequence of labels, not one string {labels!r}")
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"{name} has {len(labels)} labels but {what}")
    return labels


def _vector(name, v):
    """v as a finite 1-D float array."""
    a = np.asarray(v)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains non-finite values (NaN or inf); shape {a.shape}")
    return a


# ---------------------------------------------------------------- helpers

def _figure(figsize, layout="constrained"):
    """A new white figure, made by pyplot so that a notebook knows how to show it."""
    import matplotlib.pyplot as plt
    return plt.figure(figsize=figsize, dpi=DPI, facecolor="white", layout=layout)


def _done(fig):
    """Close the figure in pyplot (no second copy from the inline backend) and return it."""
    import matplotlib.pyplot as plt
    plt.close(fig)
    return fig


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


# ---------------------------------------------------------------- heatmap

def _heatmap_size(n_rows, n_cols):
    """Default figsize: cells up to 0.9 × 0.55 in, the whole at most about 6.4 × 3.9 in."""
    if n_rows > 12 or n_cols > 12:
        return (6.0, 3.5)
    width = 2.4 + n_cols * min(0.9, 4.0 / n_cols)
    height = 1.3 + n_rows * min(0.55, 2.6 / n_rows)
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


def _colorbar(fig, ax, im, height, label):
    """A slim colour bar (about 0.15 in wide) as tall as the heatmap of a figure `height` in tall."""
    long = float(np.clip((height - 1.0) / 0.15, 8, 40))
    bar = fig.colorbar(im, ax=ax, fraction=0.08, pad=0.03, aspect=long)
    bar.ax.tick_params(labelsize=FONT - 1)
    bar.outline.set_visible(False)
    if label:
        bar.set_label(label, fontsize=FONT)


def _annotate(ax, im, a, decimals, fontsize, whole=None):
    """Write each value in its cell, black or white for contrast with the cell's colour.

    whole: print whole numbers without decimals; None → when every value of `a` is whole.
    """
    whole = _whole(a) if whole is None else whole
    for (i, j), x in np.ndenumerate(a):
        if np.isfinite(x):
            r, g, b, _ = im.cmap(im.norm(x))
            color = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else TEXT
        else:
            color = TEXT
        ax.text(j, i, _number(x, decimals, whole), ha="center", va="center",
                color=color, fontsize=fontsize)


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
    import matplotlib as mpl
    a = _matrix("M", M)
    n_rows, n_cols = a.shape
    row_labels = _labels("row_labels", row_labels, n_rows, f"M (shape {a.shape}) has {n_rows} rows")
    col_labels = _labels("col_labels", col_labels, n_cols, f"M (shape {a.shape}) has {n_cols} columns")
    if isinstance(decimals, bool) or int(decimals) != decimals or decimals < 0:
        raise ValueError(f"decimals must be a whole number ≥ 0, got {decimals!r}")
    decimals = int(decimals)
    if annotate is None:
        annotate = n_rows <= 12 and n_cols <= 12
    figsize = figsize or _heatmap_size(n_rows, n_cols)
    cmap, lo, hi = _color_limits(a, cmap, vmin, vmax)
    colors = mpl.colormaps.get_cmap(cmap).with_extremes(bad="#BDBDBD")

    fig = _figure(figsize)
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(a), cmap=colors, vmin=lo, vmax=hi, aspect="auto",
                   interpolation="nearest")
    cell = (figsize[0] - 2.2) / n_cols                         # inches, roughly
    _ticks(ax.yaxis, n_rows, row_labels)
    _ticks(ax.xaxis, n_cols, col_labels)
    if _rotate(col_labels, cell):
        _slant_xlabels(ax)
    ax.tick_params(labelsize=FONT, length=0)
    ax.spines[:].set_visible(False)
    ax.set_xlabel(xlabel or "", fontsize=FONT)
    ax.set_ylabel(ylabel or "", fontsize=FONT)
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    _colorbar(fig, ax, im, figsize[1], colorbar_label)
    if annotate:
        _annotate(ax, im, a, decimals, _cell_font(a, decimals, cell, (figsize[1] - 1.0) / n_rows))
    return _done(fig)


def _heatmaps_size(k, n_rows, n_cols):
    """Default figsize for k heatmaps side by side: cells up to 0.9 × 0.65 in, all cells at most ~5.6 in wide."""
    if n_rows > 12 or n_cols > 12:
        return (round(min(3.6 * k + 1.0, 10.0), 2), 3.5)
    cell_w = min(0.9, 4.0 / n_cols, 5.6 / (k * n_cols))
    width = 1.6 + k * (0.5 + n_cols * cell_w) + 0.9
    height = 1.4 + n_rows * min(0.65, 2.6 / n_rows)
    return (round(width, 2), round(max(height, 2.0), 2))


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
    import matplotlib as mpl
    from matplotlib.colors import Normalize
    if isinstance(matrices, np.ndarray) and matrices.ndim == 2:
        raise ValueError(f"matrices must be a sequence of 2-D arrays, got one array of shape {matrices.shape}")
    try:
        matrices = list(matrices)
    except TypeError:
        raise ValueError(f"matrices must be a sequence of 2-D arrays, got {type(matrices).__name__}") from None
    if not matrices:
        raise ValueError("matrices is empty: give at least one 2-D array")
    arrays = [_matrix(f"matrices[{i}]", M) for i, M in enumerate(matrices)]
    k = len(arrays)
    if isinstance(titles, str) or not hasattr(titles, "__iter__"):
        raise ValueError(f"titles must be a sequence of {k} strings, one per matrix, got {titles!r}")
    titles = [str(t) for t in titles]
    if len(titles) != k:
        raise ValueError(f"titles has {len(titles)} titles but matrices has {k} matrices")
    for i, a in enumerate(arrays):
        _labels("row_labels", row_labels, a.shape[0], f"matrices[{i}] (shape {a.shape}) has {a.shape[0]} rows")
        _labels("col_labels", col_labels, a.shape[1], f"matrices[{i}] (shape {a.shape}) has {a.shape[1]} columns")
    row_labels = None if row_labels is None else [str(s) for s in row_labels]
    col_labels = None if col_labels is None else [str(s) for s in col_labels]
    if isinstance(decimals, bool) or int(decimals) != decimals or decimals < 0:
        raise ValueError(f"decimals must be a whole number ≥ 0, got {decimals!r}")
    decimals = int(decimals)
    n_rows = max(a.shape[0] for a in arrays)
    n_cols = max(a.shape[1] for a in arrays)
    if annotate is None:
        annotate = n_rows <= 12 and n_cols <= 12
    figsize = figsize or _heatmaps_size(k, n_rows, n_cols)
    everything = np.concatenate([a.ravel() for a in arrays])
    cmap, lo, hi = _color_limits(everything, cmap, vmin, vmax)
    colors = mpl.colormaps.get_cmap(cmap).with_extremes(bad="#BDBDBD")
    norm = Normalize(vmin=lo, vmax=hi)                     # one object: every panel, one scale
    same_rows = len({a.shape[0] for a in arrays}) == 1

    fig = _figure(figsize)
    axes = fig.subplots(1, k, squeeze=False)[0]
    panel = (figsize[0] - 1.6 - 0.9) / k                   # inches per panel, roughly
    cell = panel / n_cols
    images = []
    for i, (ax, a) in enumerate(zip(axes, arrays)):
        im = ax.imshow(np.ma.masked_invalid(a), cmap=colors, norm=norm, aspect="auto",
                       interpolation="nearest")
        im.set_gid(f"heatmap:{i}")
        images.append(im)
        _ticks(ax.yaxis, a.shape[0], row_labels)
        _ticks(ax.xaxis, a.shape[1], col_labels)
        if i > 0 and same_rows:
            ax.tick_params(labelleft=False)
        if _rotate(col_labels, cell):
            _slant_xlabels(ax)
        ax.tick_params(labelsize=FONT, length=0)
        ax.spines[:].set_visible(False)
        ax.set_title(titles[i], fontsize=FONT + 1)
        ax.set_xlabel(xlabel or "", fontsize=FONT)
        if i == 0:
            ax.set_ylabel(ylabel or "", fontsize=FONT)
    if suptitle:
        fig.suptitle(suptitle, fontsize=FONT + 2)
    long = float(np.clip((figsize[1] - 1.0) / 0.15, 8, 40))
    bar = fig.colorbar(images[0], ax=list(axes), fraction=0.08 / k, pad=0.03 / k, aspect=long)
    bar.ax.tick_params(labelsize=FONT - 1)
    bar.outline.set_visible(False)
    if colorbar_label:
        bar.set_label(colorbar_label, fontsize=FONT)
    if annotate:
        size = _cell_font(everything, decimals, cell, (figsize[1] - 1.0) / n_rows)
        whole = _whole(everything)
        for ax, im, a in zip(axes, images, arrays):
            _annotate(ax, im, a, decimals, size, whole)
    return _done(fig)


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
    _labels("row_labels", row_labels, a.shape[0], f"rows (shape {a.shape}) has {a.shape[0]} vectors")
    _labels("col_labels", col_labels, a.shape[1], f"rows (shape {a.shape}) has {a.shape[1]} dimensions")
    return heatmap(a, row_labels, col_labels, title=title, annotate=True,
                   xlabel="dimension" if col_labels is None else None)


# ---------------------------------------------------------------- curves and bars

def _series_array(name, v):
    """v as a non-empty 1-D float array; NaN and ±inf are allowed (they become gaps)."""
    a = np.asarray(v)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    return a.astype(np.float64)


def _xy(label, s):
    """One series as (x, y): a 1-D y (x = 0, 1, 2, …) or an (x, y) pair of equal lengths.

    Points where x or y is NaN or ±inf are set to NaN in y, which matplotlib draws as a gap.
    """
    if isinstance(s, tuple) and len(s) == 2 and np.ndim(s[0]) == 1 and np.ndim(s[1]) == 1:
        x = _series_array(f"series[{label!r}] x", s[0])
        y = _series_array(f"series[{label!r}] y", s[1])
        if x.shape != y.shape:
            raise ValueError(f"series[{label!r}]: x has {x.size} values but y has {y.size}")
    else:
        y = _series_array(f"series[{label!r}]", s)
        x = np.arange(y.size, dtype=np.float64)
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        raise ValueError(f"series[{label!r}] has no finite point to draw ({y.size} values, all NaN or inf)")
    x, y = np.where(finite, x, np.nan), np.where(finite, y, np.nan)
    return x, y


def _gap_ends(y):
    """Indices of the finite points that are followed by a non-finite one (where a line breaks off)."""
    ok = np.isfinite(y)
    return np.flatnonzero(ok[:-1] & ~ok[1:])


_LEGEND_INSIDE = ("best", "upper right", "upper left", "lower left", "lower right", "right",
                  "center left", "center right", "lower center", "upper center", "center")


def _check_legend_loc(legend_loc):
    """legend_loc must be None, "none", an "outside …" place of Figure.legend or an inside place."""
    ok = legend_loc is None or (isinstance(legend_loc, str) and (
        legend_loc == "none" or legend_loc.startswith("outside ") or legend_loc in _LEGEND_INSIDE))
    if not ok:
        raise ValueError(f"legend_loc must be None, 'none', an 'outside …' place (e.g. 'outside lower "
                         f"center') or one of {', '.join(_LEGEND_INSIDE)}; got {legend_loc!r}")


def _legend(fig, ax, labels, legend_loc):
    """The legend, outside the axes unless legend_loc names a place inside them.

    None: to the right of the axes when the labels are short for the figure's width,
    else below the axes in as many columns as fit. "outside …" strings go to
    Figure.legend (e.g. "outside lower center"); the inside names ("best", "upper left", …)
    to Axes.legend; "none" draws no legend.
    """
    if legend_loc == "none":
        return None
    kw = dict(fontsize=FONT - 1, frameon=False)
    if legend_loc is None:
        width = fig.get_figwidth()
        label_inches = max(len(s) for s in labels) * 0.075 + 0.6
        if label_inches <= 0.32 * width:
            legend_loc = "outside right upper"
        else:
            legend_loc = "outside lower center"
            kw["ncols"] = int(max(1, min(len(labels), width // (label_inches + 0.2))))
    if legend_loc.startswith("outside "):
        try:
            return fig.legend(loc=legend_loc, **kw)
        except ValueError as e:                        # e.g. "outside middle": no such place
            _done(fig)
            raise ValueError(f"legend_loc {legend_loc!r} is not a place outside the axes: {e}") from None
    return ax.legend(loc=legend_loc, **kw)


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
    Each series gets its own colour (Okabe–Ito) and line style; short series get markers.
    """
    if not isinstance(series, dict) or not series:
        raise ValueError("series must be a non-empty dict label -> values")
    data = {str(k): _xy(k, v) for k, v in series.items()}
    _check_legend_loc(legend_loc)
    if logy:
        for k, (_, y) in data.items():
            finite = y[np.isfinite(y)]
            if (finite <= 0).any():
                raise ValueError(f"logy=True needs positive values, series[{k!r}] has min {finite.min():g}")
    fig = _figure(figsize or (6.0, 3.5))
    ax = fig.add_subplot()
    for i, (k, (x, y)) in enumerate(data.items()):
        color = OKABE_ITO[i % len(OKABE_ITO)]
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
    return _done(fig)


def _style_axes(ax, title, xlabel, ylabel):
    """Light grid, no top/right frame, readable labels."""
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=FONT)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT)
    if title:
        ax.set_title(title, fontsize=FONT + 1)


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

    values: (n,).  labels: n strings.  highlight: an index or a label, drawn in orange.
    With at most 12 bars each value is written above (or below) its bar.
    """
    v = _vector("values", values)
    labels = _labels("labels", labels, v.size, f"values (shape {v.shape}) has {v.size}")
    if labels is None:
        raise ValueError("labels are required, one per value")
    colors = [GREY] * v.size
    edges = [GREY_EDGE] * v.size
    if highlight is not None:
        i = _bar_index(highlight, labels)
        colors[i], edges[i] = HIGHLIGHT, HIGHLIGHT_EDGE
    fig = _figure(figsize or (6.0, 3.5))
    ax = fig.add_subplot()
    drawn = ax.bar(range(v.size), v, color=colors, edgecolor=edges, linewidth=1.0)
    for i, patch in enumerate(drawn):
        patch.set_gid(f"bar:{i}")
    ax.set_xticks(range(v.size), labels)
    if _rotate(labels, 4.8 / v.size):
        _slant_xlabels(ax)
    if v.min() < 0:
        ax.axhline(0, color=TEXT, linewidth=0.8)
    if v.size <= 12:
        whole = _whole(v)
        ax.bar_label(drawn, [_number(x, 2, whole) for x in v], padding=2, fontsize=FONT - 1)
        ax.margins(y=0.12)
    _style_axes(ax, title, None, ylabel)
    ax.grid(False, axis="x")
    return _done(fig)


# ---------------------------------------------------------------- network

NEURON_ON = "#4D4D4D"          # a neuron that fires (active True)
NEURON = "#D9D9D9"             # a neuron with no on/off information (active None)
MAX_NEURONS = 64               # per layer: every neuron and every connection is drawn


def _layer_sizes(layers):
    """layers as a list of ≥ 2 positive ints, each at most MAX_NEURONS."""
    try:
        sizes = list(layers)
    except TypeError:
        raise ValueError(f"layers must be a list of layer sizes, e.g. [4, 8, 4], got {layers!r}") from None
    if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                                 for s in sizes):
        raise ValueError(f"layers must be a list of at least 2 positive whole numbers, got {sizes!r}")
    sizes = [int(s) for s in sizes]
    for l, s in enumerate(sizes):
        if s > MAX_NEURONS:
            raise ValueError(f"layers[{l}] = {s} neurons is too many to draw one by one "
                             f"(at most {MAX_NEURONS} per layer)")
    return sizes


def _network_weights(weights, sizes):
    """weights as a list of finite (sizes[l], sizes[l+1]) float arrays."""
    if isinstance(weights, np.ndarray):
        weights = [weights]
    try:
        weights = list(weights)
    except TypeError:
        raise ValueError(f"weights must be a list of matrices, got {type(weights).__name__}") from None
    if len(weights) != len(sizes) - 1:
        raise ValueError(f"weights has {len(weights)} matrices but layers {sizes} needs {len(sizes) - 1} "
                         "(one (d_in, d_out) matrix between each pair of consecutive layers)")
    out = []
    for l, W in enumerate(weights):
        a = _matrix(f"weights[{l}]", W)
        if np.isinf(a).any():
            raise ValueError(f"weights[{l}] contains {int(np.isinf(a).sum())} infinite value(s); shape {a.shape}")
        want = (sizes[l], sizes[l + 1])
        if a.shape != want:
            raise ValueError(f"weights[{l}] has shape {a.shape} but layers[{l}] = {sizes[l]} and "
                             f"layers[{l + 1}] = {sizes[l + 1]} need shape {want}")
        out.append(a)
    return out


def _network_active(active, sizes):
    """active as a list with, per layer, None or a bool array of that layer's size."""
    if active is None:
        return [None] * len(sizes)
    active = list(active)
    if len(active) != len(sizes):
        raise ValueError(f"active has {len(active)} entries but layers {sizes} has {len(sizes)} layers "
                         "(give None for a layer without on/off information)")
    out = []
    for l, a in enumerate(active):
        if a is None:
            out.append(None)
            continue
        a = np.asarray(a)
        if a.dtype != bool or a.shape != (sizes[l],):
            raise ValueError(f"active[{l}] must be a boolean array of shape ({sizes[l]},) "
                             f"(layers[{l}] = {sizes[l]}), got shape {a.shape} dtype {a.dtype}")
        out.append(a)
    return out


def network(layers, weights, *, active=None, input_labels=None, output_labels=None,
            layer_names=None, title=None, figsize=None):
    """A small fully connected network drawn as neurons and weights.

    layers: layer sizes from input to output, e.g. [4, 8, 4] for the feed-forward network.
    weights: one matrix (layers[l], layers[l+1]) per pair of consecutive layers, the way
        mathlib stores them (x @ W): entry (i, j) is the weight from neuron i to neuron j.
        Each connection is a line whose colour ("PuOr" centred at 0: purple positive,
        orange negative, one scale for all matrices) and width show the weight.
    active: None, or per layer None or a bool array (layers[l],): True neurons are drawn
        filled dark, False neurons hollow and their outgoing lines faded (e.g. hidden units
        that ReLU switched off, or the inputs of a one-hot vector that are 0).
    input_labels / output_labels: one string per input / output neuron (e.g. token names).
    layer_names: one string per layer, written under it; None → "input (n)", "hidden (n)", "output (n)".
    Biases are not drawn. Neurons carry the gid "neuron:<layer>:<i>", connections
    "weight:<layer>:<i>:<j>" (from neuron i of layer `layer` to neuron j of the next).
    """
    import matplotlib as mpl
    from matplotlib.colors import Normalize
    from matplotlib.patches import Circle
    sizes = _layer_sizes(layers)
    Ws = _network_weights(weights, sizes)
    on = _network_active(active, sizes)
    input_labels = _labels("input_labels", input_labels, sizes[0], f"layers[0] = {sizes[0]} input neurons")
    output_labels = _labels("output_labels", output_labels, sizes[-1],
                            f"layers[-1] = {sizes[-1]} output neurons")
    if layer_names is None:
        layer_names = [("input" if l == 0 else "output" if l == len(sizes) - 1 else "hidden") + f" ({s})"
                       for l, s in enumerate(sizes)]
    layer_names = _labels("layer_names", layer_names, len(sizes), f"layers has {len(sizes)} layers")

    n_max, L = max(sizes), len(sizes)
    unit = min(0.42, 5.0 / n_max)                      # inches between two neurons of a layer
    gap = 2.4 / unit                                   # layers 2.4 in apart, in data units
    radius = 0.3
    left = 0.0 if input_labels is None else (max(map(len, input_labels)) * 0.07 + 0.15) / unit
    right = 0.0 if output_labels is None else (max(map(len, output_labels)) * 0.07 + 0.15) / unit
    if figsize is None:
        width = (L - 1) * 2.4 + (left + right) * unit + 1.5
        figsize = (round(width, 2), round(n_max * unit + (1.4 if title else 1.1), 2))
    m = max(float(np.abs(W).max()) for W in Ws) or 1.0
    norm = Normalize(vmin=-m, vmax=m)
    cmap = mpl.colormaps["PuOr"]

    def xy(l, i):
        return l * gap, (sizes[l] - 1) / 2 - i

    fig = _figure(figsize)
    ax = fig.add_subplot()
    for l, W in enumerate(Ws):
        order = sorted(np.ndindex(W.shape), key=lambda ij: abs(W[ij]))   # strong lines on top
        for i, j in order:
            (x0, y0), (x1, y1) = xy(l, i), xy(l + 1, j)
            faded = on[l] is not None and not on[l][i]
            ax.plot([x0 + radius, x1 - radius], [y0, y1], color=cmap(norm(W[i, j])),
                    linewidth=0.5 + 3.0 * abs(W[i, j]) / m, alpha=0.15 if faded else 1.0,
                    solid_capstyle="round", zorder=1 if faded else 2, gid=f"weight:{l}:{i}:{j}")
    for l, n in enumerate(sizes):
        for i in range(n):
            state = None if on[l] is None else bool(on[l][i])
            face = {None: NEURON, True: NEURON_ON, False: "none"}[state]
            edge = GREY_EDGE if state is False else TEXT
            ax.add_patch(Circle(xy(l, i), radius, facecolor=face, edgecolor=edge, linewidth=1.2,
                                linestyle="--" if state is False else "-", zorder=3,
                                gid=f"neuron:{l}:{i}"))
            if 0 < l < L - 1:                          # hidden neurons carry their index
                ax.text(*xy(l, i), str(i), ha="center", va="center", zorder=4,
                        fontsize=float(np.clip(radius * unit * 72 * 0.9, 5, FONT - 2)),
                        color={None: TEXT, True: "white", False: GREY_EDGE}[state])
    for labels, l, side in ((input_labels, 0, -1), (output_labels, L - 1, +1)):
        for i, text in enumerate(labels or []):
            x, y = xy(l, i)
            dim = on[l] is not None and not on[l][i]
            ax.text(x + side * (radius + 0.25), y, text, ha="right" if side < 0 else "left",
                    va="center", fontsize=FONT - 1, color=GREY_EDGE if dim else TEXT)
    bottom = -(n_max - 1) / 2 - 0.75
    for l, name in enumerate(layer_names):
        ax.text(xy(l, 0)[0], bottom, name, ha="center", va="top", fontsize=FONT - 1, color=TEXT)
    ax.set_xlim(-left - radius - 0.3, (L - 1) * gap + right + radius + 0.3)
    ax.set_ylim(bottom - 0.6, (n_max - 1) / 2 + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6,
                       fraction=0.05, pad=0.02, aspect=15)
    bar.ax.tick_params(labelsize=FONT - 1)
    bar.outline.set_visible(False)
    bar.set_label("weight", fontsize=FONT - 1)
    return _done(fig)


# ---------------------------------------------------------------- architecture

_ELEMENTS = {
    "embedding": ("encoder-embedding", "decoder-embedding"),
    "positional": ("encoder-positional", "decoder-positional"),
    "encoder-self-attention": ("encoder-self-attention",),
    "attention": ("encoder-self-attention", "decoder-masked-self-attention", "decoder-cross-attention"),
    "feed-forward": ("encoder-feed-forward", "decoder-feed-forward"),
    "add-norm": ("encoder-add-norm-1", "encoder-add-norm-2",
                 "decoder-add-norm-1", "decoder-add-norm-2", "decoder-add-norm-3"),
    "encoder": ("encoder-block", "encoder-self-attention", "encoder-add-norm-1",
                "encoder-feed-forward", "encoder-add-norm-2"),
    "decoder": ("decoder-block", "decoder-masked-self-attention", "decoder-add-norm-1",
                "decoder-cross-attention", "decoder-add-norm-2", "decoder-feed-forward",
                "decoder-add-norm-3"),
    "masked-self-attention": ("decoder-masked-self-attention",),
    "cross-attention": ("decoder-cross-attention",),
    "output": ("linear", "softmax"),
}
_ELEMENTS["all"] = tuple(dict.fromkeys(e for v in _ELEMENTS.values() for e in v))

ARCHITECTURE_PARTS = tuple(_ELEMENTS)
"""The names `architecture(highlight=...)` accepts."""

# Layout in diagram units (100 units = 7 inches across). Columns: encoder left, decoder right.
_ENC, _DEC = 27.0, 73.0        # column centres
_W = 28.0                      # box width
_HALF = _W / 2 + 4.5           # half width of the encoder / decoder layer frame
_SIDE = _W / 2 + 2.2           # residual lines run this far from the centre
_TAP = 8.0                     # the three attention inputs (V, K, Q) enter at -TAP, 0, +TAP


def _lit_elements(highlight):
    """The set of diagram elements to colour, from a part name or several."""
    if highlight is None:
        return set()
    names = (highlight,) if isinstance(highlight, str) else tuple(highlight)
    unknown = [n for n in names if n not in ARCHITECTURE_PARTS]
    if unknown:
        raise ValueError(f"highlight has unknown part(s) {unknown}; "
                         f"valid names are {', '.join(ARCHITECTURE_PARTS)}")
    return {e for n in names for e in _ELEMENTS[n]}


def _box(ax, gid, text, cx, y, h, lit, fontsize=9):
    """A rounded box of width _W centred at cx from y to y + h, labelled; orange if gid is in lit."""
    from matplotlib.patches import FancyBboxPatch
    lit = gid in lit
    ax.add_patch(FancyBboxPatch(
        (cx - _W / 2, y), _W, h, boxstyle="round,pad=0,rounding_size=1.2", gid=f"part:{gid}",
        facecolor=HIGHLIGHT if lit else GREY, edgecolor=HIGHLIGHT_EDGE if lit else GREY_EDGE,
        linewidth=1.5 if lit else 1.0, zorder=3))
    ax.text(cx, y + h / 2, text, ha="center", va="center", fontsize=fontsize, color=TEXT,
            zorder=4, linespacing=1.15)
    return y + h


def _block(ax, gid, x0, y0, x1, y1, lit):
    """The big rounded frame of the encoder or decoder layer; light orange if gid is in lit."""
    from matplotlib.patches import FancyBboxPatch
    lit = gid in lit
    ax.add_patch(FancyBboxPatch(
        (x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=2.5", gid=f"part:{gid}",
        facecolor="#FBE3B8" if lit else "#F4F4F4", edgecolor=HIGHLIGHT_EDGE if lit else "#A8A8A8",
        linewidth=1.8 if lit else 1.0, zorder=1))


def _line(ax, *points, arrow=True):
    """A polyline through the points, with an arrow head at the last one."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path
    style = "-|>" if arrow else "-"
    ax.add_patch(FancyArrowPatch(path=Path(points), arrowstyle=style, mutation_scale=9,
                                 color="#444444", linewidth=1.1, shrinkA=0, shrinkB=0,
                                 joinstyle="miter", capstyle="butt", zorder=2))


def _positional(ax, gid, cx, y, side, lit):
    """⊕ at (cx, y) joined to a sine-wave disc and the label 'Positional Encoding' on `side` (-1, +1)."""
    from matplotlib.patches import Circle
    lit = gid in lit
    face, edge = (HIGHLIGHT, HIGHLIGHT_EDGE) if lit else ("white", GREY_EDGE)
    ax.add_patch(Circle((cx, y), 2.0, gid=f"part:{gid}", facecolor=face, edgecolor=edge,
                        linewidth=1.3, zorder=3))
    ax.plot([cx - 1.3, cx + 1.3], [y, y], color=TEXT, linewidth=1.1, zorder=4)
    ax.plot([cx, cx], [y - 1.3, y + 1.3], color=TEXT, linewidth=1.1, zorder=4)
    ix = cx + side * 9.0
    ax.plot([cx + side * 2.0, ix - side * 2.6], [y, y], color="#444444", linewidth=1.1, zorder=2)
    ax.add_patch(Circle((ix, y), 2.6, gid=f"part:{gid}", facecolor=face, edgecolor=edge,
                        linewidth=1.3, zorder=3))
    t = np.linspace(-1.8, 1.8, 40)
    ax.plot(ix + t, y + 1.1 * np.sin(t * np.pi / 1.8), color=TEXT, linewidth=1.0, zorder=4)
    ax.text(ix + side * 3.6, y, "Positional\nEncoding", fontsize=8.5, color=TEXT,
            ha="right" if side < 0 else "left", va="center", linespacing=1.1)


def _attention_inputs(ax, cx, y_from, y_to, taps=(-_TAP, 0.0, _TAP)):
    """The flow at (cx, y_from) fans out into arrows entering an attention box at y_to."""
    xs = [cx + t for t in taps]
    _line(ax, (min(xs), y_from), (max(xs), y_from), arrow=False)
    for x in xs:
        _line(ax, (x, y_from), (x, y_to))


def _residual(ax, cx, side, y_from, y_to, x_from=None):
    """Skip connection from the branch point (x_from or cx, y_from) around a sub-layer of the
    column at cx, on `side` (-1 left, +1 right), into the side of Add & Norm at y_to."""
    x = cx + side * _SIDE
    start = cx if x_from is None else x_from
    _line(ax, (start, y_from), (x, y_from), (x, y_to), (cx + side * _W / 2, y_to))


def _encoder(ax, lit):
    """Input embedding, ⊕ positional encoding and the encoder layer; returns its top y."""
    c, s = _ENC, -1
    _inputs(ax, "encoder", "Inputs", "Input Embedding", c, s, lit)
    _block(ax, "encoder-block", c - _HALF, 24, c + _HALF, 65, lit)
    _line(ax, (c, 21.5), (c, 27), arrow=False)
    _attention_inputs(ax, c, 27, 30)
    top = _box(ax, "encoder-self-attention", "Multi-Head\nSelf-Attention", c, 30, 7, lit)
    _residual(ax, c, s, 27, 42)
    _line(ax, (c, top), (c, 40))
    top = _box(ax, "encoder-add-norm-1", "Add & Norm", c, 40, 4, lit)
    _line(ax, (c, top), (c, 49))
    _residual(ax, c, s, 46.5, 59)
    top = _box(ax, "encoder-feed-forward", "Feed Forward", c, 49, 5, lit)
    _line(ax, (c, top), (c, 57))
    top = _box(ax, "encoder-add-norm-2", "Add & Norm", c, 57, 4, lit)
    ax.text(c - _HALF - 1.5, 44.5, "N×", ha="right", va="center", fontsize=13, color=TEXT)
    ax.text(c - _HALF + 1.5, 63.2, "Encoder layer", ha="left", va="center", fontsize=8.5,
            color=TEXT, style="italic")
    return top


def _inputs(ax, stack, caption, name, c, side, lit):
    """Caption → embedding box → ⊕ positional encoding, at the foot of a stack."""
    ax.text(c, 2.5, caption, ha="center", va="center", fontsize=9, color=TEXT)
    _line(ax, (c, 4.5), (c, 8))
    top = _box(ax, f"{stack}-embedding", name, c, 8, 5, lit)
    _line(ax, (c, top), (c, 17.5))
    _positional(ax, f"{stack}-positional", c, 19.5, side, lit)


def _decoder(ax, lit, memory_top):
    """Output embedding, ⊕ positional encoding, the decoder layer and the memory arrow; returns its top y."""
    c, s = _DEC, +1
    _inputs(ax, "decoder", "Outputs (shifted right)", "Output Embedding", c, s, lit)
    _block(ax, "decoder-block", c - _HALF, 24, c + _HALF, 87, lit)
    _line(ax, (c, 21.5), (c, 27), arrow=False)
    _attention_inputs(ax, c, 27, 30)
    top = _box(ax, "decoder-masked-self-attention", "Masked Multi-Head\nSelf-Attention", c, 30, 7, lit)
    _residual(ax, c, s, 27, 42)
    _line(ax, (c, top), (c, 40))
    top = _box(ax, "decoder-add-norm-1", "Add & Norm", c, 40, 4, lit)
    _line(ax, (c + _TAP, top), (c + _TAP, 52))         # Q: from the decoder, right tap
    _tap_label(ax, c + _TAP, 50.5, "Q")
    _residual(ax, c, s, 46.5, 64, x_from=c + _TAP)
    _memory(ax, memory_top, c, 49.5, 52)               # K, V: from the encoder, left taps
    top = _box(ax, "decoder-cross-attention", "Multi-Head\nCross-Attention", c, 52, 7, lit)
    _line(ax, (c, top), (c, 62))
    top = _box(ax, "decoder-add-norm-2", "Add & Norm", c, 62, 4, lit)
    _line(ax, (c, top), (c, 71))
    _residual(ax, c, s, 68.5, 81)
    top = _box(ax, "decoder-feed-forward", "Feed Forward", c, 71, 5, lit)
    _line(ax, (c, top), (c, 79))
    top = _box(ax, "decoder-add-norm-3", "Add & Norm", c, 79, 4, lit)
    ax.text(c + _HALF + 1.5, 55.5, "×N", ha="left", va="center", fontsize=13, color=TEXT)
    ax.text(c + _HALF - 1.5, 85.2, "Decoder layer", ha="right", va="center", fontsize=8.5,
            color=TEXT, style="italic")
    return top


def _memory(ax, y_from, c, y_bus, y_to):
    """The encoder output: up out of the encoder, across, into the cross-attention's K and V."""
    x_mid = (_ENC + _DEC) / 2
    y_top = 70.0
    _line(ax, (_ENC, y_from), (_ENC, y_top), (x_mid, y_top), (x_mid, y_bus), (c, y_bus), arrow=False)
    for x, name in ((c - _TAP, "V"), (c, "K")):
        _line(ax, (x, y_bus), (x, y_to))
        _tap_label(ax, x, (y_bus + y_to) / 2, name)
    ax.text((_ENC + x_mid) / 2, y_top + 1.2, "encoder output, read by\nevery decoder layer",
            ha="center", va="bottom", fontsize=8, color=TEXT, style="italic", linespacing=1.1)


def _tap_label(ax, x, y, name):
    """A small Q, K or V beside an arrow entering the cross-attention."""
    ax.text(x + 0.8, y, name, ha="left", va="center", fontsize=8, color=TEXT, style="italic")


def _output(ax, lit, decoder_top):
    """Linear → softmax → output probabilities on top of the decoder."""
    c = _DEC
    _line(ax, (c, decoder_top), (c, 91))
    top = _box(ax, "linear", "Linear", c, 91, 4.5, lit)
    _line(ax, (c, top), (c, 99))
    top = _box(ax, "softmax", "Softmax", c, 99, 4.5, lit)
    _line(ax, (c, top), (c, 107))
    ax.text(c, 109, "Output Probabilities", ha="center", va="center", fontsize=9, color=TEXT)


def architecture(highlight=()):
    """The encoder-decoder Transformer of "Attention Is All You Need" (Figure 1), parts highlighted.

    highlight: a name or an iterable of names from ARCHITECTURE_PARTS, e.g.
    "positional", ("masked-self-attention", "cross-attention"), or "all".
    The named parts are orange, the rest grey. Each drawn part carries a gid
    "part:<element>" (e.g. "part:encoder-self-attention") so tests can find it.
    """
    lit = _lit_elements(highlight)
    fig = _figure((7.0, 7.5), layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1, 101)
    ax.set_ylim(-1, 111)
    ax.set_aspect("equal")
    ax.axis("off")
    enc_top = _encoder(ax, lit)
    dec_top = _decoder(ax, lit, enc_top)
    _output(ax, lit, dec_top)
    return _done(fig)
