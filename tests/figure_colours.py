"""Colour checks shared by test_plot.py and test_diagram.py, worked out here from the
WCAG 2 definitions (not read from mathlib): relative luminance, contrast ratio, alpha
compositing, and the two pages the book is read on (Quarto's light theme and darkly).
"""
import io

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.text import Text

PAGES = {"light": (1.0, 1.0, 1.0), "dark": (0x22 / 255,) * 3}
READABLE = 3.0          # WCAG 2: large text and graphical objects (1.4.3, 1.4.11)


def luminance(rgb):
    """WCAG 2 relative luminance of an sRGB colour with channels in 0 … 1."""
    c = np.asarray(rgb[:3], dtype=float)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast(a, b):
    """WCAG 2 contrast ratio (1 … 21) of two opaque colours."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def over(top, below):
    """The opaque colour of RGBA `top` painted over opaque RGB `below` ("source over")."""
    r, g, b, a = to_rgba(top)
    return tuple(a * x + (1 - a) * y for x, y in zip((r, g, b), below))


def on_page(layers, page):
    """The colour a stack of RGBA layers (bottom first) shows on the page."""
    rgb = PAGES[page]
    for layer in layers:
        rgb = over(layer, rgb)
    return rgb


def png_rgba(fig):
    """The figure as the notebook stores it (IPython's inline print_figure path), as an
    (h, w, channels) float array."""
    import matplotlib.image
    from IPython.core.pylabtools import print_figure
    return matplotlib.image.imread(io.BytesIO(print_figure(fig, "png", bbox_inches="tight")))


def drawn(fig):
    """Draw the figure with Agg (so that ticks and layouts exist) and return its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _image_colour(ax, xy):
    """The colour of the image cell under display point xy in ax, or None."""
    for im in ax.images:
        col, row = ax.transData.inverted().transform(xy)
        a = im.get_array()
        i, j = int(round(row)), int(round(col))
        if 0 <= i < a.shape[0] and 0 <= j < a.shape[1]:
            if np.ma.is_masked(a[i, j]):
                return im.cmap.get_bad()
            return im.cmap(im.norm(a[i, j]))
    return None


def background(fig, text, renderer):
    """The RGBA layers (bottom first) under the centre of a drawn text: the patches of its
    axes that contain that point, in drawing order, then an image cell under it."""
    box = text.get_window_extent(renderer)
    xy = ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
    ax = text.axes
    if ax is None:
        return []
    patches = [p for p in ax.patches if p.get_visible() and to_rgba(p.get_facecolor())[3] > 0
               and p.get_fill() and not isinstance(p, FancyArrowPatch) and p.contains_point(xy)]
    layers = [p.get_facecolor() for p in sorted(patches, key=Patch.get_zorder)]
    cell = _image_colour(ax, xy)
    return layers + ([cell] if cell is not None else [])


def visible_texts(fig, renderer):
    """Every text the reader sees: non-empty, visible, inside the figure."""
    out = []
    for t in fig.findobj(Text):
        if not (t.get_visible() and t.get_text().strip()):
            continue
        box = t.get_window_extent(renderer)
        if box.x1 < 0 or box.y1 < 0 or box.x0 > fig.bbox.x1 or box.y0 > fig.bbox.y1:
            continue
        out.append(t)
    return out


def worst_text_contrast(fig):
    """(ratio, text, page) of the least readable text of the figure on either page."""
    renderer = drawn(fig)
    worst = (np.inf, None, None)
    for t in visible_texts(fig, renderer):
        layers = background(fig, t, renderer)
        for page in PAGES:
            bg = on_page(layers, page)
            ratio = contrast(over(to_rgba(t.get_color(), t.get_alpha()), bg), bg)
            if ratio < worst[0]:
                worst = (ratio, t.get_text(), page)
    return worst


def coloured(rgba):
    """True for a chromatic colour (orange), False for white or any grey."""
    r, g, b, _ = rgba
    return max(r, g, b) - min(r, g, b) > 0.1


def texts(ax):
    """The strings of the text artists of an axes."""
    return [t.get_text() for t in ax.texts]
