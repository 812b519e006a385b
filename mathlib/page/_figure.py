"""What every figure of the book shares: a transparent canvas, colours that read on the
light page (white) and on the dark page (#222222), and the checks of the data drawn.

The figures have no background of their own, so they sit on whatever page shows them.
Everything drawn straight on the page uses colours whose WCAG contrast is at least 3:1
on both backgrounds (relative luminance L between 0.148 and 0.300; ratios below):

    INK             #7F7F7F  text, ticks, spines, arrows, outlines   4.00 white, 3.97 dark
    PALETTE         lines of `curves`, Okabe–Ito hues at a lightness that works on both:
                    #2F88C4 blue 3.86/4.12, #D55E00 vermillion 3.87/4.11, #009E73 green 3.42/4.65,
                    #CC79A7 reddish purple 3.06/5.20, #9C8700 yellow, darkened 3.57/4.45, INK
    HIGHLIGHT_EDGE  #B36B00  outline of a highlighted part         4.18 white, 3.80 dark
    WEIGHTS         network lines: #B36B00 (negative) → INK (0) → #8A63D2 (positive, 4.38/3.63)

No grey reaches 4 : 1 on both (the best, L = 0.213, gives 3.99 : 1), hence INK. Opaque
fills carry their own text colour: DARK_TEXT on the orange HIGHLIGHT (7.7 : 1) and on
light heatmap cells, white on dark cells. Parts that are not highlighted are filled with
DIM, INK at 15 % opacity: light grey on white (#ECECEC), dark grey on #222 (#303030),
INK text on it 3.34 : 1 on both.

A returned figure reaches the notebook through IPython's PNG formatter, which keeps the
transparency and adds no `needs_background` tag: JupyterLab shows it bare in both themes.
"""
import numpy as np


def hex_to_rgb(hex_colour):
    """'#RRGGBB' as three floats in 0 … 1."""
    return tuple(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


DPI = 100                      # pixels per inch of the notebook images
FONT = 10                      # points, tick labels and axis labels
INK = "#7F7F7F"
DARK_TEXT = "#1A1A1A"
HIGHLIGHT = "#E69F00"          # Okabe–Ito orange: the part the chapter is about
HIGHLIGHT_EDGE = "#B36B00"
DIM = (*hex_to_rgb(INK), 0.15)
PALETTE = ("#2F88C4", "#D55E00", "#009E73", "#CC79A7", "#9C8700", INK)
LINESTYLES = ("-", "--", "-.", ":")
WEIGHTS = ("#B36B00", INK, "#8A63D2")


def luminance(rgb):
    """WCAG 2 relative luminance of an sRGB colour (channels 0 … 1)."""
    c = np.asarray(rgb[:3], dtype=np.float64)
    return float(np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4) @ [0.2126, 0.7152, 0.0722])


def text_colour_on(rgb):
    """White or DARK_TEXT, whichever contrasts more with an opaque fill rgb (e.g. a heatmap cell)."""
    L = luminance(rgb)
    return "white" if 1.05 / (L + 0.05) > (L + 0.05) / (luminance(hex_to_rgb(DARK_TEXT)) + 0.05) else DARK_TEXT


# ---------------------------------------------------------------- the canvas

def new_figure(figsize, layout="constrained"):
    """A new figure with a transparent background, made by pyplot so a notebook can show it."""
    import matplotlib.pyplot as plt
    return plt.figure(figsize=figsize, dpi=DPI, facecolor="none", layout=layout)


def finish(fig):
    """Make every axes transparent and ink its frame and labels; close the figure in pyplot
    (so the inline backend shows no second copy) and return it."""
    import matplotlib.pyplot as plt
    for ax in fig.axes:
        ax.set_facecolor("none")
        ax.tick_params(which="both", colors=INK)
        ax.spines[:].set_color(INK)
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            text.set_color(INK)
    plt.close(fig)
    return fig


def colorbar(fig, mappable, ax, label, **kw):
    """A colour bar without outline beside ax (an Axes or a list), labelled `label`."""
    bar = fig.colorbar(mappable, ax=ax, **kw)
    bar.ax.tick_params(labelsize=FONT - 1)
    bar.outline.set_visible(False)
    if label:
        bar.set_label(label, fontsize=FONT)
    return bar


# ---------------------------------------------------------------- checks where data enter

def check_matrix(name, M):
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


def check_labels(name, labels, n, what):
    """labels as a list of str, or None; there must be n of them (`what` says whose n)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        raise ValueError(f"{name} must be a sequence of labels, not one string {labels!r}")
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"{name} has {len(labels)} labels but {what}")
    return labels


def check_series(name, v, finite=False):
    """v as a non-empty 1-D float array; with finite=True NaN and ±inf are refused."""
    a = np.asarray(v)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
    a = a.astype(np.float64)
    if finite and not np.isfinite(a).all():
        raise ValueError(f"{name} contains non-finite values (NaN or inf); shape {a.shape}")
    return a


def arrow_line(ax, *points, arrow=True, gid=None):
    """A polyline through the points, with an arrow head at the last one."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path
    ax.add_patch(FancyArrowPatch(path=Path(points), arrowstyle="-|>" if arrow else "-",
                                 mutation_scale=9, color=INK, linewidth=1.1, shrinkA=0, shrinkB=0,
                                 joinstyle="miter", capstyle="butt", zorder=2, gid=gid))


def text_at(ax, x, y, text, size, **kw):
    ax.text(x, y, text, fontsize=size, color=INK, linespacing=1.1, **kw)


# ---------------------------------------------------------------- numbers and tick labels

def number_text(x, decimals, whole):
    """x as text: whole numbers without decimals, no '-0.00', '∞' for infinity."""
    if np.isinf(x):
        return "∞" if x > 0 else "−∞"
    s = f"{x:.0f}" if whole else f"{x:.{decimals}f}"
    s = s[1:] if s.startswith("-") and float(s) == 0 else s
    return s.replace("-", "−")


def all_whole(a):
    finite = a[np.isfinite(a)]
    return bool(np.all(finite == np.round(finite)))


def labels_crowded(labels, cell_inches):
    """True when column labels would not fit side by side in cells of this width."""
    return labels is not None and max(len(s) for s in labels) * 0.085 > cell_inches


def slant_xlabels(ax):
    """Tilt the x tick labels by 45°, each ending under its tick."""
    ax.tick_params(axis="x", labelrotation=45)
    for t in ax.get_xticklabels():
        t.set_horizontalalignment("right")
        t.set_rotation_mode("anchor")
