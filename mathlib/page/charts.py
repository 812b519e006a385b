"""Charts of series: curves (loss, norms) and bars, the line and bar figures of mathlib.plot.

`plot.curves` and `plot.bars` are these functions (mathlib.plot re-exports them). Like
every figure of mathlib they return a closed, transparent matplotlib Figure readable on a
light and a dark page; matplotlib is imported inside the functions.
"""
import numpy as np

from ._figure import (DIM, FONT, HIGHLIGHT, HIGHLIGHT_EDGE, INK, LINESTYLES, PALETTE, all_whole,
                      check_labels, check_series, finish, labels_crowded, new_figure,
                      number_text, slant_xlabels)


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
    if labels_crowded(labels, 4.8 / v.size):
        slant_xlabels(ax)
    if v.min() < 0:
        ax.axhline(0, color=INK, linewidth=0.8)
    _style_axes(ax, title, None, ylabel)
    ax.grid(False, axis="x")
    if v.size <= 12:                                   # values on the bars, no grid through them
        ax.bar_label(drawn, [number_text(x, 2, all_whole(v)) for x in v], padding=2, fontsize=FONT - 1,
                     color=INK)
        ax.margins(y=0.12)
        ax.grid(False)
    return finish(fig)
